/**
 * What a shipped store offers beyond the Model: managing clients, users, signing keys and
 * remembered consent, the things the server needs. Every shipped store implements `Store`.
 */
import type { Model } from '../model.js';
import type { Client, User } from '../types.js';
import type { SigningKeyStore } from '../tokens/signing-keys.js';

/** A client as registered: its metadata plus, for a confidential client, the secret in clear (hashed on save). */
export interface ClientRegistration extends Omit<Client, 'token_endpoint_auth_method'> {
  client_secret?: string | undefined;
  /**
   * The secret already hashed, as `hashSecret` makes it (what `tollgate hash-secret` prints), so the
   * secret need not be written anywhere in clear. At most one of the two.
   */
  client_secret_hash?: string | undefined;
  token_endpoint_auth_method?: Client['token_endpoint_auth_method'] | undefined;
}

/**
 * A resource owner as registered: the password in clear (hashed with scrypt on save), or its scrypt
 * hash as `hashPassword` makes it (what `tollgate hash-password` prints). Exactly one of the two.
 */
export type UserRegistration = UserIdentity &
  ({ password: string; password_hash?: undefined } | { password?: undefined; password_hash: string });

/** Who a registered user is, beside the password. */
export interface UserIdentity {
  /** Stable subject identifier; generated when absent. */
  id?: string | undefined;
  username: string;
}

/** The Model, the signing keys (`SigningKeyStore`) and what the server manages besides. */
export interface Store extends Model, SigningKeyStore {
  /** Create or replace a client. A confidential client's secret is stored as a hash. */
  saveClient(client: ClientRegistration): Promise<Client>;
  /** Delete a client (RFC 7592 §2.3); true when it existed. */
  deleteClient(clientId: string): Promise<boolean>;
  /** Create or replace a user, matched by username. The password is stored as an scrypt hash. */
  saveUser(user: UserRegistration): Promise<User>;
  /** The user with this subject id (for the login session), or null. */
  getUserById(id: string): Promise<User | null>;
  /** The scopes this user already granted this client, or null. */
  getConsent(userId: string, clientId: string): Promise<string[] | null>;
  /** Remember that this user granted this client these scopes. */
  saveConsent(userId: string, clientId: string, scope: string[]): Promise<void>;
  /**
   * Marks a single-use value as used until `expiresAt`: true only for the first caller, atomically,
   * even across processes sharing the store. The replay cache for what must count once (a consent
   * decision; later a JWT `jti`, a DPoP proof, a PAR `request_uri`). Keys are kept hashed.
   */
  useOnce(value: string, expiresAt: Date): Promise<boolean>;
  /** Delete expired tokens and codes; returns how many rows went. */
  sweepExpired(): Promise<number>;
  /**
   * One real round trip that proves the store can serve and write now (for `/health` and `/ready`).
   * Throws `TemporarilyUnavailableError` (with `retryAfter`) when it cannot.
   */
  ping(): Promise<void>;
  /** Release connections and files. */
  close(): Promise<void>;
}
