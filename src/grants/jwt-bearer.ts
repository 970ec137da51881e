/**
 * The JWT bearer assertion grant (RFC 7523 §2.1): a client presents a JWT that a trusted issuer
 * signed about a user (workload identity federation, a partner's identity provider) and gets an
 * access token for that user. jose verifies everything; the checks are RFC 7523 §3's.
 */
import { createLocalJWKSet, decodeJwt, errors, jwtVerify } from 'jose';
import type { JSONWebKeySet, JWTPayload, JWTVerifyGetKey } from 'jose';
import type { JwtBearerModel } from '../model.js';
import type { Grant } from './grant.js';
import type { JsonWebKeySet } from '../tokens/format.js';
import { ConfigError, InvalidGrantError, InvalidRequestError } from '../errors.js';
import { validateScope } from '../validate-scope.js';

export const JWT_BEARER = 'urn:ietf:params:oauth:grant-type:jwt-bearer';

/** RFC 8725 §3.1: asymmetric algorithms only; `none` and shared-secret HS* never verify (§3.2). */
const DEFAULT_ALGORITHMS = ['ES256', 'ES384', 'EdDSA', 'RS256', 'PS256'];

/** An issuer whose assertions this server accepts, with its public keys. */
export interface TrustedIssuer {
  /** The `iss` its assertions carry (RFC 7523 §3, item 1). */
  issuer: string;
  /** Its public signing keys (RFC 7517 §5), inline. */
  jwks: JsonWebKeySet;
  /** Algorithms accepted from it. Default: ES256, ES384, EdDSA, RS256, PS256. */
  algorithms?: readonly string[] | undefined;
  /** Longest accepted assertion lifetime, `exp` minus `iat` or now, in seconds (RFC 7523 §3, item 4). Default 3600. */
  maxLifetime?: number | undefined;
}

/** The settings the grant reads. */
export interface JwtBearerOptions {
  /** This server's issuer identifier: an accepted `aud` (RFC 7523 §3, item 3). */
  issuer: string;
  /** The token endpoint URL: the other accepted `aud`. */
  tokenEndpoint: string;
  trustedIssuers: readonly TrustedIssuer[];
}

interface Verifier {
  keys: JWTVerifyGetKey;
  algorithms: string[];
  maxLifetime: number;
}

/** Each trusted issuer's key set, imported once at start; a malformed one fails then, naming the field. */
function verifiers(trusted: readonly TrustedIssuer[]): Map<string, Verifier> {
  const byIssuer = new Map<string, Verifier>();
  trusted.forEach((entry, i) => {
    const field = `trustedIssuers[${i}]`;
    if (typeof entry.issuer !== 'string' || entry.issuer === '') throw new ConfigError('ERR_TOLLGATE_INVALID_OPTION', `${field}.issuer`, 'is required');
    if (!Array.isArray(entry.jwks?.keys) || entry.jwks.keys.length === 0) {
      throw new ConfigError('ERR_TOLLGATE_INVALID_OPTION', `${field}.jwks`, 'must be a JWK Set with at least one key');
    }
    // Public keys only: a set carrying a private part is a mistake that leaks the issuer's key.
    if (entry.jwks.keys.some((key) => 'd' in key || key['kty'] === 'oct')) {
      throw new ConfigError('ERR_TOLLGATE_INVALID_OPTION', `${field}.jwks`, 'must hold public keys only');
    }
    const algorithms = [...(entry.algorithms ?? DEFAULT_ALGORITHMS)];
    if (algorithms.some((alg) => alg === 'none' || alg.startsWith('HS'))) {
      throw new ConfigError('ERR_TOLLGATE_INVALID_OPTION', `${field}.algorithms`, 'must list asymmetric algorithms only (RFC 8725 §3.2)');
    }
    byIssuer.set(entry.issuer, {
      keys: createLocalJWKSet(entry.jwks as JSONWebKeySet),
      algorithms,
      maxLifetime: entry.maxLifetime ?? 3600,
    });
  });
  return byIssuer;
}

