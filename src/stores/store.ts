/**
 * What a shipped store offers beyond the Model: managing clients, users, signing keys and
 * remembered consent, the things the server needs. Every shipped store implements `Store`.
 */
import type { Model } from '../model.js';
import type { Client, RegistrationSource, User } from '../types.js';
import type { SigningKeyStore } from '../tokens/signing-keys.js';

/** A client as registered: its metadata plus, for a confidential client, the secret in clear (hashed on save). */
export interface ClientRegistration extends Omit<Client, 'token_endpoint_auth_method'> {
  /** The secret in clear (RFC 6749 §2.3.1); the store keeps only its hash. */
  client_secret?: string | undefined;
  /**
   * The secret already hashed, as `hashSecret` makes it (what `tollgate hash-secret` prints), so the
   * secret need not be written anywhere in clear. At most one of the two.
   */
  client_secret_hash?: string | undefined;
  /** How the client authenticates; default: `client_secret_basic` with a secret, `none` without one. */
  token_endpoint_auth_method?: Client['token_endpoint_auth_method'] | undefined;
}

/**
 * A resource owner as registered: the password in clear (hashed with scrypt on save), or its scrypt
 * hash as `hashPassword` makes it (what `tollgate hash-password` prints). Exactly one of the two.
 */
export type UserRegistration = UserIdentity &
  (
    | {
        /** The password in clear; the store keeps only its scrypt hash. */
        password: string;
        /** Not with `password`. */
        password_hash?: undefined;
      }
    | {
        /** Not with `password_hash`. */
        password?: undefined;
        /** The password's scrypt hash, as `hashPassword` makes it. */
        password_hash: string;
      }
  );

/** Who a registered user is, beside the password. */
export interface UserIdentity {
  /** Stable subject identifier; generated when absent. */
  id?: string | undefined;
  /** The name the person signs in with (the password grant's `username`, RFC 6749 §4.3.2); unique in the store. */
  username: string;
  /** Where the user came from; stores record it for `listUsers`. Default `config`. */
  source?: RegistrationSource | undefined;
}

export type { RegistrationSource } from '../types.js';

/** A user as `listUsers` shows it: never the password hash. */
export interface UserListing {
  /** The subject identifier tokens carry for this user. */
  id: string;
  /** The name the person signs in with. */
  username: string;
  /** Where the user came from: the config, or a `tollgate` admin command. */
  source: RegistrationSource;
}

/** Whose tokens: one user's (by subject id) or one client's. */
export type TokenHolder =
  | {
      /** The user's subject id. */
      userId: string;
      /** Not with `userId`. */
      clientId?: undefined;
    }
  | {
      /** The client's `client_id`. */
      clientId: string;
      /** Not with `clientId`. */
      userId?: undefined;
    };

/** A live grant as `listGrants` shows it: who holds it and until when, never a token value. */
export interface GrantListing {
  /** The authorization its tokens share (`Token.grantId`): what revoking one grant ends. */
  grantId: string;
  /** The client the grant was given to. */
  clientId: string;
  /** The resource owner's subject id; for client credentials, the client's own id (RFC 9068 §2.2). */
  userId: string | undefined;
  /** Every scope its live tokens carry. */
  scope: string[];
  /** When its last live token expires. */
  expiresAt: Date;
}

/** What an operator manages beside the protocol (the `tollgate` admin commands). */
export interface AdminStore {
  /** Every client, by client_id, with its `source` (see `sourceOf`). */
  listClients(): Promise<Client[]>;
  /** Every user, by username, without password hashes. */
  listUsers(): Promise<UserListing[]>;
  /** Delete the user with this subject id; true when it existed. Its tokens stay: see `revokeTokensOf`. */
  deleteUser(id: string): Promise<boolean>;
  /**
   * Revoke everything one user or one client holds: access tokens deleted, refresh tokens and codes
   * marked consumed (so a reuse is still recognised, RFC 9700 §4.14.2), remembered consent dropped.
   */
  revokeTokensOf(holder: TokenHolder): Promise<void>;
  /** The live grants (an unexpired access token or an unconsumed, unexpired refresh token) one user or client holds. */
  listGrants(holder: TokenHolder): Promise<GrantListing[]>;
  /**
   * Withdraw a signing key (`tollgate keys retire`): it leaves the JWKS and never signs again
   * (`SigningKey.withdrawnAt`). True when a key with this kid was withdrawn now; false when there is
   * none, or it was already. Which key may go is the caller's decision.
   */
  withdrawSigningKey(kid: string): Promise<boolean>;
}

