/** How secrets are compared and kept (SECURITY-CHECKLIST "Clients"). */
import { afterEach, it, mock } from 'node:test';
import assert from 'node:assert/strict';
import crypto from 'node:crypto';
import { syncBuiltinESMExports } from 'node:module';
import { hashSecret, randomBytesFromPool, randomToken, verifySecret } from '../../src/secrets.js';

afterEach(() => {
  mock.restoreAll();
  syncBuiltinESMExports();
});

it('client secrets are compared in constant time, on fixed-length digests (RFC 6749 §10.3)', () => {
  // Watch node:crypto's timingSafeEqual as secrets.ts imports it (builtin ESM exports follow the CJS object once synced).
  const compare = mock.method(crypto, 'timingSafeEqual');
  syncBuiltinESMExports();
  const stored = hashSecret('the-real-client-secret-of-32-chars!');
  for (const guess of ['', 't', 'the-real', 'the-real-client-secret-of-32-chars?', 'x'.repeat(500)]) {
    assert.equal(verifySecret(guess, stored), false);
  }
  assert.equal(verifySecret('the-real-client-secret-of-32-chars!', stored), true);
  // Every guess, whatever its length or how much of it was right, went through timingSafeEqual on equal-length inputs.
  assert.equal(compare.mock.callCount(), 6);
  for (const call of compare.mock.calls) {
    const [a, b] = call.arguments as [Buffer, Buffer];
    assert.equal(a.length, b.length);
    assert.equal(a.length, stored.length);
  }
});

it('client secrets are stored as digests, never in clear', () => {
  const stored = hashSecret('s3cret-s3cret-s3cret');
  assert.notEqual(stored, 's3cret-s3cret-s3cret');
  assert.match(stored, /^[A-Za-z0-9_-]{43}$/);
});

it('random token values never repeat, across refills of the random pool (RFC 6749 §10.10)', () => {
  // 2,000 tokens of 32 bytes span several 8 KiB refills; a byte reused anywhere would show as a repeat.
  const tokens = Array.from({ length: 2000 }, () => randomToken());
  assert.equal(new Set(tokens).size, tokens.length);
  for (const token of tokens) assert.match(token, /^[A-Za-z0-9_-]{43}$/);
  const ids = Array.from({ length: 2000 }, () => randomBytesFromPool(16).toString('hex'));
  assert.equal(new Set(ids).size, ids.length);
});
