/**
 * Checking DPoP proofs. RFC 9449 §4.2-4.3 (the proof and its checks), §11.1 (replay: a time window
 * and single-use `jti`), §8-9 (server nonces). jose verifies the signature with the embedded key.
 */
import { createHash } from 'node:crypto';
import { decodeProtectedHeader, errors, jwtVerify } from 'jose';
import type { JWTPayload } from 'jose';
import type { OAuthRequest } from '../types.js';
import type { Awaitable } from '../model.js';
import type { DpopNonces } from './nonce.js';
import type { OAuthError } from '../errors.js';
import { InvalidDpopProofError, InvalidTokenError, UseDpopNonceError } from '../errors.js';
import { getHeader } from '../request.js';
import { createProofKeyCache, jwkThumbprint } from './proof-keys.js';

/** The DPoP settings a server resolved from its options. */
export interface DpopSettings {
  /** The JWS algorithms accepted for proofs (RFC 9449 §5.1 `dpop_signing_alg_values_supported`). */
  algorithms: readonly string[];
  /** Seconds a proof's `iat` may lie before or after the server's clock (RFC 9449 §11.1). */
  window: number;
  /** Server-provided nonces (RFC 9449 §8), when required. */
  nonces: DpopNonces | undefined;
}

/** What one request's proof is checked against (RFC 9449 §4.3 items 8, 9, 12). */
export interface DpopRequestTarget {
  /** The HTTP method of the request (`htm`). */
  method: string;
  /** The absolute URL the client addressed (`htu`); query and fragment are ignored. */
  url: string;
  /** At a protected resource: the access token the proof must be bound to by `ath` (§4.3 item 12). */
  accessToken?: string | undefined;
  /**
   * At a resource that checked the token first: the key it is bound to (`cnf.jkt`, RFC 9449 §6.1). A
   * proof by another key is refused before its `jti` is recorded, so it cannot fill the replay cache.
   */
  boundJkt?: string | undefined;
  /** 400 at the token endpoint (RFC 6749 §5.2), 401 at a protected resource (RFC 9449 §7.1). */
  status: 400 | 401;
}

/** A valid proof: the JWK SHA-256 thumbprint of its key (RFC 7638), what tokens are bound to (`cnf.jkt`, §6.1). */
export interface DpopProof {
  /** The base64url JWK SHA-256 thumbprint of the proof's public key (RFC 7638 §3, RFC 9449 §6.1). */
  jkt: string;
}

/** The single-use store of proof `jti`s (the model's `useOnce`, atomic on every shipped store). */
export type ReplayCache = (value: string, expiresAt: Date) => Awaitable<boolean>;

/** Algorithms a proof may use when the options name none: asymmetric only (§4.3 item 5). */
export const DEFAULT_DPOP_ALGORITHMS = ['ES256', 'EdDSA', 'RS256', 'PS256'] as const;
/** Every asymmetric JWS algorithm jose verifies; `none` and HS* are never among them (RFC 9449 §4.3 item 5). */
export const DPOP_ALGORITHMS = ['RS256', 'RS384', 'RS512', 'PS256', 'PS384', 'PS512', 'ES256', 'ES384', 'ES512', 'EdDSA', 'Ed25519'] as const;

// RFC 7515 §7.1: three base64url parts; a proof larger than this is no proof anyone sends.
const COMPACT_JWS = /^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+$/;
const MAX_PROOF_LENGTH = 8192;
// RFC 9449 §11.1: reject unnecessarily large jti values (the store keeps only a hash, but bound it anyway).
const MAX_JTI_LENGTH = 256;
// RFC 7517 §4, RFC 7518 §6: members only a private or symmetric key has.
const PRIVATE_MEMBERS = ['d', 'p', 'q', 'dp', 'dq', 'qi', 'oth', 'k'];
const REQUIRED_CLAIMS = ['jti', 'htm', 'htu', 'iat'];
// One process-wide cache of imported proof keys: importing the embedded JWK cost more than the signature check.
const proofKeys = createProofKeyCache();

/** RFC 9449 §4.2: `ath` is base64url(SHA-256(ASCII(access token))). */
export function accessTokenHash(accessToken: string): string {
  return createHash('sha256').update(accessToken, 'ascii').digest('base64url');
}

/**
 * The URL as `htu` compares it: RFC 3986 §6.2.2-6.2.3 normalisation (WHATWG URL parsing lowercases
 * the scheme and host, drops a default port, resolves dot segments), without query and fragment.
 */
export function normalizeHtu(value: string): string | undefined {
  if (!URL.canParse(value)) return undefined;
  const url = new URL(value);
  url.search = '';
  url.hash = '';
  return url.href;
}

/** The `DPoP` header's value, or undefined without one; more than one is refused (§4.3 item 1). */
export function dpopHeader(request: OAuthRequest, status: 400 | 401): string | undefined {
  const raw = getHeader(request.headers, 'dpop');
  if (raw === undefined) return undefined;
  // Repeated headers reach the core joined with ", " (a JWS has neither character).
  if (/[,\s]/.test(raw.trim())) throw new InvalidDpopProofError('Send exactly one DPoP header (RFC 9449 §4.3)', { status });
  return raw.trim();
}

