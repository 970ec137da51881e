import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createPublicKey } from 'node:crypto';
import type { JsonWebKey as NodeJsonWebKey } from 'node:crypto';
import type { JWTPayload } from 'jose';
import type { AuthorizationServer } from '../../src/index.js';
import type { JsonWebKeySet } from '../../src/jwt.js';
import type { SigningKey } from '../../src/jwt.js';
import { ConfigError, InvalidTokenError, TemporarilyUnavailableError } from '../../src/errors.js';
import { createRequestListener } from '../../src/adapters/node.js';
import { createJwtVerifier } from '../../src/tokens/jwt-verify.js';
import type { JwtVerifier } from '../../src/tokens/jwt-verify.js';
import { generateSigningKey } from '../../src/tokens/signing-keys.js';
import { ISSUER } from '../helpers/fixtures.js';
import { createJwtTestServer, hs256Jwt, passwordToken, publishedJwks, signWith, unsecuredJwt, validClaims } from './jwt-fixtures.js';

/** Asserts the verifier refused the token as invalid_token, with a description of its own (never jose's message). */
async function assertRefused(verifier: JwtVerifier, token: string, description: RegExp): Promise<void> {
  await assert.rejects(verifier.verify(token), (err: unknown) => {
    assert.ok(err instanceof InvalidTokenError, `expected InvalidTokenError, got ${String(err)}`);
    assert.equal(err.error, 'invalid_token');
    assert.equal(err.status, 401);
    assert.match(err.description, description);
    assert.doesNotMatch(err.description, /JWS|JWK|Header Parameter|ERR_/);
    return true;
  });
}

let server: AuthorizationServer;
let key: SigningKey;
let jwks: JsonWebKeySet;
let verifier: JwtVerifier;

before(async () => {
  const made = await createJwtTestServer();
  server = made.server;
  await passwordToken(server);
  const [active] = await made.store.getSigningKeys();
  assert.ok(active);
  key = active;
  jwks = await publishedJwks(server);
  verifier = createJwtVerifier({ issuer: ISSUER, audience: ISSUER, jwks });
});

describe('createJwtVerifier: what it accepts', () => {
  test('a token the server issued verifies, and its claims come back', async () => {
    const { token } = await passwordToken(server, 'read');
    const claims = await verifier.verify(token);
    assert.equal(claims.iss, ISSUER);
    assert.equal(claims.aud, ISSUER);
    assert.equal(claims.client_id, 'SkyVaultapp');
    assert.equal(claims.scope, 'read');
  });

  test('typ application/at+jwt is the same type (RFC 9068 §4)', async () => {
    const token = await signWith(key, validClaims(), { typ: 'application/at+jwt' });
    assert.equal((await verifier.verify(token)).sub, 'someone');
  });

  test('an aud array containing this resource server verifies (RFC 9068 §4)', async () => {
    const token = await signWith(key, validClaims({ aud: ['https://other.example.com', ISSUER] }));
    await verifier.verify(token);
  });

  test('clockTolerance admits a token expired by less than the tolerance', async () => {
    const now = Math.floor(Date.now() / 1000);
    const token = await signWith(key, validClaims({ iat: now - 100, exp: now - 10 }));
    await createJwtVerifier({ issuer: ISSUER, audience: ISSUER, jwks, clockTolerance: 60 }).verify(token);
    await assertRefused(verifier, token, /expired/);
  });
});

