/** DPoP at the token endpoint. RFC 9449 §5 (the proof binds the tokens), §5.2 (`dpop_bound_access_tokens`). */
import type { BaseModel } from '../model.js';
import type { Client, OAuthRequest } from '../types.js';
import type { ResolvedOptions } from '../options.js';
import type { DpopProof } from './proof.js';
import { InvalidRequestError } from '../errors.js';
import { checkDpopProof, dpopHeader } from './proof.js';

/**
 * The token request's checked DPoP proof, or undefined when it sent none (or DPoP is off: the
 * header is then ignored and tokens are Bearer, as §5 lets a server that does not support it).
 */
export async function tokenRequestProof(
  request: OAuthRequest,
  client: Client,
  options: ResolvedOptions,
  model: BaseModel,
): Promise<DpopProof | undefined> {
  const { dpop } = options;
  const { useOnce } = model;
  // Most token requests carry no proof: for them nothing is built or awaited here (a hot path).
  // §4.3 item 9: htu is the token endpoint as the metadata names it.
  const proof =
    dpop && useOnce && dpopHeader(request, 400) !== undefined
      ? await checkDpopProof(request, { method: request.method, url: `${options.issuer}${options.endpoints.token}`, status: 400 }, dpop, useOnce.bind(model))
      : undefined;
  // §5.2: such a client's token requests without a DPoP header MUST be rejected; FAPI 2.0 Security
  // Profile §5.3.2.1: under the profile every access token is sender-constrained, so every client is such a client.
  if (proof === undefined && (client.dpop_bound_access_tokens === true || options.profile === 'fapi2')) {
    const why = options.profile === 'fapi2' ? 'profile fapi2: sender-constrained tokens only' : 'dpop_bound_access_tokens, RFC 9449 §5.2';
    throw new InvalidRequestError(`This client must send a DPoP proof with every token request (${why})`);
  }
  return proof;
}
