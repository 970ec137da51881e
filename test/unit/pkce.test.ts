import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { checkCodeChallenge, s256, verifyCodeVerifier } from '../../src/pkce.js';

// RFC 7636 Appendix B.
const VERIFIER = 'dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk';
const CHALLENGE = 'E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM';

describe('PKCE (RFC 7636)', () => {
  it('computes S256 as in Appendix B (RFC 7636 §4.2)', () => {
    assert.equal(s256(VERIFIER), CHALLENGE);
  });

  it('accepts S256, refuses plain unless allowed, and plain is the default method (RFC 7636 §4.3)', () => {
    assert.equal(checkCodeChallenge(CHALLENGE, 'S256', false), 'S256');
    assert.throws(() => checkCodeChallenge(CHALLENGE, 'plain', false), { error: 'invalid_request' });
    assert.throws(() => checkCodeChallenge(CHALLENGE, undefined, false), { error: 'invalid_request' });
    assert.equal(checkCodeChallenge(CHALLENGE, undefined, true), 'plain');
    assert.throws(() => checkCodeChallenge(CHALLENGE, 'S512', true), { error: 'invalid_request' });
  });

  it('refuses a malformed challenge, or a method without a challenge (RFC 7636 §4.2)', () => {
    for (const bad of ['short', 'x'.repeat(129), `${CHALLENGE.slice(1)}=`, `${CHALLENGE.slice(1)} `]) {
      assert.throws(() => checkCodeChallenge(bad, 'S256', false), { error: 'invalid_request' }, bad);
    }
    assert.throws(() => checkCodeChallenge(undefined, 'S256', false), { error: 'invalid_request' });
    assert.equal(checkCodeChallenge(undefined, undefined, false), undefined);
  });

  it('verifies S256 and plain verifiers (RFC 7636 §4.6)', () => {
    verifyCodeVerifier(VERIFIER, CHALLENGE, 'S256', false);
    verifyCodeVerifier(VERIFIER, VERIFIER, 'plain', true);
    assert.throws(() => verifyCodeVerifier(VERIFIER, VERIFIER, 'plain', false), { error: 'invalid_grant' });
    assert.throws(() => verifyCodeVerifier(VERIFIER, VERIFIER, 'S256', false), { error: 'invalid_grant' });
    assert.throws(() => verifyCodeVerifier(`${VERIFIER.slice(1)}x`, CHALLENGE, 'S256', false), { error: 'invalid_grant' });
  });

  it('refuses a missing or malformed verifier, and a verifier for a code without challenge (RFC 9700 §2.1.1)', () => {
    assert.throws(() => verifyCodeVerifier(undefined, CHALLENGE, 'S256', false), { error: 'invalid_grant' });
    assert.throws(() => verifyCodeVerifier('a'.repeat(42), s256('a'.repeat(42)), 'S256', false), { error: 'invalid_grant' });
    assert.throws(() => verifyCodeVerifier(VERIFIER, undefined, undefined, false), { error: 'invalid_grant' });
    verifyCodeVerifier(undefined, undefined, undefined, false);
  });
});
