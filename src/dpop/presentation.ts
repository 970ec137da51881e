/**
 * DPoP at a resource server outside the core: `tollgate/jwt`'s verifier and `tollgate/resource`
 * (RFC 9449 §7). One check of how a request presents its access token, the Bearer or the DPoP scheme,
 * built on the core's proof check (§4.3) and binding rules (§7.1-7.2).
 */
import type { OAuthRequest } from '../types.js';
import type { DpopSettings, ReplayCache } from './proof.js';
import type { DpopOptions } from './settings.js';
import { ConfigError, InvalidDpopProofError, InvalidRequestError } from '../errors.js';
import { getHeader } from '../request.js';
import { checkDpopProof } from './proof.js';
import { resolveDpop } from './settings.js';
import { boundJkt } from './binding.js';
import { checkScheme } from './resource-request.js';
import { createMemoryReplayCache } from './replay-cache.js';
import { freshNonceHeaders } from './nonce.js';

// RFC 6750 §2.1: b64token = 1*( ALPHA / DIGIT / "-" / "." / "_" / "~" / "+" / "/" ) *"="
export const BEARER_CREDENTIAL = /^Bearer +([A-Za-z0-9\-._~+/]+=*) *$/i;
// RFC 9449 §7.1: the DPoP scheme takes the same token68 syntax.
export const DPOP_CREDENTIAL = /^DPoP +([A-Za-z0-9\-._~+/]+=*) *$/i;

/** DPoP at a resource server (RFC 9449 §7): the core's `dpop` options and where proof `jti`s are kept. */
export interface ResourceDpopOptions extends DpopOptions {
  /**
   * The single-use cache of proof `jti`s (RFC 9449 §11.1): resolves to true the first time a value
   * is given, false after. Any tollgate store's `useOnce` fits (`store.useOnce.bind(store)`), and is
   * shared by every process on that store. Default: a bounded in-memory cache, right for one process
   * only (a proof replayed to another process would pass there).
   */
  replayCache?: ReplayCache;
}

/** A resource's resolved DPoP settings and replay cache. */
export interface ResourceDpop {
  settings: DpopSettings;
  useOnce: ReplayCache;
}

/** The resource's DPoP, on unless `false`; invalid options are a `ConfigError` naming the field. */
export function resolveResourceDpop(options: ResourceDpopOptions | false | undefined): ResourceDpop | undefined {
  if (options === false) return undefined;
  const settings = resolveDpop(options ?? {}, true) as DpopSettings;
  return { settings, useOnce: options?.replayCache ?? createMemoryReplayCache() };
}

/** How a request presented its access token (RFC 6750 §2.1, RFC 9449 §7.1). */
export interface PresentedToken {
  scheme: 'Bearer' | 'DPoP';
  token: string;
}

/**
 * The `Authorization` header's access token, or undefined without one (or with the DPoP scheme when
 * DPoP is off: a scheme the resource does not take). A malformed credential is `invalid_request`.
 */
export function presentedToken(request: OAuthRequest, dpop: boolean): PresentedToken | undefined {
  const header = getHeader(request.headers, 'authorization');
  const scheme = header === undefined ? undefined : /^(bearer|dpop)(\s|$)/i.exec(header)?.[1]?.toLowerCase();
  if (header === undefined || scheme === undefined || (scheme === 'dpop' && !dpop)) return undefined;
  const name = scheme === 'dpop' ? 'DPoP' : 'Bearer';
  const token = (name === 'DPoP' ? DPOP_CREDENTIAL : BEARER_CREDENTIAL).exec(header)?.[1];
  if (token === undefined) throw new InvalidRequestError(`The Authorization header is not a valid ${name} credential`);
  return { scheme: name, token };
}

/** A token's claims, checked with the way it was presented. */
export interface CheckedToken<C> {
  /** The token's claims, as the resource's `verify` returned them. */
  claims: C;
  /** How it was presented: `DPoP` only with a valid proof by the key of its `cnf.jkt`. */
  scheme: 'Bearer' | 'DPoP';
  /** Headers for the answer: a fresh `DPoP-Nonce` when nonces are on (RFC 9449 §8.2). */
  headers: Record<string, string>;
}

/** What a resource checks a presented token with. */
export interface PresentationCheck<C> {
  /** The token's claims (RFC 9068 §2.2 or RFC 7662 §2.2 names: `cnf.jkt` is its binding); throws for a bad token. */
  verify(token: string): Promise<C>;
  dpop: ResourceDpop | undefined;
  /** The absolute URL the client addressed (the proof's `htu`); else the request's, when absolute. */
  url: string | undefined;
}

/** The URL a proof's `htu` must name: the one given, else the request's own when absolute. */
function targetUrl(request: OAuthRequest, url: string | undefined): string {
  if (url !== undefined) return url;
  if (URL.canParse(request.url)) return request.url;
  // Not the Host header: a client chooses it, and a proof made for another server would then pass here.
  throw new ConfigError('ERR_TOLLGATE_INVALID_OPTION', 'url', "is required to check DPoP proofs when the request's URL is a path: the absolute URL the client addressed (RFC 9449 §4.3)");
}

/**
 * The claims of the token a request presents, checked with its scheme (RFC 9449 §7): Bearer only for
 * an unbound token (§7.2); DPoP only for a bound one, with a proof for this request, this token (`ath`)
 * and by the token's key (§7.1, §4.3). The token and its binding are checked before the proof, so the
 * proof's `jti` is recorded only for the holder of a bound token and its key. Undefined when the
 * request carries no token (answer with a challenge without an error, RFC 6750 §3.1).
 */
export async function checkPresentedToken<C extends object>(request: OAuthRequest, check: PresentationCheck<C>): Promise<CheckedToken<C> | undefined> {
  const presented = presentedToken(request, check.dpop !== undefined);
  if (presented === undefined) return undefined;
  const claims = await check.verify(presented.token);
  const bound = boundJkt(claims as Record<string, unknown>);
  checkScheme(bound, presented.scheme === 'DPoP');
  if (presented.scheme === 'Bearer' || check.dpop === undefined) return { claims, scheme: presented.scheme, headers: {} };
  const { settings, useOnce } = check.dpop;
  const target = { method: request.method, url: targetUrl(request, check.url), accessToken: presented.token, boundJkt: bound, status: 401 as const };
  // §7.1: with the DPoP scheme the resource MUST check that a proof was also received.
  if ((await checkDpopProof(request, target, settings, useOnce)) === undefined) {
    throw new InvalidDpopProofError('The DPoP scheme needs a DPoP proof header', { status: 401 });
  }
  return { claims, scheme: 'DPoP', headers: freshNonceHeaders(settings.nonces) ?? {} };
}