/**
 * A value a store keeps for a record: a plain object that survives `JSON.stringify` (dates as
 * strings or numbers), since persistent stores keep it as JSON.
 */
export type RecordValue = { readonly [field: string]: unknown };

/** A short-lived record of protocol state, as a store hands it back. */
export interface StateRecord<T extends RecordValue = RecordValue> {
  /** What was put or last replaced, as JSON gives it back (dates as strings or numbers). */
  value: T;
  /** Starts at 1 and grows with every `replaceRecord`: what a compare-and-swap compares. */
  version: number;
  /** When the record is gone for every method: set by `putRecord`, unchanged by `replaceRecord`. */
  expiresAt: Date;
  /** Whose record it is (a user id), so that all of one subject's records of a kind can go at once. */
  subject?: string | undefined;
}

/** Where a record starts: when it expires and, optionally, whose it is. */
export interface NewRecord {
  /** When the record is gone for every method (a device code's or a pushed request's lifetime). */
  expiresAt: Date;
  /** Whose record it is (a user id), so that all of one subject's records of a kind can go at once. */
  subject?: string | undefined;
}

/**
 * Protocol state kept between requests for a short time, by kind and key: a device authorization
 * (RFC 8628), a pushed authorization request (RFC 9126), a sign-in session (OpenID Connect
 * RP-Initiated Logout). Keys are secrets (a device code, a `request_uri`, a session id), so stores
 * keep them hashed; a record past `expiresAt` is gone for every method. Every operation is atomic,
 * even across processes sharing the store.
 */
export interface RecordStore {
  /** Creates a record; false, changing nothing, when a live one of this kind already has this key. */
  putRecord(kind: string, key: string, value: RecordValue, options: NewRecord): Promise<boolean>;
  /** The live record of this kind and key, or null. */
  getRecord(kind: string, key: string): Promise<StateRecord | null>;
  /**
   * Replaces the value of a live record if its version is still `version` (compare-and-swap);
   * the version then grows by one. False when the record is gone or another write came first.
   */
  replaceRecord(kind: string, key: string, version: number, value: RecordValue): Promise<boolean>;
  /** Reads and deletes a live record in one step: of parallel callers, exactly one gets it. */
  takeRecord(kind: string, key: string): Promise<StateRecord | null>;
  /** Deletes every record of this kind whose subject is `subject`; returns how many rows went (expired ones too). */
  deleteRecords(kind: string, subject: string): Promise<number>;
}

/** The Model, the signing keys (`SigningKeyStore`) and what the server manages besides. */
export interface Store extends Model, SigningKeyStore, RecordStore, AdminStore {
  /**
   * Create or replace a client. A confidential client's secret is stored as a hash; a
   * `client_secret_jwt` client's also as it is, since an HMAC needs the secret itself.
   */
  saveClient(client: ClientRegistration): Promise<Client>;
  /**
   * The secret of a `client_secret_jwt` client, in clear (the HMAC key of its assertions, RFC 7523
   * §2.2); null for any other client, whose secret is kept only as a hash.
   */
  getClientSecret(client: Client): Promise<string | null>;
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
  /** Delete expired tokens, codes, single-use values and records; returns how many rows went. */
  sweepExpired(): Promise<number>;
  /**
   * One real round trip that proves the store can serve and write now (for `/health` and `/ready`).
   * Throws `TemporarilyUnavailableError` (with `retryAfter`) when it cannot.
   */
  ping(): Promise<void>;
  /** Release connections and files. */
  close(): Promise<void>;
}
