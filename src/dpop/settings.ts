/** The `dpop` option of `createAuthorizationServer` (RFC 9449) and its validation. */
import type { DpopSettings } from './proof.js';
import { ConfigError } from '../errors.js';
import { DEFAULT_DPOP_ALGORITHMS, DPOP_ALGORITHMS } from './proof.js';
import { createDpopNonces } from './nonce.js';

/** Server-provided nonces (RFC 9449 §8): every process that shares `secret` accepts the others' nonces. */
export interface DpopNonceOptions {
  /** At least 32 characters; the same on every process behind one issuer. */
  secret: string;
  /** Seconds one nonce is handed out; it is accepted for up to twice that. Default 300. */
  lifetime?: number;
}

/** DPoP (RFC 9449): on when the model has `useOnce` (the replay cache of proof `jti`s), unless `false`. */
export interface DpopOptions {
  /** JWS algorithms accepted for proofs; asymmetric only. Default ES256, EdDSA, RS256, PS256. */
  algorithms?: readonly string[];
  /** Seconds a proof's `iat` may differ from the server's clock (RFC 9449 §11.1). Default 60. */
  window?: number;
  /** Require server-provided nonces in proofs (`use_dpop_nonce`, RFC 9449 §8). Off by default. */
  nonce?: DpopNonceOptions | undefined;
}

function invalid(field: string, message: string): ConfigError {
  return new ConfigError('ERR_TOLLGATE_INVALID_OPTION', field, message);
}

/** The DPoP settings, checked at start; undefined when DPoP is off (proofs are then ignored, tokens are Bearer). */
export function resolveDpop(options: DpopOptions | false | undefined, hasReplayCache: boolean): DpopSettings | undefined {
  if (options === false) return undefined;
  // RFC 9449 §11.1: without a replay cache a proof could be replayed within its window.
  if (!hasReplayCache) {
    if (options === undefined) return undefined;
    throw new ConfigError('ERR_TOLLGATE_MODEL', 'model.useOnce', 'is required by DPoP (the replay cache of proof jti values)');
  }
  const algorithms = options?.algorithms ?? DEFAULT_DPOP_ALGORITHMS;
  if (!Array.isArray(algorithms) || algorithms.length === 0) throw invalid('dpop.algorithms', 'must list at least one JWS algorithm');
  for (const alg of algorithms) {
    if (!(DPOP_ALGORITHMS as readonly string[]).includes(alg)) {
      throw invalid('dpop.algorithms', `"${String(alg)}" is not an asymmetric JWS algorithm (${DPOP_ALGORITHMS.join(', ')})`);
    }
  }
  const window = options?.window ?? 60;
  if (!Number.isInteger(window) || window < 1 || window > 600) throw invalid('dpop.window', 'must be a whole number of seconds from 1 to 600');
  const nonce = options?.nonce;
  let nonces;
  if (nonce !== undefined) {
    if (typeof nonce.secret !== 'string' || nonce.secret.length < 32) throw invalid('dpop.nonce.secret', 'must be at least 32 characters');
    const lifetime = nonce.lifetime ?? 300;
    if (!Number.isInteger(lifetime) || lifetime < 1) throw invalid('dpop.nonce.lifetime', 'must be a whole number of seconds, 1 or more');
    nonces = createDpopNonces(nonce.secret, lifetime);
  }
  return { algorithms: [...algorithms], window, nonces };
}
