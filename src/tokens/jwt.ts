/** JWT access tokens. RFC 9068, signed by the store's active key. */
import { randomUUID } from 'node:crypto';
import type { JWTPayload } from 'jose';
import type { Client, User } from '../types.js';
import type { AccessTokenContext, AccessTokenFormat, JsonWebKeySet } from './format.js';
import type { SigningAlgorithm, SigningKey, SigningKeyStore } from './signing-keys.js';
import { ConfigError } from '../errors.js';
import { formatScope } from '../scope.js';
import { ACCESS_TOKEN_ALGORITHMS, ensureKeyFor, keyChain, publishedKeys } from './signing-keys.js';
import { createCompactSigner } from './compact-signer.js';
import type { CompactSigner } from './compact-signer.js';

/**
 * Options of `createJwtAccessTokenFormat`: the `iss` and `aud` claims, the key store and key
 * rotation timing.
 */
export interface JwtAccessTokenOptions {
  /** The `iss` claim: the server's issuer identifier (RFC 9068 §2.2). */
  issuer: string;
  /** The `aud` claim: the resource server(s) the tokens are for. Default: the issuer. */
  audience?: string | string[];
  /** Where the signing keys live; a key is generated on first use when there is none. */
  store: SigningKeyStore;
  /**
   * The longest lifetime of any access token, in seconds (mind per-client `access_token_lifetime`):
   * a retired key stays in the JWKS this long, so the tokens it signed verify until they expire.
   */
  accessTokenTtl: number;
  /** Algorithm of the key generated when the store has none. Default ES256. Tokens are signed with the active key's own `alg`. */
  alg?: SigningAlgorithm;
  /** Seconds a process trusts its copy of the store's keys before reading them again. Default 5. */
  keyRefreshInterval?: number;
  /**
   * Seconds a new key is published before it signs. Resource servers cache the JWKS (it is served
   * with `max-age=300`), so a key that signed at once could meet a cache that does not know it yet.
   * Default 300. The first key of a store signs at once: there is no other.
   */
  keyActivationDelay?: number;
}

/**
 * The key to sign with: the newest one published for at least `delay`, else the oldest (the one most
 * widely cached). Never a withdrawn key: it is no longer in the JWKS.
 */
export function signingKeyAt(keys: readonly SigningKey[], delaySeconds: number, now: number): SigningKey | undefined {
  const usable = keys.filter((key) => key.withdrawnAt === undefined);
  return usable.find((key) => key.createdAt.getTime() <= now - delaySeconds * 1000) ?? usable[usable.length - 1];
}

/** The next moment one of these keys passes its delay (its creation plus the delay), or Infinity when none is waiting. */
function nextActivation(keys: readonly SigningKey[], delaySeconds: number, now: number): number {
  let next = Infinity;
  for (const key of keys) {
    const at = key.createdAt.getTime() + delaySeconds * 1000;
    if (key.withdrawnAt === undefined && at > now && at < next) next = at;
  }
  return next;
}

/**
 * The RFC 9068 access token format, which also publishes its public keys (`jwks`, served at the
 * JWKS endpoint).
 */
export interface JwtAccessTokenFormat extends AccessTokenFormat {
  jwks(): Promise<JsonWebKeySet>;
  /** Reads the store's keys now instead of at the next refresh, e.g. right after `rotateSigningKey` in this process. */
  reload(): Promise<void>;
}

interface KeyState {
  keys: SigningKey[];
  signer: CompactSigner;
  /** Read the store again from then on: one refresh interval after this read, or sooner when a published key activates. */
  staleAt: number;
}

/** RFC 9068 §2.2: with no resource owner (client credentials), the subject is the client. */
function subjectOf(user: User, client: Client): string {
  return user.id ?? user.username ?? client.client_id;
}

const epochSeconds = (date: Date): number => Math.floor(date.getTime() / 1000);

function seconds(value: number, field: string): number {
  if (!Number.isFinite(value) || value < 0) throw new ConfigError('ERR_TOLLGATE_INVALID_OPTION', field, 'must be a number of seconds, 0 or more');
  return value;
}

