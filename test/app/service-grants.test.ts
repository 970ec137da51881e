/**
 * The grants that need no person, on `tollgate serve`, driven by openid-client's
 * `genericGrantRequest`: JWT bearer assertions (RFC 7523 §2.1) and token exchange (RFC 8693).
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { SignJWT, exportJWK, generateKeyPair } from 'jose';
import * as client from 'openid-client';
import type { RunningCli } from '../helpers/app-server.js';
import { demoConfig, runCli, startCli, writeConfig } from '../helpers/app-server.js';
import { admin, skyvault } from '../helpers/fixtures.js';

const JWT_BEARER = 'urn:ietf:params:oauth:grant-type:jwt-bearer';
const TOKEN_EXCHANGE = 'urn:ietf:params:oauth:grant-type:token-exchange';
const ACCESS_TOKEN = 'urn:ietf:params:oauth:token-type:access_token';
const PARTNER = 'https://idp.partner.example';

const { publicKey, privateKey } = await generateKeyPair('ES256');
const partnerKey = { ...(await exportJWK(publicKey)), kid: 'p1', alg: 'ES256' };
const insecure: client.DiscoveryRequestOptions = { execute: [client.allowInsecureRequests], algorithm: 'oauth2' };

let jti = 0;
async function assertion(audience: string, claims: Record<string, unknown> = {}): Promise<string> {
  return new SignJWT({ sub: 'user-admin', jti: `a${++jti}`, ...claims })
    .setProtectedHeader({ alg: 'ES256', kid: 'p1' })
    .setIssuer(PARTNER)
    .setAudience(audience)
    .setIssuedAt()
    .setExpirationTime('2m')
    .sign(privateKey);
}

async function rejected(promise: Promise<unknown>, error: string): Promise<void> {
  await assert.rejects(promise, (err: unknown) => {
    assert.ok(err instanceof client.ResponseBodyError, String(err));
    assert.equal(err.error, error);
    return true;
  });
}

describe('JWT bearer and token exchange on tollgate serve (openid-client)', () => {
  let cli: RunningCli;
  let config: client.Configuration;

  before(async () => {
    cli = await startCli(
      demoConfig({
        clients: [{ ...skyvault, grant_types: [...skyvault.grant_types, JWT_BEARER, TOKEN_EXCHANGE] }],
        users: [{ id: 'user-admin', ...admin }],
        trustedIssuers: [{ issuer: PARTNER, jwks: { keys: [partnerKey] } }],
      }),
    );
    config = await client.discovery(new URL(cli.url), skyvault.client_id, skyvault.client_secret, client.ClientSecretBasic(skyvault.client_secret ?? ''), insecure);
  });
  after(() => cli.stop());

  async function secure(token: string): Promise<number> {
    return (await fetch(`${cli.url}/secure`, { headers: { authorization: `Bearer ${token}` } })).status;
  }

  async function introspect(token: string): Promise<Record<string, unknown>> {
    return (await client.tokenIntrospection(config, token)) as Record<string, unknown>;
  }

  test('metadata lists both grant types once a client is registered for them', () => {
    const supported = config.serverMetadata().grant_types_supported ?? [];
    assert.ok(supported.includes(JWT_BEARER) && supported.includes(TOKEN_EXCHANGE), supported.join(' '));
  });

  test('a JWT bearer assertion from the trusted issuer gets a token that works at /secure; its jti replayed is invalid_grant', async () => {
    const signed = await assertion(cli.url);
    const tokens = await client.genericGrantRequest(config, JWT_BEARER, { assertion: signed, scope: 'read' });
    assert.equal(await secure(tokens.access_token), 200);
    assert.equal((await introspect(tokens.access_token)).sub, 'user-admin');
    await rejected(client.genericGrantRequest(config, JWT_BEARER, { assertion: signed }), 'invalid_grant');
  });

  test('JWT bearer: a wrong aud or an expired assertion is invalid_grant', async () => {
    await rejected(client.genericGrantRequest(config, JWT_BEARER, { assertion: await assertion('https://elsewhere.example') }), 'invalid_grant');
    const expired = await new SignJWT({ sub: 'user-admin' }).setProtectedHeader({ alg: 'ES256' }).setIssuer(PARTNER).setAudience(cli.url).setExpirationTime(Math.floor(Date.now() / 1000) - 300).sign(privateKey);
    await rejected(client.genericGrantRequest(config, JWT_BEARER, { assertion: expired }), 'invalid_grant');
  });

  test('token exchange: the issued token works at /secure, delegation carries act, a widened scope and an unknown subject_token are refused', async () => {
    const subject = await client.genericGrantRequest(config, JWT_BEARER, { assertion: await assertion(`${cli.url}/oauth/token`), scope: 'read' });
    const exchanged = await client.genericGrantRequest(config, TOKEN_EXCHANGE, { subject_token: subject.access_token, subject_token_type: ACCESS_TOKEN });
    assert.equal(exchanged.issued_token_type, ACCESS_TOKEN);
    assert.equal(await secure(exchanged.access_token), 200);

    const actor = await client.clientCredentialsGrant(config, { scope: 'read' });
    const delegated = await client.genericGrantRequest(config, TOKEN_EXCHANGE, {
      subject_token: subject.access_token,
      subject_token_type: ACCESS_TOKEN,
      actor_token: actor.access_token,
      actor_token_type: ACCESS_TOKEN,
    });
    const info = await introspect(delegated.access_token);
    assert.equal(info.sub, 'user-admin');
    assert.deepEqual(info.act, { sub: skyvault.client_id, client_id: skyvault.client_id });

    await rejected(client.genericGrantRequest(config, TOKEN_EXCHANGE, { subject_token: subject.access_token, subject_token_type: ACCESS_TOKEN, scope: 'read write' }), 'invalid_scope');
    await rejected(client.genericGrantRequest(config, TOKEN_EXCHANGE, { subject_token: 'unknown', subject_token_type: ACCESS_TOKEN }), 'invalid_request');
    await client.tokenRevocation(config, subject.access_token);
    await rejected(client.genericGrantRequest(config, TOKEN_EXCHANGE, { subject_token: subject.access_token, subject_token_type: ACCESS_TOKEN }), 'invalid_request');
  });
});

test('config: a client listing jwt-bearer with no trustedIssuers fails at start, naming the field', async () => {
  const file = writeConfig(demoConfig({ clients: [{ ...skyvault, grant_types: ['client_credentials', JWT_BEARER] }] }));
  const result = await runCli(['serve', '--config', file, '--port', '0']);
  assert.notEqual(result.code, 0);
  assert.match(result.stderr + result.stdout, /config\.trustedIssuers/);
});
