/**
 * The limit of JWT access tokens (RFC 9068): plain-store's work, each access token an ES256 JWT signed
 * as tollgate signs its own (src/tokens/compact-signer.ts: the key imported once, the header encoded once,
 * node:crypto's `sign` in libuv's pool), kept in a Map under its SHA-256 as tollgate's memory store keeps
 * it. In the pool rather than on the event loop because that is the faster limit here: four alternating
 * 4 s runs (2026-12-05) issued 14,400 tokens a second against 13,100 signing on the event loop, which
 * spends less CPU per token (78 against 97 µs) but leaves the second core to wrk.
 *   node plain-jwt.mjs
 */
import { generateKeyPairSync, randomUUID, sign } from 'node:crypto';
import { servePlainStore } from './plain-store.mjs';

const TTL = 3600;
const ISSUER = 'http://127.0.0.1';
const key = { key: generateKeyPairSync('ec', { namedCurve: 'P-256' }).privateKey, dsaEncoding: 'ieee-p1363' };
const base64url = (json) => Buffer.from(JSON.stringify(json)).toString('base64url');
const HEADER = base64url({ alg: 'ES256', typ: 'at+jwt', kid: 'plain' });

/** The claims tollgate's JWTs carry (src/tokens/jwt.ts), signed (RFC 7515 §7.1, RFC 7518 §3.4). */
function mintAccessToken(claims) {
  const now = Math.floor(Date.now() / 1000);
  const input = `${HEADER}.${base64url({ ...claims, iss: ISSUER, aud: ISSUER, iat: now, exp: now + TTL, jti: randomUUID() })}`;
  return new Promise((resolve, reject) => {
    sign('sha256', Buffer.from(input), key, (error, signature) => (error ? reject(error) : resolve(`${input}.${signature.toString('base64url')}`)));
  });
}

const tokens = new Map();
servePlainStore({
  name: 'plain node:http, ES256 JWTs',
  mintAccessToken,
  async save(hash, record, expiresAt) {
    tokens.set(hash, { record, expiresAt });
  },
  async find(hash) {
    return tokens.get(hash);
  },
  async close() {},
});
