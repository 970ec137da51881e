/** Proof Key for Code Exchange. RFC 7636 §4.1-4.6. */
import { timingSafeEqual } from 'node:crypto';
import { hashToken } from './secrets.js';
import type { CodeChallengeMethod } from './types.js';
import { InvalidGrantError, InvalidRequestError } from './errors.js';

// RFC 7636 §4.1 and §4.2: 43 to 128 unreserved characters.
const VERIFIER = /^[A-Za-z0-9\-._~]{43,128}$/;

/** Validates the authorization request's PKCE parameters (§4.3, §4.4.1); returns the method to store. */
export function checkCodeChallenge(
  challenge: string | undefined,
  method: string | undefined,
  allowPlain: boolean,
): CodeChallengeMethod | undefined {
  if (challenge === undefined) {
    if (method !== undefined) throw new InvalidRequestError('code_challenge_method requires code_challenge');
    return undefined;
  }
  // §4.3: defaults to "plain" when absent, which is only accepted when plain is enabled.
  const resolved = method ?? 'plain';
  if (resolved !== 'S256' && !(resolved === 'plain' && allowPlain)) {
    throw new InvalidRequestError('Transform algorithm not supported: use code_challenge_method=S256');
  }
  if (!VERIFIER.test(challenge)) throw new InvalidRequestError('code_challenge must be 43-128 unreserved characters');
  return resolved;
}

/** The S256 challenge for a verifier: BASE64URL(SHA256(ASCII(verifier))) (§4.2). */
export function s256(verifier: string): string {
  // The verifier is ASCII by its grammar (§4.1), so hashing its UTF-8 bytes is hashing ASCII(verifier).
  return hashToken(verifier);
}

/** Verifies the token request's `code_verifier` against the stored challenge (§4.6). */
export function verifyCodeVerifier(
  verifier: string | undefined,
  challenge: string | undefined,
  method: CodeChallengeMethod | undefined,
  allowPlain: boolean,
): void {
  if (challenge === undefined) {
    // RFC 9700 §2.1.1: a verifier for a code issued without a challenge is a downgrade attempt.
    if (verifier !== undefined) throw new InvalidGrantError('code_verifier sent for a code issued without code_challenge');
    return;
  }
  if (verifier === undefined) throw new InvalidGrantError('code_verifier is required for this code');
  // §4.2, RFC 9700 §2.1.1: `plain` only while enabled, also for a code stored with it earlier or by a model.
  if (method === 'plain' && !allowPlain) throw new InvalidGrantError('The code was issued with code_challenge_method=plain, which is not enabled');
  if (!VERIFIER.test(verifier)) throw new InvalidGrantError('code_verifier must be 43-128 unreserved characters');
  const computed = Buffer.from(method === 'plain' ? verifier : s256(verifier));
  const expected = Buffer.from(challenge);
  if (computed.length !== expected.length || !timingSafeEqual(computed, expected)) {
    throw new InvalidGrantError('code_verifier does not match the code_challenge');
  }
}
