import { it } from 'node:test';
import assert from 'node:assert/strict';
import { SignJWT, exportJWK, generateKeyPair } from 'jose';
import type { CryptoKey, JWK } from 'jose';
import type { Harness, ServerOverrides } from '../helpers/hosts.js';
import { describeHosts } from '../helpers/hosts.js';
import { json, tokenRequest } from '../helpers/http.js';
import { SKYVAULT, accepted, assertError, assertTokens } from '../helpers/flows.js';
import { ISSUER, admin, skyvault } from '../helpers/fixtures.js';
import { createTestServer } from '../helpers/fixtures.js';

const JWT_BEARER = 'urn:ietf:params:oauth:grant-type:jwt-bearer';
const PARTNER = 'https://idp.partner.example';

const { publicKey, privateKey } = await generateKeyPair('ES256');
const partnerJwk: JWK = { ...(await exportJWK(publicKey)), kid: 'p1', alg: 'ES256' };
const other = await generateKeyPair('ES256');

interface AssertionOptions {
  claims?: Record<string, unknown>;
  key?: CryptoKey;
  alg?: string;
  expiresIn?: number;
  omit?: 'exp' | 'sub';
}

let jtiCounter = 0;
/** An assertion from the partner for user-admin, to this server's issuer. */
async function assertion({ claims = {}, key = privateKey, alg = 'ES256', expiresIn = 300, omit }: AssertionOptions = {}): Promise<string> {
  const now = Math.floor(Date.now() / 1000);
  const payload: Record<string, unknown> = { iss: PARTNER, sub: 'user-admin', aud: ISSUER, iat: now, exp: now + expiresIn, jti: `j${++jtiCounter}`, ...claims };
  if (omit) delete payload[omit];
  return new SignJWT(payload).setProtectedHeader({ alg, kid: 'p1' }).sign(key);
}

const options: ServerOverrides = {
  grantTypes: ['authorization_code', 'client_credentials', 'refresh_token', JWT_BEARER],
  trustedIssuers: [{ issuer: PARTNER, jwks: { keys: [partnerJwk as Record<string, unknown>] } }],
};

async function bearerServer(setup: (o?: ServerOverrides) => Promise<Harness>, overrides: ServerOverrides = {}): Promise<Harness> {
  const h = await setup({ ...options, ...overrides });
  await h.store.saveClient({ ...skyvault, grant_types: [...skyvault.grant_types, JWT_BEARER] });
  // The fixture's admin, with a known subject id for the assertions to name.
  await h.store.saveUser({ id: 'user-admin', ...admin });
  return h;
}

function present(h: Harness, value: string, extra: Record<string, string> = {}): ReturnType<Harness['token']> {
  return h.token(tokenRequest({ grant_type: JWT_BEARER, assertion: value, ...extra }, SKYVAULT));
}