describe('createJwtVerifier: what it refuses', () => {
  test('the verifier never accepts alg none (RFC 8725 §3.2)', async () => {
    await assertRefused(verifier, unsecuredJwt(validClaims(), key.kid), /algorithm/);
  });

  test('the verifier never accepts HS256, even MACed with the public key (RFC 8725 §3.1, key confusion)', async () => {
    const publicKey = createPublicKey({ key: key.publicJwk as NodeJsonWebKey, format: 'jwk' });
    const secrets: Array<Uint8Array | string> = [
      publicKey.export({ type: 'spki', format: 'pem' }),
      publicKey.export({ type: 'spki', format: 'der' }),
      JSON.stringify(key.publicJwk),
      JSON.stringify(jwks),
    ];
    for (const secret of secrets) await assertRefused(verifier, hs256Jwt(validClaims(), key.kid, secret), /algorithm/);
  });

  test('the verifier requires typ at+jwt, so no other JWT passes for an access token (RFC 9068 §4)', async () => {
    await assertRefused(verifier, await signWith(key, validClaims(), { typ: 'JWT' }), /typ/);
    await assertRefused(verifier, await signWith(key, validClaims(), { typ: undefined }), /typ/);
  });

  test('the verifier refuses a token for another audience (RFC 9068 §4)', async () => {
    await assertRefused(verifier, await signWith(key, validClaims({ aud: 'https://other.example.com' })), /aud/);
    const elsewhere = createJwtVerifier({ issuer: ISSUER, audience: 'https://api.example.com', jwks });
    await assertRefused(elsewhere, (await passwordToken(server)).token, /aud/);
  });

  test('the verifier refuses a token from another issuer (RFC 9068 §4)', async () => {
    await assertRefused(verifier, await signWith(key, validClaims({ iss: 'https://evil.example.com' })), /iss/);
  });

  test('the verifier refuses an expired token (RFC 9068 §4)', async () => {
    const now = Math.floor(Date.now() / 1000);
    await assertRefused(verifier, await signWith(key, validClaims({ iat: now - 7200, exp: now - 3600 })), /expired/);
  });

  test('the verifier refuses a token missing a required claim (RFC 9068 §2.2)', async () => {
    for (const claim of ['exp', 'iat', 'sub', 'jti', 'client_id', 'aud', 'iss']) {
      const claims: JWTPayload = validClaims();
      delete claims[claim];
      await assertRefused(verifier, await signWith(key, claims), new RegExp(claim));
    }
  });

  test('the verifier refuses a token signed by a key not in the JWKS, even under a published kid', async () => {
    const impostor = { ...(await generateSigningKey()), kid: key.kid };
    await assertRefused(verifier, await signWith(impostor, validClaims()), /signature/);
    const stranger = await generateSigningKey();
    await assertRefused(verifier, await signWith(stranger, validClaims()), /signature/);
  });

  test('the verifier refuses a token whose claims were altered after signing', async () => {
    const [header, , signature] = (await passwordToken(server, 'read')).token.split('.');
    const widened = Buffer.from(JSON.stringify(validClaims({ scope: 'read write admin' }))).toString('base64url');
    await assertRefused(verifier, `${header}.${widened}.${signature}`, /signature/);
  });

  test('the verifier refuses what is not a JWT', async () => {
    for (const token of ['', 'opaque-token', 'a.b.c', 'a.b', '...', `${'x'.repeat(50)}.${'y'.repeat(50)}.${'z'.repeat(50)}`]) {
      await assertRefused(verifier, token, /malformed|signature|algorithm/);
    }
  });

  test('a claim of the wrong type is refused', async () => {
    await assertRefused(verifier, await signWith(key, validClaims({ client_id: 42 })), /claims are malformed/);
    await assertRefused(verifier, await signWith(key, validClaims({ scope: ['read'] })), /claims are malformed/);
  });
});

describe('createJwtVerifier with the JWKS URL', () => {
  const http = createServer();
  let jwksUrl: URL;

  before(async () => {
    http.on('request', createRequestListener(server));
    await new Promise<void>((resolve) => http.listen(0, '127.0.0.1', resolve));
    jwksUrl = new URL(`http://127.0.0.1:${(http.address() as AddressInfo).port}/.well-known/jwks.json`);
  });
  after(() => new Promise<void>((resolve) => http.close(() => resolve())));

  test('a resource server verifies tokens against the served JWKS without the store', async () => {
    const remote = createJwtVerifier({ issuer: ISSUER, audience: ISSUER, jwks: jwksUrl });
    const { token } = await passwordToken(server, 'write');
    assert.equal((await remote.verify(token)).scope, 'write');
    await assertRefused(remote, unsecuredJwt(validClaims(), key.kid), /algorithm/);
  });

  test('an unreachable JWKS is temporarily_unavailable, not invalid_token', async () => {
    const probe = createServer();
    await new Promise<void>((resolve) => probe.listen(0, '127.0.0.1', resolve));
    const port = (probe.address() as AddressInfo).port;
    await new Promise<void>((resolve) => probe.close(() => resolve()));

    const down = createJwtVerifier({ issuer: ISSUER, audience: ISSUER, jwks: new URL(`http://127.0.0.1:${port}/jwks.json`) });
    await assert.rejects(down.verify((await passwordToken(server)).token), (err: unknown) => {
      assert.ok(err instanceof TemporarilyUnavailableError);
      assert.equal(err.status, 503);
      return true;
    });
  });
});

