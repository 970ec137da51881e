/**
 * The in-memory store: the reference implementation of the Model and the Store. Read it first
 * when writing a model of your own. Token values, codes and secrets are kept as hashes here too,
 * so that the tests catch a core that relies on a store keeping them in clear (only a
 * client_secret_jwt client's secret is kept as it is: an HMAC needs it).
 */
import { randomUUID } from 'node:crypto';
import type { Store, ClientRegistration, StateRecord, TokenHolder, UserRegistration, UserListing } from './store.js';
import type { AuthorizationCode, Client, Token, User } from '../types.js';
import type { SigningKey } from '../tokens/signing-keys.js';
import { hashToken } from '../secrets.js';
import { credentialPolicy } from './policy.js';
import { ExpiringMap } from './expiring-map.js';
import { GrantIndex } from './grant-index.js';
import { oneAtATime } from './one-at-a-time.js';
import type { StoredClient, StoredUser } from './policy.js';
import { collectGrants, heldBy, passwordHashOf, recordHash, retrievableSecretOf, secretHashOf, toClient, toUser } from './records.js';

// Every type of the Store contract, the same from each store's entry.
export type * from './store.js';

/**
 * A client as the store keeps it, and the one object every stored token, refresh token and code of
 * that client points to: `saveClient` updates it in place and `deleteClient` marks it deleted, so a
 * change is seen at once by everything issued to the client, and no row carries a copy of it.
 */
interface ClientEntry extends StoredClient {
  deleted: boolean;
}

/**
 * An access token as stored, under its hash: only what the token needs, the client by reference and
 * the expiry as epoch milliseconds (a number, not one more object per token for the collector to trace).
 */
interface AccessRow {
  expiresAt: number;
  scope: string[];
  client: ClientEntry;
  user: User;
  grantId: string;
  extra: Record<string, unknown> | undefined;
}
/** A refresh token as stored: an access row's fields and the mark of its rotation. */
interface RefreshRow extends AccessRow {
  consumedAt: Date | undefined;
}
type CodeRow = Omit<AuthorizationCode, 'authorizationCode' | 'client'> & { client: ClientEntry };
type StoredRecord = StateRecord & { kind: string };

/** A row's fields as the core reads them; null once its client is deleted (RFC 7592 §2.3). */
function tokenFields({ client, scope, user, grantId, extra }: AccessRow): Pick<Token, 'scope' | 'client' | 'user' | 'grantId' | 'extra'> | null {
  if (client.deleted) return null;
  return { scope, client: client.client, user, grantId, ...(extra !== undefined && { extra }) };
}

/** Options of `createMemoryStore`: the clients and users it starts with. */
export interface MemoryStoreOptions {
  /** Clients to register at creation (secrets hashed). */
  clients?: ClientRegistration[];
  /** Users to register at creation (passwords hashed). */
  users?: UserRegistration[];
}