describeHosts('JWT bearer assertion grant (RFC 7523 §2.1)', (setup) => {
  it('an assertion signed by a trusted issuer gets a working token for the user its sub names, no refresh token', async () => {
    const h = await bearerServer(setup);
    const body = assertTokens(await present(h, await assertion(), { scope: 'read' }));
    assert.equal(body.refresh_token, undefined);
    assert.ok(await accepted(h, body.access_token));
    const info = json(await h.introspect(tokenRequest({ token: body.access_token }, SKYVAULT, '/oauth/introspect')));
    assert.equal(info.sub, 'user-admin');
    assert.equal(info.scope, 'read');
  });

  it('aud may be the token endpoint URL instead of the issuer (RFC 7523 §3, item 3)', async () => {
    const h = await bearerServer(setup);
    assertTokens(await present(h, await assertion({ claims: { aud: `${ISSUER}/oauth/token` } })));
  });

  it('a replayed jti is invalid_grant (RFC 7523 §3, item 7)', async () => {
    const h = await bearerServer(setup);
    const once = await assertion();
    assertTokens(await present(h, once));
    assertError(await present(h, once), 400, 'invalid_grant');
  });

  it('a wrong aud is invalid_grant (RFC 7523 §3, item 3)', async () => {
    const h = await bearerServer(setup);
    assertError(await present(h, await assertion({ claims: { aud: 'https://other.example' } })), 400, 'invalid_grant');
  });

  it('an expired assertion, or one without exp, is invalid_grant (RFC 7523 §3, item 4)', async () => {
    const h = await bearerServer(setup);
    assertError(await present(h, await assertion({ expiresIn: -120 })), 400, 'invalid_grant');
    assertError(await present(h, await assertion({ omit: 'exp' })), 400, 'invalid_grant');
  });

  it('an assertion living longer than maxLifetime is invalid_grant (RFC 7523 §3, item 4)', async () => {
    const h = await bearerServer(setup);
    assertError(await present(h, await assertion({ expiresIn: 7200 })), 400, 'invalid_grant');
  });

  it('an untrusted issuer, a key not the issuer\'s, or alg none is invalid_grant (RFC 7523 §3, items 1 and 9; RFC 8725 §3.2)', async () => {
    const h = await bearerServer(setup);
    assertError(await present(h, await assertion({ claims: { iss: 'https://evil.example' } })), 400, 'invalid_grant');
    assertError(await present(h, await assertion({ key: other.privateKey })), 400, 'invalid_grant');
    const now = Math.floor(Date.now() / 1000);
    const b64 = (value: object): string => Buffer.from(JSON.stringify(value)).toString('base64url');
    const unsigned = `${b64({ alg: 'none' })}.${b64({ iss: PARTNER, sub: 'user-admin', aud: ISSUER, exp: now + 60 })}.`;
    assertError(await present(h, unsigned), 400, 'invalid_grant');
    assertError(await present(h, 'not-a-jwt'), 400, 'invalid_grant');
  });

  it('a sub naming no user, or no sub, is invalid_grant (RFC 7523 §3, item 2)', async () => {
    const h = await bearerServer(setup);
    assertError(await present(h, await assertion({ claims: { sub: 'nobody' } })), 400, 'invalid_grant');
    assertError(await present(h, await assertion({ omit: 'sub' })), 400, 'invalid_grant');
  });

  it('getUserFromAssertion maps the claims to a user instead of the default', async () => {
    const mapping: typeof setup = async (overrides) => {
      const h = await setup(overrides);
      Object.assign(h.store, { getUserFromAssertion: (claims: { sub: string }) => (claims.sub === 'admin@partner' ? h.store.getUserById('user-admin') : null) });
      return h;
    };
    const h = await bearerServer(mapping);
    assertTokens(await present(h, await assertion({ claims: { sub: 'admin@partner' } })));
    assertError(await present(h, await assertion()), 400, 'invalid_grant');
  });

  it('a missing assertion is invalid_request; a scope beyond the client\'s is invalid_scope', async () => {
    const h = await bearerServer(setup);
    assertError(await h.token(tokenRequest({ grant_type: JWT_BEARER }, SKYVAULT)), 400, 'invalid_request');
    assertError(await present(h, await assertion(), { scope: 'admin' }), 400, 'invalid_scope');
  });

  it('a client not registered for the grant is unauthorized_client', async () => {
    const h = await setup(options);
    assertError(await present(h, await assertion()), 400, 'unauthorized_client');
  });

  it('metadata lists the grant type when enabled (RFC 8414 §2)', async () => {
    const h = await bearerServer(setup);
    assert.ok((json(await h.metadata()).grant_types_supported as string[]).includes(JWT_BEARER));
  });
});

it('trustedIssuers with a private key, a symmetric key or alg none is refused at start, naming the field', async () => {
  const extractable = await generateKeyPair('ES256', { extractable: true });
  const withPrivate = { ...(await exportJWK(extractable.privateKey)), kid: 'x' } as Record<string, unknown>;
  await assert.rejects(createTestServer({ ...options, trustedIssuers: [{ issuer: PARTNER, jwks: { keys: [withPrivate] } }] }), /trustedIssuers\[0\]\.jwks/);
  await assert.rejects(createTestServer({ ...options, trustedIssuers: [{ issuer: PARTNER, jwks: { keys: [{ kty: 'oct', k: 'abc' }] } }] }), /trustedIssuers\[0\]\.jwks/);
  await assert.rejects(createTestServer({ ...options, trustedIssuers: [{ issuer: PARTNER, jwks: { keys: [partnerJwk as Record<string, unknown>] }, algorithms: ['none'] }] }), /trustedIssuers\[0\]\.algorithms/);
});