/** jose's refusal as `invalid_dpop_proof`, with a short description; jose's own message stays in `cause`. */
function asProofError(cause: unknown, status: 400 | 401): OAuthError {
  const code = cause instanceof errors.JOSEError ? cause.code : undefined;
  const invalid = (description: string): OAuthError => new InvalidDpopProofError(description, { status, cause });
  switch (code) {
    case 'ERR_JOSE_ALG_NOT_ALLOWED':
    case 'ERR_JOSE_NOT_SUPPORTED':
      return invalid('The DPoP proof is not signed with an accepted algorithm');
    case 'ERR_JWS_SIGNATURE_VERIFICATION_FAILED':
      return invalid('The DPoP proof signature is not valid');
    case 'ERR_JWT_CLAIM_VALIDATION_FAILED': {
      const claim = (cause as errors.JWTClaimValidationFailed).claim;
      return invalid(claim === 'typ' ? 'The DPoP proof must have typ dpop+jwt' : `The DPoP proof's ${claim} claim is missing or not valid`);
    }
    case 'ERR_JWT_EXPIRED':
      return invalid('The DPoP proof has expired');
    default:
      return invalid('The DPoP proof is malformed or its jwk is not a usable public key');
  }
}

/**
 * Checks the request's DPoP proof (RFC 9449 §4.3, every item) and marks its `jti` used. Returns
 * undefined when the request has no `DPoP` header; throws `invalid_dpop_proof` or `use_dpop_nonce`
 * for a proof that fails.
 * @see https://www.rfc-editor.org/rfc/rfc9449#section-4.3
 */
export async function checkDpopProof(
  request: OAuthRequest,
  target: DpopRequestTarget,
  settings: DpopSettings,
  useOnce: ReplayCache,
  now = Date.now(),
): Promise<DpopProof | undefined> {
  const { status } = target;
  const proof = dpopHeader(request, status);
  if (proof === undefined) return undefined;
  const invalid = (description: string): OAuthError => new InvalidDpopProofError(description, { status });
  // §4.3 item 2: a single well-formed JWT.
  if (proof.length > MAX_PROOF_LENGTH || !COMPACT_JWS.test(proof)) throw invalid('The DPoP header is not a JWT');

  // §4.3 item 7: the key must be public; a private key in the header is refused, not imported.
  let jwk: unknown;
  try {
    jwk = decodeProtectedHeader(proof).jwk;
  } catch (cause) {
    throw asProofError(cause, status);
  }
  if (typeof jwk !== 'object' || jwk === null || Array.isArray(jwk)) throw invalid('The DPoP proof has no jwk header');
  if (PRIVATE_MEMBERS.some((member) => member in jwk)) throw invalid('The DPoP proof jwk must be a public key');
  // RFC 7638: what a token is bound to (cnf.jkt, §6.1), and the key's name in the cache of imported keys.
  const jkt = jwkThumbprint(jwk as Record<string, unknown>);
  if (jkt === undefined) throw invalid('The DPoP proof jwk is not a usable public key');

  let payload: JWTPayload;
  try {
    // §4.3 items 3-6: required claims, typ, an accepted asymmetric alg, the signature by the embedded key.
    ({ payload } = await jwtVerify(proof, proofKeys(jkt, jwk as Record<string, unknown>), {
      typ: 'dpop+jwt',
      algorithms: settings.algorithms as string[],
      requiredClaims: REQUIRED_CLAIMS,
      currentDate: new Date(now),
    }));
  } catch (cause) {
    throw asProofError(cause, status);
  }
  const { jti, htm, htu, iat } = payload as { jti: unknown; htm: unknown; htu: unknown; iat: unknown };
  if (typeof jti !== 'string' || jti === '' || jti.length > MAX_JTI_LENGTH) throw invalid('The DPoP proof jti must be a string of at most 256 characters');
  // §4.3 item 8.
  if (htm !== target.method.toUpperCase()) throw invalid('The DPoP proof htm does not match the request method');
  // §4.3 item 9, compared after normalisation as §4.3 advises.
  if (typeof htu !== 'string' || normalizeHtu(htu) === undefined || normalizeHtu(htu) !== normalizeHtu(target.url)) {
    throw invalid('The DPoP proof htu does not match the request URL');
  }
  // §4.3 item 11, §11.1: accepted only within a short window around its creation.
  if (typeof iat !== 'number' || Math.abs(now / 1000 - iat) > settings.window) throw invalid('The DPoP proof iat is outside the accepted time window');
  // §4.3 item 12: at a resource, the proof is for this very access token.
  if (target.accessToken !== undefined && payload.ath !== accessTokenHash(target.accessToken)) {
    throw invalid('The DPoP proof ath does not match the access token');
  }
  // §4.3 item 10, §8, §11.3: once nonces are required, a proof without a current one is refused, with a fresh nonce.
  if (settings.nonces && !settings.nonces.isValid(payload.nonce, now)) {
    const description = payload.nonce === undefined ? 'A DPoP nonce is required: retry with the DPoP-Nonce value' : 'The DPoP nonce is stale or unknown: retry with the DPoP-Nonce value';
    throw new UseDpopNonceError(description, { status, headers: { 'DPoP-Nonce': settings.nonces.current(now) } });
  }

  if (target.boundJkt !== undefined && target.boundJkt !== jkt) throw new InvalidTokenError('The access token is bound to another DPoP key');
  // §11.1: single use for as long as the proof would be accepted. The key names the proof's key too,
  // so one client cannot burn another's jti.
  if (!(await useOnce(`dpop:${jkt}:${jti}`, new Date((iat + settings.window + 1) * 1000)))) {
    throw invalid('The DPoP proof has already been used');
  }
  return { jkt };
}
