/** DPoP at a protected resource. RFC 9449 §7.1 (the DPoP scheme and its proof), §7.2 (no downgrade to Bearer). */
import type { AccessToken, OAuthRequest } from '../types.js';
import type { DpopProof, DpopSettings, ReplayCache } from './proof.js';
import { InvalidDpopProofError, InvalidRequestError, InvalidTokenError } from '../errors.js';
import { checkDpopProof } from './proof.js';
import { boundJkt } from './binding.js';

/**
 * The URL the client addressed, as `htu` names it: the request's own when absolute; else its path
 * on the issuer's origin (the core's endpoints and `/secure` are served there). A resource elsewhere,
 * or behind a proxy that rewrites paths, passes its URL in `AuthenticateOptions.url`.
 */
function addressedUrl(requestUrl: string, issuer: string): string {
  if (URL.canParse(requestUrl)) return requestUrl;
  if (!requestUrl.startsWith('/') || requestUrl.startsWith('//') || !URL.canParse(requestUrl, issuer)) {
    throw new InvalidRequestError('The request target is malformed');
  }
  return new URL(requestUrl, issuer).href;
}

/** The checked proof of a request that sent its token with the DPoP scheme (RFC 9449 §7.1, §4.3 with `ath`). */
export async function resourceRequestProof(
  request: OAuthRequest,
  accessToken: string,
  url: string | undefined,
  issuer: string,
  settings: DpopSettings | undefined,
  useOnce: ReplayCache | undefined,
): Promise<DpopProof> {
  if (settings === undefined || useOnce === undefined) throw new InvalidDpopProofError('This server does not accept DPoP proofs', { status: 401 });
  const target = { method: request.method, url: url ?? addressedUrl(request.url, issuer), accessToken, status: 401 as const };
  const proof = await checkDpopProof(request, target, settings, useOnce);
  // §7.1: with the DPoP scheme the resource MUST check that a proof was also received.
  if (proof === undefined) throw new InvalidDpopProofError('The DPoP scheme needs a DPoP proof header', { status: 401 });
  return proof;
}

/**
 * RFC 9449 §7.1-7.2: a bound token never as a Bearer token, the DPoP scheme only for a bound token.
 * Checked from the token alone, so a resource can refuse before it records the proof's jti.
 */
export function checkScheme(bound: string | undefined, usedDpop: boolean): void {
  if (!usedDpop && bound !== undefined) throw new InvalidTokenError('The access token is DPoP-bound: send it with the DPoP scheme and a proof (RFC 9449 §7.2)');
  if (usedDpop && bound === undefined) throw new InvalidTokenError('The access token is not DPoP-bound: send it with the Bearer scheme');
}

/** RFC 9449 §6, §7.1-7.2: the scheme fits the token, and a bound token comes with a proof by its key. */
export function checkTokenBinding(token: AccessToken, proof: DpopProof | undefined): void {
  const bound = boundJkt(token.extra);
  checkScheme(bound, proof !== undefined);
  if (proof !== undefined && bound !== proof.jkt) throw new InvalidTokenError('The access token is bound to another DPoP key');
}
