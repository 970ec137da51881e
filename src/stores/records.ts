/**
 * The shapes every store maps its rows to and from: a registration becomes the client or user the
 * core sees, and a consumed mark becomes an optional `consumedAt`. Shared so that no store imports
 * another store.
 */
import type { ClientRegistration, GrantListing, RecordValue, StateRecord, TokenHolder, UserRegistration } from './store.js';
import type { AuthorizationCode, Client, RegistrationSource, Token, User } from '../types.js';
import { ConfigError } from '../errors.js';
import { hashPassword, hashSecret, hashToken, isSecretHash, passwordHashProblem } from '../secrets.js';
import { MIN_SECRET_BYTES } from '../client-assertion.js';

/** What a token row keeps beside its indexed columns (hash, grant, expiry). */
export type TokenData = Pick<Token, 'scope' | 'client' | 'user' | 'extra'>;
/** What a code row keeps beside its indexed columns. */
export type CodeData = Pick<AuthorizationCode, 'scope' | 'client' | 'user' | 'redirectUri' | 'codeChallenge' | 'codeChallengeMethod' | 'extra'>;

/** Normalises a registration: a client without a secret is public (RFC 7591 §2, `none`). */
export function toClient(registration: ClientRegistration): Client {
  const { client_secret, client_secret_hash, ...metadata } = registration;
  return {
    ...metadata,
    token_endpoint_auth_method:
      registration.token_endpoint_auth_method ??
      (client_secret === undefined && client_secret_hash === undefined ? 'none' : 'client_secret_basic'),
  };
}

/**
 * The secret hash a store keeps for a registration: the clear secret hashed, or the pre-hashed one
 * checked for form (a malformed hash would silently never match); null for a public client.
 */
export function secretHashOf(registration: ClientRegistration): string | null {
  const { client_secret: secret, client_secret_hash: given } = registration;
  if (secret !== undefined && given !== undefined) {
    throw new ConfigError('ERR_TOLLGATE_INVALID_OPTION', 'client_secret_hash', 'give client_secret or client_secret_hash, not both');
  }
  if (given === undefined) return secret === undefined ? null : hashSecret(secret);
  if (!isSecretHash(given)) {
    throw new ConfigError('ERR_TOLLGATE_INVALID_OPTION', 'client_secret_hash', 'must be a SHA-256 digest in base64url (43 characters), as hashSecret makes it');
  }
  return given;
}

/**
 * The secret itself, which a store keeps only for a `client_secret_jwt` client: its assertions are
 * HMACs keyed with it (RFC 7523 §2.2, OpenID Connect Core §9), which a hash cannot check. Such a
 * store must be guarded like a key store (README, "Client authentication with a signed JWT").
 * Null for every other client, whose secret is kept only as a hash.
 */
export function retrievableSecretOf(registration: ClientRegistration): string | null {
  if (registration.token_endpoint_auth_method !== 'client_secret_jwt') return null;
  const { client_secret: secret, client_secret_hash: given } = registration;
  if (given !== undefined) {
    throw new ConfigError('ERR_TOLLGATE_INVALID_OPTION', 'client_secret_hash', 'cannot serve a client_secret_jwt client: its assertions are HMACs keyed with the secret itself, so give client_secret');
  }
  if (secret === undefined) throw new ConfigError('ERR_TOLLGATE_INVALID_OPTION', 'client_secret', 'is required by client_secret_jwt (the HMAC key of its assertions)');
  // RFC 7518 §3.2: an HS256 key of at least 256 bits.
  if (Buffer.byteLength(secret) < MIN_SECRET_BYTES) {
    throw new ConfigError('ERR_TOLLGATE_INVALID_OPTION', 'client_secret', `must be at least ${MIN_SECRET_BYTES} bytes for client_secret_jwt (RFC 7518 §3.2)`);
  }
  return secret;
}

/** The scrypt hash a store keeps for a registration: the clear password hashed, or the pre-hashed one checked. */
export async function passwordHashOf(registration: UserRegistration): Promise<string> {
  const { password, password_hash: given } = registration;
  if ((password === undefined) === (given === undefined)) {
    throw new ConfigError('ERR_TOLLGATE_INVALID_OPTION', 'password_hash', 'give exactly one of password and password_hash');
  }
  if (given === undefined) return hashPassword(password!);
  const problem = passwordHashProblem(given);
  if (problem) throw new ConfigError('ERR_TOLLGATE_INVALID_OPTION', 'password_hash', problem);
  return given;
}

/** The same user object every store hands out: its id and username, never the password hash. */
export function toUser(id: string, username: string): User {
  return { id, username };
}

