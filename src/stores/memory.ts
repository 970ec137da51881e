/**
 * The in-memory store: the reference implementation of the Model and the Store. Read it first
 * when writing a model of your own. Token values, codes and secrets are kept as hashes here too,
 * so that the tests catch a core that relies on a store keeping them in clear (only a
 * client_secret_jwt client's secret is kept as it is: an HMAC needs it).
 */
import { randomUUID } from 'node:crypto';
import type { Store, ClientRegistration, StateRecord, UserRegistration, UserListing } from './store.js';
import type { AccessToken, AuthorizationCode, RefreshToken, Token } from '../types.js';
import type { SigningKey } from '../tokens/signing-keys.js';
import { hashToken } from '../secrets.js';
import { credentialPolicy } from './policy.js';
import { sweepMap } from './sliced-sweep.js';
import type { StoredClient, StoredUser } from './policy.js';
import { collectGrants, heldBy, passwordHashOf, recordHash, retrievableSecretOf, secretHashOf, toClient, toUser } from './records.js';

export type { ClientRegistration, Store, UserRegistration } from './store.js';

type StoredAccess = Omit<AccessToken, 'accessToken'>;
type StoredRefresh = Omit<RefreshToken, 'refreshToken'>;
type StoredCode = Omit<AuthorizationCode, 'authorizationCode'>;
type StoredRecord = StateRecord & { kind: string };

/** Options of `createMemoryStore`: the clients and users it starts with. */
export interface MemoryStoreOptions {
  /** Clients to register at creation (secrets hashed). */
  clients?: ClientRegistration[];
  /** Users to register at creation (passwords hashed). */
  users?: UserRegistration[];
}

