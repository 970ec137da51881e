/**
 * The shapes every store maps its rows to and from: a registration becomes the client or user the
 * core sees, and a consumed mark becomes an optional `consumedAt`. Shared so that no store imports
 * another store.
 */
import type { ClientRegistration } from './store.js';
import type { AuthorizationCode, Client, Token, User } from '../types.js';

/** What a token row keeps beside its indexed columns (hash, grant, expiry). */
export type TokenData = Pick<Token, 'scope' | 'client' | 'user' | 'extra'>;
/** What a code row keeps beside its indexed columns. */
export type CodeData = Pick<AuthorizationCode, 'scope' | 'client' | 'user' | 'redirectUri' | 'codeChallenge' | 'codeChallengeMethod' | 'extra'>;

/** Normalises a registration: a client without a secret is public (RFC 7591 §2, `none`). */
export function toClient(registration: ClientRegistration): Client {
  const { client_secret, ...metadata } = registration;
  return {
    ...metadata,
    token_endpoint_auth_method:
      registration.token_endpoint_auth_method ?? (client_secret === undefined ? 'none' : 'client_secret_basic'),
  };
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
