/** The one password guard (SECURITY-CHECKLIST: every password check through one limiter; RFC 6749 §10.10; OWASP lockout guidance). */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { createPasswordGuard } from '../../src/app/password-guard.js';
import type { PasswordGuardRules } from '../../src/app/password-guard.js';

const RULES: PasswordGuardRules = {
  perIp: { max: 100, windowSeconds: 60 },
  perUsernameAndIp: { max: 5, windowSeconds: 300 },
  perUsername: { max: 20, windowSeconds: 3600 },
};

function fixedClock() {
  let t = 10_000_000;
  return { now: () => t, advance: (ms: number) => void (t += ms) };
}

/** One attempt: checked, then (when allowed) recorded with its outcome. Returns whether it was allowed. */
function attempt(guard: ReturnType<typeof createPasswordGuard>, username: string, ip: string, correct: boolean): boolean {
  const verdict = guard.check({ username, ip });
  if (verdict.allowed) guard.record({ username, ip, outcome: correct ? 'success' : 'failure' });
  return verdict.allowed;
}

describe('password guard', () => {
  test('wrong passwords for one account from one IP are refused after the per-pair limit, with a Retry-After', () => {
    const guard = createPasswordGuard(RULES, fixedClock());
    const allowed = Array.from({ length: 10 }, () => attempt(guard, 'admin', '203.0.113.9', false));
    assert.deepEqual(allowed, [true, true, true, true, true, false, false, false, false, false]);
    const verdict = guard.check({ username: 'admin', ip: '203.0.113.9' });
    assert.ok(!verdict.allowed && verdict.retryAfter >= 1);
  });

  test('a remote attacker cannot lock the real user out: their failures leave the user\'s own IP untouched', () => {
    const guard = createPasswordGuard(RULES, fixedClock());
    for (let i = 0; i < 50; i++) attempt(guard, 'admin', '203.0.113.9', false);
    assert.equal(attempt(guard, 'admin', '198.51.100.7', true), true);
  });

  test('the per-username ceiling: past it, an IP with a recent failure is refused, but a correct password from an IP with no recent failures goes through', () => {
    const guard = createPasswordGuard(RULES, fixedClock());
    // A spread attack: 4 failures from each of 5 addresses reaches the ceiling of 20.
    for (let n = 0; n < 5; n++) for (let i = 0; i < 4; i++) assert.equal(attempt(guard, 'admin', `203.0.113.${n}`, false), true);
    assert.equal(guard.check({ username: 'admin', ip: '203.0.113.0' }).allowed, false, 'an address with failures is refused');
    // A fresh address gets one try: wrong, and it is refused after.
    assert.equal(attempt(guard, 'admin', '192.0.2.1', false), true);
    assert.equal(guard.check({ username: 'admin', ip: '192.0.2.1' }).allowed, false);
    // The real user, from an address with no failures, signs in; and again later.
    assert.equal(attempt(guard, 'admin', '198.51.100.7', true), true);
    assert.equal(attempt(guard, 'admin', '198.51.100.7', true), true);
  });

  test('attempts count before their outcome is known: parallel guesses cannot all pass the per-pair limit', () => {
    const guard = createPasswordGuard(RULES, fixedClock());
    const verdicts = Array.from({ length: 20 }, () => guard.check({ username: 'admin', ip: '203.0.113.9' }).allowed);
    assert.equal(verdicts.filter(Boolean).length, 5);
  });

  test('a correct password, or one never checked, does not count against the pair', () => {
    const guard = createPasswordGuard(RULES, fixedClock());
    for (let i = 0; i < 20; i++) assert.equal(attempt(guard, 'admin', '198.51.100.7', true), true);
    for (let i = 0; i < 20; i++) {
      assert.equal(guard.check({ username: 'admin', ip: '198.51.100.7' }).allowed, true);
      guard.record({ username: 'admin', ip: '198.51.100.7', outcome: 'unchecked' });
    }
  });

  test('per IP first: once the per-IP limit refuses, usernames are neither counted nor held', () => {
    const guard = createPasswordGuard({ ...RULES, perIp: { max: 10, windowSeconds: 60 } }, fixedClock());
    const long = 'u'.repeat(65_536);
    let allowed = 0;
    for (let i = 0; i < 10_000; i++) if (attempt(guard, `${i}${long}`, '203.0.113.9', false)) allowed++;
    assert.equal(allowed, 10);
    // One IP key, and one pair key and one username key per allowed attempt: nothing for the 9,990 refused.
    assert.equal(guard.size, 1 + 10 + 10);
  });

  test('usernames are capped at 256 characters before use: names alike in their first 256 share a count', () => {
    const guard = createPasswordGuard(RULES, fixedClock());
    const prefix = 'a'.repeat(256);
    for (let i = 0; i < 5; i++) attempt(guard, `${prefix}${i}`, '203.0.113.9', false);
    assert.equal(guard.check({ username: `${prefix}zzz`, ip: '203.0.113.9' }).allowed, false);
  });
});
