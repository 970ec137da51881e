/** The device_code grant (RFC 8628 §3.4-3.5): every polling answer, single redemption, and the decision step. */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { hashToken } from '../../src/secrets.js';
import { SKYVAULT, assertError, assertTokens, resourceOwner } from '../helpers/flows.js';
import { bearerRequest, json, tokenRequest } from '../helpers/http.js';
import type { DeviceServer } from '../helpers/device.js';
import { DEVICE_CODE, decide, deviceRequest, deviceServer, lookup, pollRequest } from '../helpers/device.js';

/** A device authorization of the TV client (or SkyVault with its secret). */
async function start(h: DeviceServer, params: Record<string, string> = {}, auth?: readonly [string, string]): Promise<{ deviceCode: string; userCode: string }> {
  const body = json(await h.call(deviceRequest(params, auth)));
  return { deviceCode: String(body.device_code), userCode: String(body.user_code) };
}

/** The interval kept with the device code now. */
async function interval(h: DeviceServer, deviceCode: string): Promise<unknown> {
  return (await h.store.getRecord('device_code', hashToken(deviceCode)))?.value['interval'];
}

describe('device_code grant (RFC 8628 §3.4-3.5)', () => {
  it('authorization_pending until the person decides; approved, one poll gets tokens (a refresh token too) that work', async () => {
    const h = await deviceServer();
    const { deviceCode, userCode } = await start(h, { scope: 'read' });
    assertError(await h.call(pollRequest(deviceCode)), 400, 'authorization_pending');
    assert.equal(await decide(h.server, userCode, { user: resourceOwner, allow: true }), 'approved');
    const body = assertTokens(await h.call(pollRequest(deviceCode)));
    assert.equal(typeof body.refresh_token, 'string');
    assert.equal(body.scope, undefined, 'the scope granted is the scope asked');
    const secure = await h.server.authenticate(bearerRequest(body.access_token));
    assert.equal(secure.type, 'authenticated');
  });

  it('the device code is redeemed once: the next poll is invalid_grant', async () => {
    const h = await deviceServer();
    const { deviceCode, userCode } = await start(h);
    await decide(h.server, userCode, { user: resourceOwner, allow: true });
    assertTokens(await h.call(pollRequest(deviceCode)));
    assertError(await h.call(pollRequest(deviceCode)), 400, 'invalid_grant');
  });

  it('slow_down: a poll sooner than the interval is told to slow down, and the interval grows by 5 seconds each time', async () => {
    const h = await deviceServer();
    const { deviceCode } = await start(h);
    assertError(await h.call(pollRequest(deviceCode)), 400, 'authorization_pending');
    assert.equal(await interval(h, deviceCode), 5);
    assert.match(String(assertError(await h.call(pollRequest(deviceCode)), 400, 'slow_down').error_description), /10 seconds/);
    assert.equal(await interval(h, deviceCode), 10);
    assertError(await h.call(pollRequest(deviceCode)), 400, 'slow_down');
    assert.equal(await interval(h, deviceCode), 15);
  });

  it('access_denied once the person denies', async () => {
    const h = await deviceServer();
    const { deviceCode, userCode } = await start(h);
    assert.equal(await decide(h.server, userCode, { user: resourceOwner, allow: false }), 'denied');
    assertError(await h.call(pollRequest(deviceCode)), 400, 'access_denied');
  });

  it('expired_token once the device code expires, even if it was approved; the user code no longer names it', async () => {
    const h = await deviceServer({ deviceCodeTtl: 1 });
    const { deviceCode, userCode } = await start(h);
    await new Promise((resolve) => setTimeout(resolve, 1100));
    assertError(await h.call(pollRequest(deviceCode)), 400, 'expired_token');
    assert.equal(await lookup(h.server, userCode), null);
    assert.equal(await decide(h.server, userCode, { user: resourceOwner, allow: true }), 'gone');
    assertError(await h.call(pollRequest(deviceCode)), 400, 'expired_token');
  });

  it('a device code polled by another client is invalid_grant, and the code is left as it was for its own client', async () => {
    const h = await deviceServer();
    const { deviceCode, userCode } = await start(h, {}, SKYVAULT);
    assertError(await h.call(pollRequest(deviceCode)), 400, 'invalid_grant');
    await decide(h.server, userCode, { user: resourceOwner, allow: true });
    assertError(await h.call(pollRequest(deviceCode)), 400, 'invalid_grant');
    assertTokens(await h.call(pollRequest(deviceCode, SKYVAULT)));
  });

  it('an unknown device code is invalid_grant; a missing one invalid_request; a client without the grant unauthorized_client', async () => {
    const h = await deviceServer();
    assertError(await h.call(pollRequest('no-such-device-code')), 400, 'invalid_grant');
    assertError(await h.call(tokenRequest({ grant_type: DEVICE_CODE, client_id: 'tv' })), 400, 'invalid_request');
    assertError(await h.call(tokenRequest({ grant_type: DEVICE_CODE, device_code: 'x', client_id: 'spa' })), 400, 'unauthorized_client');
  });

  it('the person decides once: a second decision, or one on a used user code, changes nothing', async () => {
    const h = await deviceServer();
    const { deviceCode, userCode } = await start(h);
    assert.equal(await decide(h.server, userCode, { user: resourceOwner, allow: false }), 'denied');
    assert.equal(await decide(h.server, userCode, { user: resourceOwner, allow: true }), 'gone');
    assert.equal(await lookup(h.server, userCode), null);
    assertError(await h.call(pollRequest(deviceCode)), 400, 'access_denied');
  });

  it('the scope the person narrows to is what the token gets; a scope the policy refuses is a denial', async () => {
    const h = await deviceServer();
    const narrowed = await start(h, { scope: 'read write' });
    await decide(h.server, narrowed.userCode, { user: resourceOwner, allow: true, scope: ['read'] });
    assert.equal(assertTokens(await h.call(pollRequest(narrowed.deviceCode))).scope, 'read');
    const refused = await start(h, { scope: 'read' });
    assert.equal(await decide(h.server, refused.userCode, { user: resourceOwner, allow: true, scope: ['admin'] }), 'denied');
    assertError(await h.call(pollRequest(refused.deviceCode)), 400, 'access_denied');
  });
});
