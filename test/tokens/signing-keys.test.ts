import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { calculateJwkThumbprint } from 'jose';
import type { SigningKey } from '../../src/jwt.js';
import { createMemoryStore } from '../../src/stores/memory.js';
import { ensureKeyFor, ensureSigningKey, generateSigningKey, keyChain, publishedKeys, rotateSigningKey } from '../../src/tokens/signing-keys.js';

const PRIVATE_MEMBERS = ['d', 'p', 'q', 'dp', 'dq', 'qi', 'k'];

describe('generateSigningKey', () => {
  test('an ES256 key is a P-256 pair whose kid is the RFC 7638 thumbprint of the public key', async () => {
    const key = await generateSigningKey();
    assert.equal(key.alg, 'ES256');
    assert.equal(key.publicJwk.kty, 'EC');
    assert.equal(key.publicJwk.crv, 'P-256');
    assert.equal(key.kid, await calculateJwkThumbprint({ kty: 'EC', crv: 'P-256', x: String(key.publicJwk.x), y: String(key.publicJwk.y) }));
    assert.equal(typeof key.privateJwk.d, 'string');
    assert.equal(key.retiredAt, undefined);
  });

  test('an EdDSA key is an Ed25519 pair', async () => {
    const key = await generateSigningKey('EdDSA');
    assert.equal(key.alg, 'EdDSA');
    assert.deepEqual([key.publicJwk.kty, key.publicJwk.crv], ['OKP', 'Ed25519']);
    assert.equal(key.kid, await calculateJwkThumbprint({ kty: 'OKP', crv: 'Ed25519', x: String(key.publicJwk.x) }));
  });

  test('the public JWK holds no private member', async () => {
    for (const alg of ['ES256', 'EdDSA'] as const) {
      const { publicJwk } = await generateSigningKey(alg);
      for (const member of PRIVATE_MEMBERS) assert.equal(member in publicJwk, false, `${alg} publicJwk has "${member}"`);
    }
  });

  test('every key is new', async () => {
    const [a, b] = await Promise.all([generateSigningKey(), generateSigningKey()]);
    assert.notEqual(a.kid, b.kid);
  });
});

describe('ensureSigningKey and rotateSigningKey', () => {
  test('the first start saves a key; later starts keep it', async () => {
    const store = await createMemoryStore();
    const first = await ensureSigningKey(store, 'ES256');
    const again = await ensureSigningKey(store, 'ES256');
    assert.equal(again.kid, first.kid);
    assert.deepEqual((await store.getSigningKeys()).map((k) => k.kid), [first.kid]);
  });

  test('rotation adds an active key and retires the old one without deleting it', async () => {
    const store = await createMemoryStore();
    const old = await ensureSigningKey(store, 'ES256');
    const fresh = await rotateSigningKey(store, 'EdDSA');
    const keys = await store.getSigningKeys();
    assert.deepEqual(keys.map((k) => k.kid), [fresh.kid, old.kid]);
    assert.equal(keys[0]?.retiredAt, undefined);
    assert.ok(keys[1]?.retiredAt instanceof Date);
    assert.equal(keys[0]?.alg, 'EdDSA');
  });
});

describe('ID token keys beside access token keys (one store, one JWKS)', () => {
  test('an RS256 key is a 2048-bit RSA pair whose public JWK holds no private member', async () => {
    const key = await generateSigningKey('RS256');
    assert.equal(key.publicJwk.kty, 'RSA');
    assert.equal(Buffer.from(String(key.publicJwk.n), 'base64url').length * 8, 2048);
    for (const member of PRIVATE_MEMBERS) assert.equal(member in key.publicJwk, false);
  });

  test('an RS256 ID token key never becomes the access token key: ensureSigningKey keeps to ES256/EdDSA', async () => {
    const store = await createMemoryStore();
    const access = await ensureSigningKey(store, 'ES256');
    const rsa = await ensureKeyFor(store, 'RS256');
    assert.equal(rsa.alg, 'RS256');
    assert.equal((await ensureSigningKey(store, 'ES256')).kid, access.kid);
    assert.equal((await ensureKeyFor(store, 'RS256')).kid, rsa.kid);
  });
});

describe('publishedKeys', () => {
  const now = new Date('2030-01-01T12:00:00Z');
  const at = (secondsBeforeNow: number): Date => new Date(now.getTime() - secondsBeforeNow * 1000);
  const key = (kid: string, createdSecondsAgo: number, retiredSecondsAgo?: number): SigningKey => ({
    kid,
    alg: 'ES256',
    privateJwk: {},
    publicJwk: {},
    createdAt: at(createdSecondsAgo),
    ...(retiredSecondsAgo !== undefined && { retiredAt: at(retiredSecondsAgo) }),
  });
  const kids = (keys: SigningKey[]): string[] => keys.map((k) => k.kid);

  test('the active key is always published', () => {
    assert.deepEqual(kids(publishedKeys([key('active', 99_999)], 3600, now)), ['active']);
  });

  test('a key retired less than one token lifetime ago is still published, an older one is not', () => {
    const keys = [key('active', 10), key('recent', 5000, 10), key('edge', 9000, 3600), key('old', 99_999, 3601)];
    assert.deepEqual(kids(publishedKeys(keys, 3600, now)), ['active', 'recent']);
  });

  test('a key without retiredAt counts as retired when the next newer key was created', () => {
    const keys = [key('active', 100), key('before', 5000), key('oldest', 9000)];
    assert.deepEqual(kids(publishedKeys(keys, 3600, now)), ['active', 'before']);
  });

  test('in a key chain, a key the store retired when another chain\'s key was added is published until its own successor plus a lifetime', () => {
    // ES256 `old` was marked retired 9000 s ago (an RS256 ID token key was added then), but signed
    // access tokens until `active` (its successor in the access token chain) came 100 s ago.
    const chain = keyChain([key('rs', 9000), key('active', 100), key('old', 99_999, 9000)].map((k) => (k.kid === 'rs' ? { ...k, alg: 'RS256' } : k)), ['ES256']);
    assert.deepEqual(kids(publishedKeys(chain, 3600, now)), ['active', 'old']);
  });

  test('no keys, nothing published', () => {
    assert.deepEqual(publishedKeys([], 3600, now), []);
  });
});

describe('a withdrawn key (tollgate keys retire)', () => {
  const at = (minutes: number) => new Date(Date.UTC(2026, 0, 1) + minutes * 60_000);
  const key = (kid: string, createdAt: Date, extra: Partial<SigningKey> = {}): SigningKey => ({ kid, alg: 'ES256', privateJwk: {}, publicJwk: {}, createdAt, ...extra });

  test('is never published nor signs, and the older key it replaced does not come back into the JWKS', async () => {
    const { signingKeyAt } = await import('../../src/tokens/jwt.js');
    // A signed until B came (minute 10); B until C came (minute 100); B is withdrawn at minute 101.
    const keys = [key('C', at(100)), key('B', at(10), { retiredAt: at(100), withdrawnAt: at(101) }), key('A', at(0), { retiredAt: at(10) })];
    // With a 60-minute window at minute 102, A's tokens expired at minute 70: A stays out, B is out, only C.
    assert.deepEqual(publishedKeys(keys, 3600, at(102)).map((k) => k.kid), ['C']);
    for (const delay of [0, 3600]) assert.notEqual(signingKeyAt(keys, delay, at(102).getTime())?.kid, 'B', `activation delay ${delay}`);
    assert.equal(signingKeyAt(keys, 0, at(102).getTime())?.kid, 'C');
  });
});