/** Creates an in-memory store. Nothing survives the process: use it for tests, demos and as a model to copy. */
export async function createMemoryStore(options: MemoryStoreOptions = {}): Promise<Store> {
  const clients = new Map<string, StoredClient>();
  const users = new Map<string, StoredUser & Pick<UserListing, 'source'>>();
  const byUsername = new Map<string, StoredUser>();
  const accessTokens = new Map<string, StoredAccess>();
  const refreshTokens = new Map<string, StoredRefresh>();
  const codes = new Map<string, StoredCode>();
  /** grantId -> hashes of its access and refresh tokens, so a grant is revoked without a scan. */
  const grants = new Map<string, string[]>();
  const consents = new Map<string, string[]>();
  /** Single-use values (hashed) and when each may be forgotten. */
  const usedOnce = new Map<string, number>();
  /** State records by hashed kind and key; an expired one counts as absent until swept. */
  const records = new Map<string, StoredRecord>();
  function liveRecord(kind: string, key: string): StoredRecord | undefined {
    const stored = records.get(recordHash(kind, key));
    return stored && stored.expiresAt.getTime() > Date.now() ? stored : undefined;
  }
  // A copy out, so that a caller changing what it got cannot change what is stored (a persistent store's JSON behaves so).
  const copyOf = ({ kind: _kind, ...stored }: StoredRecord): StateRecord => structuredClone(stored);
  let keys: SigningKey[] = [];

  function index(grantId: string, hash: string): void {
    // An array, not a Set: most grants hold one or two tokens, and this runs for every token issued.
    const hashes = grants.get(grantId);
    if (hashes) hashes.push(hash);
    else grants.set(grantId, [hash]);
  }

  const store: Store = {
    // The secret check, the constant-time user look-up and the client as user: src/stores/policy.ts.
    ...credentialPolicy({
      findClient: async (clientId) => clients.get(clientId) ?? null,
      findUser: async (username) => byUsername.get(username) ?? null,
    }),

    async saveToken(token: Token) {
      const { accessToken, refreshToken, refreshTokenExpiresAt, refreshTokenScope, ...rest } = token;
      const accessHash = hashToken(accessToken);
      accessTokens.set(accessHash, rest);
      index(token.grantId, accessHash);
      if (refreshToken !== undefined && refreshTokenExpiresAt !== undefined) {
        const refreshHash = hashToken(refreshToken);
        const { accessTokenExpiresAt: _unused, ...shared } = rest;
        refreshTokens.set(refreshHash, { ...shared, scope: refreshTokenScope ?? rest.scope, refreshTokenExpiresAt });
        index(token.grantId, refreshHash);
      }
      return token;
    },

    async getAccessToken(accessToken) {
      const stored = accessTokens.get(hashToken(accessToken));
      return stored ? { ...stored, accessToken } : null;
    },

    async getRefreshToken(refreshToken) {
      const stored = refreshTokens.get(hashToken(refreshToken));
      return stored ? { ...stored, refreshToken } : null;
    },

    async revokeToken(token) {
      // Keep the rotated token, marked, until it expires: a later reuse is then recognisable.
      const stored = refreshTokens.get(hashToken(token.refreshToken));
      if (!stored || stored.consumedAt) return false;
      stored.consumedAt = new Date();
      return true;
    },

    async revokeAccessToken(token) {
      return accessTokens.delete(hashToken(token.accessToken));
    },

    async revokeGrant(grantId) {
      for (const hash of grants.get(grantId) ?? []) {
        accessTokens.delete(hash);
        const refresh = refreshTokens.get(hash);
        if (refresh) refresh.consumedAt ??= new Date();
      }
    },

    async saveAuthorizationCode(code) {
      const { authorizationCode, ...rest } = code;
      codes.set(hashToken(authorizationCode), rest);
      return code;
    },

    async getAuthorizationCode(authorizationCode) {
      const stored = codes.get(hashToken(authorizationCode));
      return stored ? { ...stored, authorizationCode } : null;
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
      clients.set(client.client_id, { client, secretHash: secretHashOf(registration), secret: retrievableSecretOf(registration) });
      return client;
    },

    async deleteClient(clientId) {
      return clients.delete(clientId);
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
      const now = new Date();
      for (const [hash, token] of accessTokens) if (heldBy(holder, token)) accessTokens.delete(hash);
      for (const token of [...refreshTokens.values(), ...codes.values()]) if (heldBy(holder, token)) token.consumedAt ??= now;
      for (const key of consents.keys()) {
        const [userId, clientId] = key.split('\n');
        if (holder.userId !== undefined ? userId === holder.userId : clientId === holder.clientId) consents.delete(key);
      }
    },

    async listGrants(holder) {
      const now = Date.now();
      const live = [
        ...[...accessTokens.values()].map((token) => ({ ...token, expiresAt: token.accessTokenExpiresAt })),
        ...[...refreshTokens.values()].filter((token) => !token.consumedAt).map((token) => ({ ...token, expiresAt: token.refreshTokenExpiresAt })),
      ];
      return collectGrants(live.filter((token) => token.expiresAt.getTime() > now && heldBy(holder, token)));
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
      for (const [hash, stored] of records) {
        if (stored.kind === kind && stored.subject === subject && records.delete(hash)) deleted++;
      }
      return deleted;
    },

    async sweepExpired() {
      // In slices that yield to the event loop (src/stores/sliced-sweep.ts): at a million live tokens
      // one pass took over a second, all of it added to the latency of whatever was waiting.
      const now = Date.now();
      let swept = 0;
      swept += await sweepMap(records, (r) => r.expiresAt.getTime() <= now);
      swept += await sweepMap(usedOnce, (until) => until <= now);
      swept += await sweepMap(accessTokens, (t) => t.accessTokenExpiresAt.getTime() <= now);
      swept += await sweepMap(refreshTokens, (t) => t.refreshTokenExpiresAt.getTime() <= now);
      swept += await sweepMap(codes, (c) => c.expiresAt.getTime() <= now);
      // A grant's list is pruned in place: a token indexed under it between two slices is kept.
      await sweepMap(grants, (hashes) => {
        for (let i = hashes.length - 1; i >= 0; i--) {
          const hash = hashes[i] as string;
          if (!accessTokens.has(hash) && !refreshTokens.has(hash)) hashes.splice(i, 1);
        }
        return hashes.length === 0;
      });
      return swept;
    },

    async ping() {
      // Nothing can be down: the data lives in this process.
    },

    async close() {},
  };

  for (const client of options.clients ?? []) await store.saveClient(client);
  for (const user of options.users ?? []) await store.saveUser(user);
  return store;
}