/**
 * A refresh token's or code's consumed mark, as the optional field the core reads (RFC 6749
 * §4.1.2, RFC 9700 §4.14.2): absent when unconsumed. Takes a Date or epoch milliseconds.
 */
export function optionalConsumedAt(at: Date | number | null): { consumedAt?: Date } {
  if (at === null) return {};
  return { consumedAt: at instanceof Date ? at : new Date(at) };
}

/**
 * The key a store keeps a state record under: a hash of its kind and key, since keys are secrets
 * (a device code, a `request_uri`, a session id) and kinds must never collide.
 */
export function recordHash(kind: string, key: string): string {
  return hashToken(`${kind}\n${key}`);
}

/**
 * Where a stored client came from. Clients saved before sources were recorded have none: one with a
 * registration access token hash was registered dynamically (RFC 7592 §3), any other came from the config.
 */
export function sourceOf(client: Client): RegistrationSource {
  return client.source ?? (client.registration_access_token_hash === undefined ? 'config' : 'registration');
}

/**
 * The clients a shared store (PostgreSQL, Redis) handed out from its own registrations, known by
 * identity: `getClient` marks each one it answers, and a token or code issued to it is the same
 * object. Such a row names its client by id alone, and the client's registration is read with the
 * row, so an update or a deletion reaches every token already issued, as in the memory and SQLite
 * stores, and the row is much smaller (issue 17, docs/stores.md). A client the store does not hold (one
 * described by a client ID metadata document, or one a caller built) has no registration to read:
 * its row keeps a copy, as every row did before.
 */
export interface RegisteredClients {
  /** Marks a client read from the store's registrations; returns it. */
  mark(client: Client): Client;
  /** What a row keeps of `client`: nothing (its id says it all) for a marked one, else a copy. */
  copyOf(client: Client): Client | undefined;
}

export function registeredClients(): RegisteredClients {
  const marked = new WeakSet<Client>();
  return {
    mark(client) {
      marked.add(client);
      return client;
    },
    copyOf: (client) => (marked.has(client) ? undefined : client),
  };
}

/** A token's or code's JSON as an SQL store keeps it: a copy of the client only for one the store does not hold. */
export type StoredData<T extends { client: Client }> = Omit<T, 'client'> & { client?: Client | undefined };

/**
 * A row's JSON with its client: the row's own copy when it has one (a client the store did not hold,
 * or a row written before the store named clients by id), else `registration`, the named client's
 * registration as it is now. Null when neither is there: the client was deleted, and its tokens and
 * codes go with it (RFC 7592 §2.3), as in the memory store.
 */
export function withClient<T extends { client: Client }>(data: StoredData<T>, registration: Client | null): T | null {
  const client = data.client ?? registration;
  return client === null ? null : ({ ...data, client } as T);
}

/** Whether a token or code (its client's id and its user) belongs to the holder. */
export function heldBy(holder: TokenHolder, data: { clientId: string; user: User }): boolean {
  return holder.userId !== undefined ? data.user.id === holder.userId : data.clientId === holder.clientId;
}

/** A live token of a grant, as `collectGrants` reads it. */
export interface GrantTokenRow extends Pick<Token, 'user' | 'scope' | 'grantId'> {
  clientId: string;
  expiresAt: Date;
}

/** Groups live tokens by grant: the scopes of all of them, the latest expiry; newest-expiring last. */
export function collectGrants(rows: Iterable<GrantTokenRow>): GrantListing[] {
  const grants = new Map<string, GrantListing>();
  for (const row of rows) {
    const grant = grants.get(row.grantId);
    if (grant === undefined) {
      grants.set(row.grantId, { grantId: row.grantId, clientId: row.clientId, userId: row.user.id, scope: [...row.scope], expiresAt: row.expiresAt });
      continue;
    }
    for (const scope of row.scope) if (!grant.scope.includes(scope)) grant.scope.push(scope);
    if (row.expiresAt > grant.expiresAt) grant.expiresAt = row.expiresAt;
  }
  return [...grants.values()].sort((a, b) => a.expiresAt.getTime() - b.expiresAt.getTime());
}

/** A state record's row in an SQL store: the expiry as a Date (PostgreSQL) or epoch milliseconds (SQLite). */
export interface StateRow {
  subject: string | null;
  version: number;
  expires_at: Date | number;
  value: string;
}

/** The record a state row holds. */
export function toStateRecord(row: StateRow): StateRecord {
  return {
    value: JSON.parse(row.value) as RecordValue,
    version: row.version,
    expiresAt: new Date(row.expires_at),
    ...(row.subject === null ? {} : { subject: row.subject }),
  };
}
