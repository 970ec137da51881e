/** scrypt cannot be queued without bound by unauthenticated callers (SECURITY-CHECKLIST "Added after the first outside attack"). */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { hashPassword, setPasswordHashingLimits, verifyPassword } from '../../src/secrets.js';
import type { PasswordHashingLimits } from '../../src/secrets.js';
import { TemporarilyUnavailableError } from '../../src/errors.js';

describe('password hashing concurrency cap', () => {
  let stored: string;
  let defaults: PasswordHashingLimits;
  before(async () => {
    stored = await hashPassword('tiger');
    defaults = setPasswordHashingLimits({ concurrent: 1, queued: 1 });
  });
  after(() => setPasswordHashingLimits(defaults));

  test('password checks past the cap and its queue are refused at once with 503 temporarily_unavailable and Retry-After', async () => {
    const results = await Promise.allSettled([
      verifyPassword('tiger', stored),
      verifyPassword('wrong', stored),
      verifyPassword('tiger', stored),
      verifyPassword('tiger', stored),
    ]);
    assert.deepEqual(results.slice(0, 2), [{ status: 'fulfilled', value: true }, { status: 'fulfilled', value: false }]);
    for (const result of results.slice(2)) {
      assert.equal(result.status, 'rejected');
      const error = (result as PromiseRejectedResult).reason as unknown;
      assert.ok(error instanceof TemporarilyUnavailableError);
      assert.equal(error.status, 503);
      assert.equal(error.headers['Retry-After'], '1');
    }
  });

  test('slots are released: once the burst is over, checks run again', async () => {
    assert.equal(await verifyPassword('tiger', stored), true);
    assert.deepEqual(await Promise.all([verifyPassword('tiger', stored), verifyPassword('tiger', stored)]), [true, true]);
  });

  test('hashing a password being registered waits for a slot instead of failing', async () => {
    const hashes = await Promise.all(Array.from({ length: 5 }, (_, i) => hashPassword(`pw-${i}`)));
    assert.equal(new Set(hashes).size, 5);
    assert.equal(await verifyPassword('pw-3', hashes[3] ?? ''), true);
  });
});

test('verifyPassword never matches a password holding U+0000, though scrypt alone would (RFC 2104 §2 pads HMAC keys with zeros)', async () => {
  const stored = await hashPassword('tiger');
  assert.equal(await verifyPassword('tiger', stored), true);
  assert.equal(await verifyPassword('tiger\u0000', stored), false);
  assert.equal(await verifyPassword('tiger\u0000\u0000', stored), false);
});
