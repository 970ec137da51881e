/**
 * The device authorization grant, token half (RFC 8628 §3.4-3.5): the device polls with its
 * device code until the person has decided at the verification page. The authorization itself
 * starts at the device authorization endpoint (src/endpoints/device-authorization.ts) and is
 * decided through the host's interaction (src/endpoints/device-verification.ts).
 */
import type { DeviceCodeModel } from '../model.js';
import type { Grant } from './grant.js';
import {
  AccessDeniedError,
  AuthorizationPendingError,
  ExpiredTokenError,
  InvalidGrantError,
  InvalidRequestError,
  SlowDownError,
} from '../errors.js';
import { DEVICE_CODE_RECORD, SLOW_DOWN_STEP, deviceKey, deviceRecordOf } from '../device-records.js';

export const DEVICE_CODE = 'urn:ietf:params:oauth:grant-type:device_code';

/** Reads lost to parallel writes before the poll is told to slow down. */
const POLL_ATTEMPTS = 3;

export const deviceCode: Grant<DeviceCodeModel> = {
  type: DEVICE_CODE,
  // §3.4: devices are often public clients (RFC 6749 §2.1); the device code is the credential.
  publicClients: true,
  requires: ['getClient', 'saveToken'],

  async handle({ params, client, model, tokens, now }) {
    if (params.device_code === undefined) throw new InvalidRequestError('Missing parameter: device_code');
    const key = deviceKey(params.device_code);
    for (let attempt = 0; attempt < POLL_ATTEMPTS; attempt++) {
      const record = await model.getRecord(DEVICE_CODE_RECORD, key);
      // Unknown, long expired, or already redeemed: RFC 6749 §5.2.
      if (!record) throw new InvalidGrantError('The device code is invalid or was already used');
      const device = deviceRecordOf(record);
      // §3.4: the code is bound to the client that asked; another client's guess leaves it untouched.
      if (device.clientId !== client.client_id) throw new InvalidGrantError('The device code was issued to another client');
      if (device.expiresAt <= now.getTime()) throw new ExpiredTokenError('The device code has expired; start a new device authorization');
      if (device.status === 'denied') throw new AccessDeniedError('The user denied the authorization request');

      if (device.status === 'approved') {
        // Redeemed once, atomically: of parallel polls exactly one takes the record and gets tokens.
        const taken = await model.takeRecord(DEVICE_CODE_RECORD, key);
        if (!taken) throw new InvalidGrantError('The device code was already used');
        const approved = deviceRecordOf(taken);
        if (approved.user === null || approved.grantedScope === null) throw new InvalidGrantError('The device code was already used');
        return tokens.issue({
          client,
          user: approved.user,
          scope: approved.grantedScope,
          requestedScope: approved.scope ?? undefined,
          refreshToken: true,
          resources: approved.resources ?? undefined,
          // OpenID Connect: an ID token, when the scope has openid, says when the person signed in.
          openid: { authTime: approved.authTime ?? undefined },
        });
      }

      // §3.5: a poll sooner than the interval after the last one is told to slow down, and the interval grows by 5 seconds.
      const tooSoon = device.lastPollAt !== null && now.getTime() - device.lastPollAt < device.interval * 1000;
      const next = { ...device, lastPollAt: now.getTime(), interval: tooSoon ? device.interval + SLOW_DOWN_STEP : device.interval };
      if (await model.replaceRecord(DEVICE_CODE_RECORD, key, record.version, { ...next })) {
        if (tooSoon) throw new SlowDownError(`Polling too fast: wait ${next.interval} seconds between requests`);
        throw new AuthorizationPendingError('The user has not yet approved or denied the request');
      }
      // Another write came first: a parallel poll (this one is then too fast too) or the person's decision.
    }
    throw new SlowDownError('Polling too fast: several polls at once');
  },
};
