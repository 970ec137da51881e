/** The in-memory rate limiter: sliding windows, and memory bounded whatever keys clients send (SECURITY-CHECKLIST). */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { createRateLimiter } from '../../src/app/rate-limit.js';

/** A clock the test moves by hand. */
function clock(start = 1_000_000) {
  let t = start;
  return { now: () => t, advance: (ms: number) => void (t += ms) };
}

describe('rate limiter', () => {
  test('allows max requests per window, then refuses with the seconds to wait', () => {
    const c = clock();
    const limiter = createRateLimiter({ max: 3, windowSeconds: 60 }, { now: c.now });
    assert.deepEqual([1, 2, 3].map(() => limiter.hit('k').allowed), [true, true, true]);
    const refused = limiter.hit('k');
    assert.equal(refused.allowed, false);
    assert.ok(!refused.allowed && refused.retryAfter >= 1 && refused.retryAfter <= 60);
    assert.equal(limiter.hit('other').allowed, true);
  });

  test('check does not count: any number of checks leave the next hit allowed', () => {
    const c = clock();
    const limiter = createRateLimiter({ max: 1, windowSeconds: 60 }, { now: c.now });
    for (let i = 0; i < 100; i++) assert.equal(limiter.check('k').allowed, true);
    assert.equal(limiter.hit('k').allowed, true);
    assert.equal(limiter.check('k').allowed, false);
  });

  test('the previous window slides out', () => {
    const c = clock(0);
    const limiter = createRateLimiter({ max: 2, windowSeconds: 10 }, { now: c.now });
    limiter.hit('k');
    limiter.hit('k');
    assert.equal(limiter.check('k').allowed, false);
    c.advance(10_000); // the next window begins: the previous one still weighs fully
    assert.equal(limiter.check('k').allowed, false);
    c.advance(6_000); // 40% overlap: 0.8 of the previous count remains
    assert.equal(limiter.check('k').allowed, true);
    c.advance(20_000);
    assert.equal(limiter.hit('k').allowed, true);
  });

  test('limiter memory is bounded: 100k distinct long keys never hold more than maxKeys', () => {
    const c = clock();
    const limiter = createRateLimiter({ max: 10, windowSeconds: 60 }, { now: c.now, maxKeys: 1000 });
    const tail = 'x'.repeat(2000);
    let largest = 0;
    for (let i = 0; i < 100_000; i++) {
      limiter.hit(`${i}${tail}`);
      largest = Math.max(largest, limiter.size);
    }
    assert.equal(largest, 1000);
  });

  test('a full limiter refuses new keys and never evicts a counted one, so flooding cannot reset a count', () => {
    const c = clock();
    const limiter = createRateLimiter({ max: 2, windowSeconds: 60 }, { now: c.now, maxKeys: 100 });
    limiter.hit('victim');
    limiter.hit('victim');
    for (let i = 0; i < 1000; i++) limiter.hit(`flood-${i}`);
    assert.equal(limiter.size, 100);
    assert.equal(limiter.hit('victim').allowed, false, 'the throttled key keeps its count');
    assert.equal(limiter.hit('brand-new').allowed, false, 'a new key is refused while the map is full of live keys');
    // Two windows later the idle keys are swept and new keys are welcome again.
    c.advance(120_000);
    assert.equal(limiter.hit('brand-new').allowed, true);
    assert.ok(limiter.size <= 1);
  });

  test('limiter keys are capped in length before use: keys alike in their first 1024 characters share a count', () => {
    const c = clock();
    const limiter = createRateLimiter({ max: 1, windowSeconds: 60 }, { now: c.now });
    const prefix = 'u'.repeat(1024);
    assert.equal(limiter.hit(`${prefix}a`).allowed, true);
    assert.equal(limiter.hit(`${prefix}${'b'.repeat(65_536)}`).allowed, false);
    assert.equal(limiter.size, 1);
  });
});
