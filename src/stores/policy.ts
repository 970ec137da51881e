/**
 * The security rules every shipped store applies the same way, written once: the client-secret
 * check, the constant-time user look-up, the client as its own user, and which ids can be looked up
 * at all. A store supplies only how to find a client or a user; the rules are here.
 */
import type { Store } from './store.js';
import type { Client, User } from '../types.js';
import { DUMMY_PASSWORD_HASH, verifyPassword, verifySecret } from '../secrets.js';

/**
 * A client as a store keeps it: the normalised client, its secret's hash (null: a public client),
 * and, for a `client_secret_jwt` client only, the secret itself (`retrievableSecretOf`).
 */
export interface StoredClient {
  client: Client;
  secretHash: string | null;
  /** Absent or null for every client but a client_secret_jwt one (and for those saved before it was kept). */
  secret?: string | null | undefined;
}

/** A user as a store keeps it: what the core sees and the scrypt hash of the password. */
export interface StoredUser {
  user: User;
  passwordHash: string;
}

/** How a store finds what the rules check. Never called with an id that `isLookupKey` refuses. */
export interface CredentialSource {
  findClient(clientId: string): Promise<StoredClient | null>;
  findUser(username: string): Promise<StoredUser | null>;
}

/**
 * Whether an id taken from a request can name anything stored. One holding U+0000 cannot: no store
 * saves one, and PostgreSQL refuses the byte in text (SQLSTATE 22021), which would turn a bad
 * `client_id` or username into a 500 instead of "not found" (RFC 6749 §5.2 `invalid_client`).
 */
export function isLookupKey(id: string): boolean {
  return !id.includes('\u0000');
}

/** `getClient`, `getUser`, `getUserFromClient` and `getClientSecret` for a store, from its two look-ups. */
export function credentialPolicy(source: CredentialSource): Pick<Store, 'getClient' | 'getClientSecret' | 'getUser' | 'getUserFromClient'> {
  return {
    async getClient(clientId, clientSecret) {
      if (!isLookupKey(clientId)) return null;
      const stored = await source.findClient(clientId);
      if (!stored) return null;
      // RFC 6749 §2.3.1: a null secret asks for the client alone (a public client, or before authentication).
      if (clientSecret === null) return stored.client;
      if (stored.secretHash === null) return null;
      return verifySecret(clientSecret, stored.secretHash) ? stored.client : null;
    },

    async getUser(username, password) {
      const stored = isLookupKey(username) ? await source.findUser(username) : null;
      // Hash even for an unknown user, so the two cases take the same time (no enumeration).
      // verifyPassword refuses a password holding U+0000 (RFC 2104 §2 zero padding), for every model.
      const ok = await verifyPassword(password, stored?.passwordHash ?? DUMMY_PASSWORD_HASH);
      return ok && stored ? stored.user : null;
    },

    async getUserFromClient(client) {
      // RFC 9068 §2.2: with no resource owner, the subject is the client itself.
      return { id: client.client_id };
    },

    async getClientSecret(client) {
      // Only a client registered for client_secret_jwt has a retrievable secret (RFC 7523 §2.2).
      if (client.token_endpoint_auth_method !== 'client_secret_jwt' || !isLookupKey(client.client_id)) return null;
      const stored = await source.findClient(client.client_id);
      return stored?.client.token_endpoint_auth_method === 'client_secret_jwt' ? (stored.secret ?? null) : null;
    },
  };
}