/**
 * An access token format issuing RFC 9068 JWTs. The token is also stored (hashed) like an opaque
 * one, so revocation and the server's own bearer check keep working.
 * @see https://www.rfc-editor.org/rfc/rfc9068#section-2
 */
export function createJwtAccessTokenFormat(options: JwtAccessTokenOptions): JwtAccessTokenFormat {
  const { store, alg = 'ES256' } = options;
  // The same form resolveOptions gives the server's issuer, so `iss` equals the metadata's `issuer` (RFC 8414 §3.3).
  const issuer = options.issuer.replace(/\/$/, '');
  const audience = options.audience ?? issuer;
  const accessTokenTtl = seconds(options.accessTokenTtl, 'accessTokenTtl');
  const refreshSeconds = seconds(options.keyRefreshInterval ?? 5, 'keyRefreshInterval');
  const activationDelay = seconds(options.keyActivationDelay ?? 300, 'keyActivationDelay');
  let state: KeyState | undefined;
  let loading: Promise<KeyState> | undefined;

  async function load(): Promise<KeyState> {
    // The store may also hold ID token keys (RS256, tollgate/oidc): access tokens use their own chain.
    const stored = keyChain(await store.getSigningKeys(), ACCESS_TOKEN_ALGORITHMS);
    const keys = stored.length > 0 ? stored : [await ensureKeyFor(store, alg)];
    const now = Date.now();
    const active = signingKeyAt(keys, activationDelay, now) as SigningKey;
    // Import only when the active key changed: signing stays one signature call per token.
    const signer = state?.signer.kid === active.kid ? state.signer : createCompactSigner(active);
    // A published key starts signing the moment its delay has passed, in every process that has read
    // it, not up to a refresh interval later: the state goes stale then and the next token re-reads.
    return { keys, signer, staleAt: Math.min(now + refreshSeconds * 1000, nextActivation(keys, activationDelay, now)) };
  }

  function refresh(): Promise<KeyState> {
    loading ??= load()
      .then((loaded) => (state = loaded))
      .finally(() => {
        loading = undefined;
      });
    return loading;
  }

  function fresh(): KeyState | undefined {
    return state && Date.now() < state.staleAt ? state : undefined;
  }

  return {
    name: 'jwt',

    async generate({ client, user, scope, issuedAt, expiresAt, audience: resources, act, jkt }: AccessTokenContext) {
      const { signer } = fresh() ?? (await refresh());
      const claims: JWTPayload = { client_id: client.client_id };
      // RFC 8693 §4.1: a delegated token names its actor.
      if (act !== undefined) claims.act = act;
      // RFC 9449 §6.1: a DPoP-bound token names its key's thumbprint.
      if (jkt !== undefined) claims.cnf = { jkt };
      // RFC 9068 §2.2.3: scope as a space-separated string, like the token response's.
      if (scope.length > 0) claims.scope = formatScope(scope);
      claims.iss = issuer;
      claims.sub = subjectOf(user, client);
      // RFC 8707 §2, RFC 9068 §3: a token asked for resources names exactly them.
      claims.aud = resources && resources.length > 0 ? (resources.length === 1 ? (resources[0] as string) : [...resources]) : audience;
      // RFC 7519 §2: NumericDate, whole seconds.
      claims.iat = epochSeconds(issuedAt);
      claims.exp = epochSeconds(expiresAt);
      claims.jti = randomUUID();
      return signer.sign(claims);
    },

    async jwks() {
      const { keys } = fresh() ?? (await refresh());
      // A retired key goes on signing until its successor activates, and in other processes for one
      // refresh interval more; the tokens it signed then live a token lifetime.
      const published = publishedKeys(keys, accessTokenTtl + refreshSeconds + activationDelay, new Date());
      return { keys: published.map((key) => ({ ...key.publicJwk, kid: key.kid, alg: key.alg, use: 'sig' })) };
    },

    async reload() {
      // A load already under way may have read the keys before the change the caller knows of.
      await loading?.catch(() => undefined);
      await refresh();
    },
  };
}