test('a key set that is not a JWKS is a ConfigError naming jwks', () => {
  assert.throws(
    () => createJwtVerifier({ issuer: ISSUER, audience: ISSUER, jwks: { keys: 'nope' } as unknown as JsonWebKeySet }),
    (err: unknown) => err instanceof ConfigError && err.field === 'jwks',
  );
});

describe('createJwtVerifier refuses to be created without the checks RFC 9068 §4 requires', () => {
  // From JavaScript the types do not stop a missing option; without it jose would skip the check.
  const create = (options: Record<string, unknown>) => () => createJwtVerifier({ jwks, ...options } as never);
  const isConfigError = (field: string) => (err: unknown) =>
    err instanceof ConfigError && err.code === 'ERR_TOLLGATE_INVALID_OPTION' && err.field === field && err.message.startsWith(`${field}: `);

  test('a verifier without issuer is a ConfigError naming issuer (it would accept tokens from any issuer)', () => {
    assert.throws(create({ audience: ISSUER }), isConfigError('issuer'));
    assert.throws(create({ issuer: '', audience: ISSUER }), isConfigError('issuer'));
    assert.throws(create({ issuer: 42, audience: ISSUER }), isConfigError('issuer'));
  });

  test('a verifier without audience is a ConfigError naming audience (it would accept tokens for any audience)', () => {
    for (const audience of [undefined, '', [], [''], [ISSUER, ''], 7]) {
      assert.throws(create({ issuer: ISSUER, audience }), isConfigError('audience'), JSON.stringify(audience));
    }
  });

  test('with both set, the verifier is created (one audience or a list)', () => {
    assert.doesNotThrow(create({ issuer: ISSUER, audience: ISSUER }));
    assert.doesNotThrow(create({ issuer: ISSUER, audience: [ISSUER, 'https://api.example'] }));
  });
});

describe('createJwtVerifier: the cache of verified tokens', () => {
  test('a token seen again gives the same claims, and a caller changing its copy changes nobody else\'s', async () => {
    const token = await signWith(key, validClaims({ jti: 'cache-copy' }));
    const first = await verifier.verify(token);
    first.scope = 'admin';
    const again = await verifier.verify(token);
    assert.equal(again.scope, 'read');
    assert.equal(again.jti, 'cache-copy');
  });

  test('a cached token is refused once its exp has passed, as an uncached one is', async () => {
    const exp = Math.floor(Date.now() / 1000) + 2;
    const token = await signWith(key, validClaims({ jti: 'cache-exp', exp }));
    assert.equal((await verifier.verify(token)).jti, 'cache-exp');
    // Past exp: the cached entry must not outlive the token.
    await new Promise((resolve) => setTimeout(resolve, exp * 1000 - Date.now() + 50));
    await assertRefused(verifier, token, /expired/);
  });

  test('a token that failed is not remembered as valid, and cacheSize 0 verifies every time', async () => {
    const uncached = createJwtVerifier({ issuer: ISSUER, audience: ISSUER, jwks, cacheSize: 0 });
    const token = await signWith(key, validClaims({ jti: 'cache-off' }));
    assert.equal((await uncached.verify(token)).jti, 'cache-off');
    const [header, payload, signature] = token.split('.');
    const tampered = `${header}.${payload}.${signature?.slice(0, -4)}AAAA`;
    await assertRefused(verifier, tampered, /signature/);
    await assertRefused(verifier, tampered, /signature/);
  });
});