/** Creates an in-memory store. Nothing survives the process: use it for tests, demos and as a model to copy. */
export async function createMemoryStore(options: MemoryStoreOptions = {}): Promise<Store> {
  const clients = new Map<string, ClientEntry>();
  const users = new Map<string, StoredUser & Pick<UserListing, 'source'>>();
  const byUsername = new Map<string, StoredUser>();
  // Tokens, codes, single-use values and records by hash, each filed by expiry so a sweep visits only
  // what expired (src/stores/expiring-map.ts).
  const accessTokens = new ExpiringMap<string, AccessRow>((row) => row.expiresAt);
  const refreshTokens = new ExpiringMap<string, RefreshRow>((row) => row.expiresAt);
  const codes = new ExpiringMap<string, CodeRow>((row) => row.expiresAt.getTime());
  const grants = new GrantIndex();
  const consents = new Map<string, string[]>();
  /** Single-use values (hashed) and when each may be forgotten. */
  const usedOnce = new ExpiringMap<string, number>((until) => until);
  /** State records by hashed kind and key; an expired one counts as absent until swept. */
  const records = new ExpiringMap<string, StoredRecord>((record) => record.expiresAt.getTime());
  function liveRecord(kind: string, key: string): StoredRecord | undefined {
    const stored = records.get(recordHash(kind, key));
    return stored && stored.expiresAt.getTime() > Date.now() ? stored : undefined;
  }
  // A copy out, so that a caller changing what it got cannot change what is stored (a persistent store's JSON behaves so).
  const copyOf = ({ kind: _kind, ...stored }: StoredRecord): StateRecord => structuredClone(stored);
  let keys: SigningKey[] = [];

  /**
   * The entry a row points to: the registered client's, so a later update or deletion reaches the row.
   * A client the store does not hold (one described by a client ID metadata document) is kept as given.
   */
  function entryOf(client: Client): ClientEntry {
    return clients.get(client.client_id) ?? { client, secretHash: null, deleted: false };
  }

  function removeAccessToken(hash: string): boolean {
    const row = accessTokens.get(hash);
    if (!row) return false;
    accessTokens.delete(hash);
    grants.remove(row.grantId, hash);
    return true;
  }

  /** Revokes everything one client or user holds: access tokens removed, refresh tokens and codes consumed, consents dropped. */
  function revokeHeld(holder: TokenHolder): void {
    const now = new Date();
    const held = (row: { client: ClientEntry; user: User }): boolean => heldBy(holder, { clientId: row.client.client.client_id, user: row.user });
    for (const [hash, row] of accessTokens.entries()) if (held(row)) removeAccessToken(hash);
    for (const row of [...refreshTokens.values(), ...codes.values()]) if (held(row)) row.consumedAt ??= now;
    for (const key of consents.keys()) {
      const [userId, clientId] = key.split('\n');
      if (holder.userId !== undefined ? userId === holder.userId : clientId === holder.clientId) consents.delete(key);
    }
  }

  /**
   * Each map visits only the keys filed under seconds that have passed, yielding to the event loop
   * between slices (src/stores/expiring-map.ts): a sweep's work follows what expired, not how many
   * tokens are live.
   */
  const sweepExpired = oneAtATime(async () => {
    const now = Date.now();
    let swept = 0;
    swept += await records.sweep(now);
    swept += await usedOnce.sweep(now);
    swept += await accessTokens.sweep(now, (hash, row) => grants.remove(row.grantId, hash));
    swept += await refreshTokens.sweep(now, (hash, row) => grants.remove(row.grantId, hash));
    swept += await codes.sweep(now);
    return swept;
  });

  const store: Store = {
    // The secret check, the constant-time user look-up and the client as user: src/stores/policy.ts.
    ...credentialPolicy({
      findClient: async (clientId) => clients.get(clientId) ?? null,
      findUser: async (username) => byUsername.get(username) ?? null,
    }),

    async saveToken(token: Token) {
      const { accessToken, refreshToken, refreshTokenExpiresAt, scope, user, grantId, extra } = token;
      const client = entryOf(token.client);
      const accessHash = hashToken(accessToken);
      accessTokens.set(accessHash, { expiresAt: token.accessTokenExpiresAt.getTime(), scope, client, user, grantId, extra });
      grants.add(grantId, accessHash);
      if (refreshToken !== undefined && refreshTokenExpiresAt !== undefined) {
        const refreshHash = hashToken(refreshToken);
        const refreshScope = token.refreshTokenScope ?? scope;
        refreshTokens.set(refreshHash, { expiresAt: refreshTokenExpiresAt.getTime(), scope: refreshScope, client, user, grantId, extra, consumedAt: undefined });
        grants.add(grantId, refreshHash);
      }
      return token;
    },

    async getAccessToken(accessToken) {
      const row = accessTokens.get(hashToken(accessToken));
      const fields = row && tokenFields(row);
      return fields ? { ...fields, accessToken, accessTokenExpiresAt: new Date(row.expiresAt) } : null;
    },

    async getRefreshToken(refreshToken) {
      const row = refreshTokens.get(hashToken(refreshToken));
      const fields = row && tokenFields(row);
      if (!fields) return null;
      return { ...fields, refreshToken, refreshTokenExpiresAt: new Date(row.expiresAt), ...(row.consumedAt && { consumedAt: row.consumedAt }) };
    },

    async revokeToken(token) {
      // Keep the rotated token, marked, until it expires: a later reuse is then recognisable.
      const stored = refreshTokens.get(hashToken(token.refreshToken));
      if (!stored || stored.consumedAt) return false;
      stored.consumedAt = new Date();
      return true;
    },

    async revokeAccessToken(token) {
      return removeAccessToken(hashToken(token.accessToken));
    },

    async revokeGrant(grantId) {
      for (const hash of grants.hashesOf(grantId)) {
        removeAccessToken(hash);
        const refresh = refreshTokens.get(hash);
        if (refresh) refresh.consumedAt ??= new Date();
      }
    },

    async saveAuthorizationCode(code) {
      const { authorizationCode, client, ...rest } = code;
      codes.set(hashToken(authorizationCode), { ...rest, client: entryOf(client) });
      return code;
    },

    async getAuthorizationCode(authorizationCode) {
      const stored = codes.get(hashToken(authorizationCode));
      if (!stored || stored.client.deleted) return null;
      return { ...stored, client: stored.client.client, authorizationCode };
    },

    async revokeAuthorizationCode(code) {
      // Single use (RFC 6749 §4.1.2): only the first caller finds it unconsumed. JavaScript runs this
      // check-and-set without yielding, which is what makes it atomic here.
      const stored = codes.get(hashToken(code.authorizationCode));
      if (!stored || stored.consumedAt) return false;
      stored.consumedAt = new Date();
      return true;
    },

    async saveClient(registration) {
      const client = toClient(registration);
      const stored = { client, secretHash: secretHashOf(registration), secret: retrievableSecretOf(registration) };
      // In place: the tokens already issued to this client point to this entry and see the update.
      const existing = clients.get(client.client_id);
      if (existing) Object.assign(existing, stored);
      else clients.set(client.client_id, { ...stored, deleted: false });
      return client;
    },

    async deleteClient(clientId) {
      const existing = clients.get(clientId);
      if (!existing) return false;
      clients.delete(clientId);
      // RFC 7592 §2.3: its tokens and codes are invalid from now on. A client registered later
      // under the same id gets a new entry, so they do not come back with it; revoking them also
      // frees their rows and drops the consents given to it.
      existing.deleted = true;
      revokeHeld({ clientId });
      return true;
    },

    async saveUser(registration) {
      // Hash first: the look-up and the write below then run with no await between them, so parallel
      // saves of one username agree on its id.
      const passwordHash = await passwordHashOf(registration);
      const existing = byUsername.get(registration.username);
      const id = registration.id ?? existing?.user.id ?? randomUUID();
      if (existing?.user.id !== undefined) users.delete(existing.user.id);
      // Like SQL's REPLACE: a user already holding this id under another username goes too.
      const clash = users.get(id);
      if (clash?.user.username !== undefined) byUsername.delete(clash.user.username);
      const user = toUser(id, registration.username);
      const stored = { user, passwordHash, source: registration.source ?? 'config' };
      users.set(id, stored);
      byUsername.set(registration.username, stored);
      return user;
    },

    async getUserById(id) {
      return users.get(id)?.user ?? null;
    },

    async listClients() {
      return [...clients.values()].map(({ client }) => client).sort((a, b) => a.client_id.localeCompare(b.client_id));
    },

    async listUsers() {
      return [...users.entries()]
        .map(([id, { user, source }]) => ({ id, username: String(user.username), source }))
        .sort((a, b) => a.username.localeCompare(b.username));
    },

    async deleteUser(id) {
      const stored = users.get(id);
      if (!stored) return false;
      users.delete(id);
      byUsername.delete(String(stored.user.username));
      return true;
    },

    // A scan of every token: the memory store serves tests and demos, where that is small.
    async revokeTokensOf(holder) {
      revokeHeld(holder);
    },

    async listGrants(holder) {
      const now = Date.now();
      const live = [...accessTokens.values(), ...[...refreshTokens.values()].filter((row) => !row.consumedAt)]
        .filter((row) => row.expiresAt > now && !row.client.deleted)
        .map((row) => ({ ...row, clientId: row.client.client.client_id, expiresAt: new Date(row.expiresAt) }));
      return collectGrants(live.filter((row) => heldBy(holder, row)));
    },

    async getSigningKeys() {
      return [...keys];
    },

    async saveSigningKey(key) {
      const now = new Date();
      keys = [key, ...keys.map((k) => (k.retiredAt ? k : { ...k, retiredAt: now }))];
    },

    async withdrawSigningKey(kid) {
      const found = keys.find((k) => k.kid === kid && k.withdrawnAt === undefined);
      if (!found) return false;
      const now = new Date();
      keys = keys.map((k) => (k === found ? { ...k, withdrawnAt: now } : k));
      return true;
    },

    async getConsent(userId, clientId) {
      return consents.get(`${userId}\n${clientId}`) ?? null;
    },

    async saveConsent(userId, clientId, scope) {
      consents.set(`${userId}\n${clientId}`, [...scope]);
    },

    async useOnce(value, expiresAt) {
      // Check and set with no await between them: of parallel callers, only the first sees it absent.
      const hash = hashToken(value);
      const until = usedOnce.get(hash);
      if (until !== undefined && until > Date.now()) return false;
      usedOnce.set(hash, expiresAt.getTime());
      return true;
    },

    // Each method below reads and writes with no await in between: that is their atomicity here.
    async putRecord(kind, key, value, { expiresAt, subject }) {
      if (liveRecord(kind, key)) return false;
      records.set(recordHash(kind, key), { kind, value: structuredClone(value), version: 1, expiresAt, subject });
      return true;
    },

    async getRecord(kind, key) {
      const stored = liveRecord(kind, key);
      return stored ? copyOf(stored) : null;
    },

    async replaceRecord(kind, key, version, value) {
      const stored = liveRecord(kind, key);
      if (!stored || stored.version !== version) return false;
      stored.value = structuredClone(value);
      stored.version++;
      return true;
    },

    async takeRecord(kind, key) {
      const stored = liveRecord(kind, key);
      if (!stored) return null;
      records.delete(recordHash(kind, key));
      return copyOf(stored);
    },

    async deleteRecords(kind, subject) {
      let deleted = 0;
      for (const [hash, stored] of records.entries()) {
        if (stored.kind === kind && stored.subject === subject && records.delete(hash)) deleted++;
      }
      return deleted;
    },

    sweepExpired,

    async ping() {
      // Nothing can be down: the data lives in this process.
    },

    async close() {},
  };

  for (const client of options.clients ?? []) await store.saveClient(client);
  for (const user of options.users ?? []) await store.saveUser(user);
  return store;
}