/** The assertion's claims once verified, or `invalid_grant` (RFC 7523 §3.1) saying which check failed. */
async function verifyAssertion(assertion: string, trusted: Map<string, Verifier>, audience: string[], now: Date): Promise<JWTPayload & { iss: string; sub: string; exp: number }> {
  let unverified: JWTPayload;
  try {
    unverified = decodeJwt(assertion);
  } catch {
    throw new InvalidGrantError('The assertion is not a JWT');
  }
  // RFC 7523 §3, item 1: the issuer picks the keys; an unknown issuer has none.
  const verifier = typeof unverified.iss === 'string' ? trusted.get(unverified.iss) : undefined;
  if (!verifier || unverified.iss === undefined) throw new InvalidGrantError('The assertion\'s issuer is not trusted');
  try {
    const { payload } = await jwtVerify(assertion, verifier.keys, {
      issuer: unverified.iss,
      // §3, item 3: the audience is this server: its issuer identifier or its token endpoint.
      audience,
      algorithms: verifier.algorithms,
      // §3, items 2 and 4: a subject and an expiry are required.
      requiredClaims: ['sub', 'exp'],
      currentDate: now,
      // A small allowance for clock skew between the issuer and this server (§3, item 4 permits it).
      clockTolerance: 30,
    });
    const lifetime = (payload.exp as number) - (payload.iat ?? Math.floor(now.getTime() / 1000));
    // §3, item 4: the server may refuse an assertion with an unreasonably far expiry.
    if (lifetime > verifier.maxLifetime) throw new InvalidGrantError(`The assertion lives longer than the ${verifier.maxLifetime} seconds accepted`);
    return payload as JWTPayload & { iss: string; sub: string; exp: number };
  } catch (err) {
    if (err instanceof InvalidGrantError) throw err;
    if (err instanceof errors.JWTExpired) throw new InvalidGrantError('The assertion has expired');
    if (err instanceof errors.JWTClaimValidationFailed) throw new InvalidGrantError(`The assertion's "${err.claim}" claim is not acceptable`);
    if (err instanceof errors.JOSEError) throw new InvalidGrantError('The assertion\'s signature does not verify with the issuer\'s keys');
    throw err;
  }
}

export function jwtBearer(options: JwtBearerOptions): Grant<JwtBearerModel> {
  const trusted = verifiers(options.trustedIssuers);
  const audience = [options.issuer, options.tokenEndpoint];
  return {
    type: JWT_BEARER,
    // RFC 7523 §3.1 makes client authentication optional; required here, so a stolen assertion alone buys nothing.
    publicClients: false,
    requires: ['getClient', 'saveToken', 'useOnce'],

    async handle({ params, client, model, tokens, scope, now }) {
      if (params.assertion === undefined) throw new InvalidRequestError('Missing parameter: assertion');
      const claims = await verifyAssertion(params.assertion, trusted, audience, now);
      // §3, item 7: a `jti` counts once (until the assertion expires, after which it is refused anyway).
      if (claims.jti !== undefined && !(await model.useOnce(`jwt-bearer:${claims.iss}:${claims.jti}`, new Date(claims.exp * 1000 + 30_000)))) {
        throw new InvalidGrantError('The assertion has already been used');
      }
      const user = model.getUserFromAssertion
        ? await model.getUserFromAssertion(claims, client)
        : await model.getUserById?.(claims.sub);
      if (!user) throw new InvalidGrantError('The assertion\'s subject is not a known user');
      const granted = await validateScope(model, user, client, scope);
      // §2.1 and RFC 6749 §4.4.3 in spirit: the assertion is the credential; present a fresh one, no refresh token.
      return tokens.issue({ client, user, scope: granted, requestedScope: scope, refreshToken: false });
    },
  };
}
