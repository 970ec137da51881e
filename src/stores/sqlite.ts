/**
 * The SQLite store (better-sqlite3): one file, durable once a token is answered. Same semantics as
 * the memory store; token values, codes and secrets are kept only as hashes.
 */
import { randomUUID } from 'node:crypto';
import Database from 'better-sqlite3';
import type { Store } from './store.js';
import type { AccessToken, AuthorizationCode, Client, RefreshToken, Token } from '../types.js';
import { toClient, toUser } from './memory.js';
import { createGroupCommit } from './sqlite-group-commit.js';
import { DUMMY_PASSWORD_HASH, hashPassword, hashSecret, hashToken, verifyPassword, verifySecret } from '../secrets.js';

export interface SqliteStoreOptions {
  /** The database file, created if missing (`:memory:` for a throwaway database). */
  filename: string;
}

/** What a token row keeps as JSON beside its indexed columns. */
type TokenData = Pick<Token, 'scope' | 'client' | 'user' | 'extra'>;
type CodeData = Pick<AuthorizationCode, 'scope' | 'client' | 'user' | 'redirectUri' | 'codeChallenge' | 'codeChallengeMethod'>;

/** Times are INTEGER milliseconds since the epoch: exact `Date` round trips, cheap comparisons. */
interface AccessRow {
  grant_id: string;
  expires_at: number;
  data: string;
}

/** Refresh tokens and codes are kept, marked, once consumed (reuse and replay detection). */
interface ConsumableRow extends AccessRow {
  consumed_at: number | null;
}

interface ClientRow {
  metadata: string;
  secret_hash: string | null;
}

interface UserRow {
  id: string;
  username: string;
  password_hash: string;
}

interface KeyRow {
  kid: string;
  alg: string;
  private_jwk: string;
  public_jwk: string;
  created_at: number;
  retired_at: number | null;
}

/**
 * Schema versions, applied in order; `PRAGMA user_version` records how many ran. Append, never edit:
 * a database created by an older release is brought up to date by the entries it has not seen.
 */
const MIGRATIONS: readonly string[] = [
  `
  CREATE TABLE clients (client_id TEXT PRIMARY KEY, metadata TEXT NOT NULL, secret_hash TEXT) STRICT;
  CREATE TABLE users (id TEXT PRIMARY KEY, username TEXT NOT NULL UNIQUE, password_hash TEXT NOT NULL) STRICT;
  CREATE TABLE access_tokens (
    hash TEXT PRIMARY KEY, grant_id TEXT NOT NULL, expires_at INTEGER NOT NULL, data TEXT NOT NULL
  ) STRICT, WITHOUT ROWID;
  CREATE INDEX access_tokens_grant_id ON access_tokens (grant_id);
  CREATE INDEX access_tokens_expires_at ON access_tokens (expires_at);
  CREATE TABLE refresh_tokens (
    hash TEXT PRIMARY KEY, grant_id TEXT NOT NULL, expires_at INTEGER NOT NULL,
    consumed_at INTEGER, data TEXT NOT NULL
  ) STRICT, WITHOUT ROWID;
  CREATE INDEX refresh_tokens_grant_id ON refresh_tokens (grant_id);
  CREATE INDEX refresh_tokens_expires_at ON refresh_tokens (expires_at);
  CREATE TABLE authorization_codes (
    hash TEXT PRIMARY KEY, grant_id TEXT NOT NULL, expires_at INTEGER NOT NULL,
    consumed_at INTEGER, data TEXT NOT NULL
  ) STRICT, WITHOUT ROWID;
  CREATE INDEX authorization_codes_expires_at ON authorization_codes (expires_at);
  CREATE TABLE signing_keys (
    seq INTEGER PRIMARY KEY AUTOINCREMENT, kid TEXT NOT NULL, alg TEXT NOT NULL,
    private_jwk TEXT NOT NULL, public_jwk TEXT NOT NULL, created_at INTEGER NOT NULL, retired_at INTEGER
  ) STRICT;
  CREATE TABLE consents (
    user_id TEXT NOT NULL, client_id TEXT NOT NULL, scope TEXT NOT NULL, PRIMARY KEY (user_id, client_id)
  ) STRICT, WITHOUT ROWID;
  `,
  // 2: token and code tables keep their rows in insertion order (rowid) behind a unique hash index.
  // Keyed by a random hash, a WITHOUT ROWID table scatters whole rows over random pages, and every
  // commit rewrites each of them; measured, this halves the pages a batch of new tokens writes.
  ['access_tokens', 'refresh_tokens', 'authorization_codes']
    .map(
      (table) => `
  CREATE TABLE ${table}_v2 (
    hash TEXT NOT NULL UNIQUE, grant_id TEXT NOT NULL, expires_at INTEGER NOT NULL,
    ${table === 'access_tokens' ? '' : 'consumed_at INTEGER, '}data TEXT NOT NULL
  ) STRICT;
  INSERT INTO ${table}_v2 SELECT * FROM ${table};
  DROP TABLE ${table};
  ALTER TABLE ${table}_v2 RENAME TO ${table};
  ${table === 'authorization_codes' ? '' : `CREATE INDEX ${table}_grant_id ON ${table} (grant_id);`}
  CREATE INDEX ${table}_expires_at ON ${table} (expires_at);`,
    )
    .join('\n'),
];

function migrate(db: Database.Database): void {
  // IMMEDIATE takes the write lock before reading the version, so two processes opening a new file
  // at once cannot both run the same migration.
  db.transaction(() => {
    const version = db.pragma('user_version', { simple: true }) as number;
    for (const sql of MIGRATIONS.slice(version)) db.exec(sql);
    db.pragma(`user_version = ${MIGRATIONS.length}`);
  }).immediate();
}

function optionalConsumedAt(ms: number | null): { consumedAt?: Date } {
  return ms === null ? {} : { consumedAt: new Date(ms) };
}

/** Creates a store in an SQLite file (WAL mode). Suits one process, or a few on one machine sharing the file. */
export async function createSqliteStore(options: SqliteStoreOptions): Promise<Store> {
  const db = new Database(options.filename);
  db.pragma('journal_mode = WAL');
  // A token answered with 200 must survive a crash. In WAL mode NORMAL only syncs at checkpoints, so
  // a power loss can drop the last commits; FULL syncs the WAL at every commit.
  db.pragma('synchronous = FULL');
  // Several processes may share the file: wait for the write lock instead of failing with SQLITE_BUSY.
  db.pragma('busy_timeout = 5000');
  migrate(db);
  const { write, flush } = createGroupCommit(db);

  // Prepared once; each call only binds values.
  const sql = {
    getClient: db.prepare<[string], ClientRow>('SELECT metadata, secret_hash FROM clients WHERE client_id = ?'),
    saveClient: db.prepare<[string, string, string | null]>(
      'INSERT OR REPLACE INTO clients (client_id, metadata, secret_hash) VALUES (?, ?, ?)',
    ),
    getUserByName: db.prepare<[string], UserRow>('SELECT id, username, password_hash FROM users WHERE username = ?'),
    getUserById: db.prepare<[string], UserRow>('SELECT id, username, password_hash FROM users WHERE id = ?'),
    // REPLACE removes every row that clashes on `id` or on `username`, as memory.ts's saveUser does.
    saveUser: db.prepare<[string, string, string]>('INSERT OR REPLACE INTO users (id, username, password_hash) VALUES (?, ?, ?)'),
    saveAccess: db.prepare<[string, string, number, string]>(
      'INSERT OR REPLACE INTO access_tokens (hash, grant_id, expires_at, data) VALUES (?, ?, ?, ?)',
    ),
    getAccess: db.prepare<[string], AccessRow>('SELECT grant_id, expires_at, data FROM access_tokens WHERE hash = ?'),
    deleteAccess: db.prepare<[string]>('DELETE FROM access_tokens WHERE hash = ?'),
    saveRefresh: db.prepare<[string, string, number, string]>(
      'INSERT OR REPLACE INTO refresh_tokens (hash, grant_id, expires_at, data) VALUES (?, ?, ?, ?)',
    ),
    getRefresh: db.prepare<[string], ConsumableRow>('SELECT grant_id, expires_at, consumed_at, data FROM refresh_tokens WHERE hash = ?'),
    // Check and set in one statement: of two parallel callers only one sees `changes === 1`.
    consumeRefresh: db.prepare<[number, string]>('UPDATE refresh_tokens SET consumed_at = ? WHERE hash = ? AND consumed_at IS NULL'),
    revokeGrantAccess: db.prepare<[string]>('DELETE FROM access_tokens WHERE grant_id = ?'),
    revokeGrantRefresh: db.prepare<[number, string]>(
      'UPDATE refresh_tokens SET consumed_at = ? WHERE grant_id = ? AND consumed_at IS NULL',
    ),
    saveCode: db.prepare<[string, string, number, number | null, string]>(
      'INSERT OR REPLACE INTO authorization_codes (hash, grant_id, expires_at, consumed_at, data) VALUES (?, ?, ?, ?, ?)',
    ),
    getCode: db.prepare<[string], ConsumableRow>('SELECT grant_id, expires_at, consumed_at, data FROM authorization_codes WHERE hash = ?'),
    consumeCode: db.prepare<[number, string]>(
      'UPDATE authorization_codes SET consumed_at = ? WHERE hash = ? AND consumed_at IS NULL',
    ),
    getKeys: db.prepare<[], KeyRow>(
      'SELECT kid, alg, private_jwk, public_jwk, created_at, retired_at FROM signing_keys ORDER BY seq DESC',
    ),
    retireKeys: db.prepare<[number]>('UPDATE signing_keys SET retired_at = ? WHERE retired_at IS NULL'),
    saveKey: db.prepare<[string, string, string, string, number, number | null]>(
      'INSERT INTO signing_keys (kid, alg, private_jwk, public_jwk, created_at, retired_at) VALUES (?, ?, ?, ?, ?, ?)',
    ),
    getConsent: db.prepare<[string, string], { scope: string }>('SELECT scope FROM consents WHERE user_id = ? AND client_id = ?'),
    saveConsent: db.prepare<[string, string, string]>(
      'INSERT INTO consents (user_id, client_id, scope) VALUES (?, ?, ?) ON CONFLICT (user_id, client_id) DO UPDATE SET scope = excluded.scope',
    ),
    sweepAccess: db.prepare<[number]>('DELETE FROM access_tokens WHERE expires_at <= ?'),
    sweepRefresh: db.prepare<[number]>('DELETE FROM refresh_tokens WHERE expires_at <= ?'),
    sweepCodes: db.prepare<[number]>('DELETE FROM authorization_codes WHERE expires_at <= ?'),
  };

  const saveTokenRows = db.transaction((token: Token) => {
    const { scope, client, user, extra, grantId } = token;
    const data = (scopeOf: string[]): string => JSON.stringify({ scope: scopeOf, client, user, extra } satisfies TokenData);
    sql.saveAccess.run(hashToken(token.accessToken), grantId, token.accessTokenExpiresAt.getTime(), data(scope));
    if (token.refreshToken !== undefined && token.refreshTokenExpiresAt !== undefined) {
      const refreshData = data(token.refreshTokenScope ?? scope);
      sql.saveRefresh.run(hashToken(token.refreshToken), grantId, token.refreshTokenExpiresAt.getTime(), refreshData);
    }
  });

  const revokeGrantRows = db.transaction((grantId: string) => {
    sql.revokeGrantAccess.run(grantId);
    sql.revokeGrantRefresh.run(Date.now(), grantId);
  });

  const saveKeyRows = db.transaction((key: Parameters<Store['saveSigningKey']>[0]) => {
    sql.retireKeys.run(Date.now());
    sql.saveKey.run(
      key.kid,
      key.alg,
      JSON.stringify(key.privateJwk),
      JSON.stringify(key.publicJwk),
      key.createdAt.getTime(),
      key.retiredAt?.getTime() ?? null,
    );
  });

  const sweepRows = db.transaction((now: number) => {
    return sql.sweepAccess.run(now).changes + sql.sweepRefresh.run(now).changes + sql.sweepCodes.run(now).changes;
  });

  return {
    async getClient(clientId, clientSecret) {
      const row = sql.getClient.get(clientId);
      if (!row) return null;
      // Saved already normalised by toClient.
      const client = JSON.parse(row.metadata) as Client;
      if (clientSecret === null) return client;
      if (row.secret_hash === null) return null;
      return verifySecret(clientSecret, row.secret_hash) ? client : null;
    },

    async getUser(username, password) {
      const row = sql.getUserByName.get(username);
      // Hash even for an unknown user, so the two cases take the same time (no enumeration).
      const ok = await verifyPassword(password, row?.password_hash ?? DUMMY_PASSWORD_HASH);
      return ok && row ? toUser(row.id, row.username) : null;
    },

    async getUserFromClient(client) {
      // RFC 9068 §2.2: with no resource owner, the subject is the client itself.
      return { id: client.client_id };
    },

    async saveToken(token) {
      await write(() => saveTokenRows(token));
      return token;
    },

    async getAccessToken(accessToken) {
      const row = sql.getAccess.get(hashToken(accessToken));
      if (!row) return null;
      const token: AccessToken = {
        ...(JSON.parse(row.data) as TokenData),
        accessToken,
        accessTokenExpiresAt: new Date(row.expires_at),
        grantId: row.grant_id,
      };
      return token;
    },

    async getRefreshToken(refreshToken) {
      const row = sql.getRefresh.get(hashToken(refreshToken));
      if (!row) return null;
      // `extra` rides along (as in memory.ts) so a rotation can carry it to the new pair.
      const token: RefreshToken & Pick<Token, 'extra'> = {
        ...(JSON.parse(row.data) as TokenData),
        refreshToken,
        refreshTokenExpiresAt: new Date(row.expires_at),
        grantId: row.grant_id,
        ...optionalConsumedAt(row.consumed_at),
      };
      return token;
    },

    async revokeToken(token) {
      // Keep the rotated token, marked, until it expires: a later reuse is then recognisable (RFC 9700 §4.14.2).
      return write(() => sql.consumeRefresh.run(Date.now(), hashToken(token.refreshToken)).changes === 1);
    },

    async revokeAccessToken(token) {
      return write(() => sql.deleteAccess.run(hashToken(token.accessToken)).changes === 1);
    },

    async revokeGrant(grantId) {
      await write(() => revokeGrantRows(grantId));
    },

    async saveAuthorizationCode(code) {
      const { authorizationCode, expiresAt, grantId, consumedAt, ...data } = code;
      await write(() =>
        sql.saveCode.run(
          hashToken(authorizationCode),
          grantId,
          expiresAt.getTime(),
          consumedAt?.getTime() ?? null,
          JSON.stringify(data satisfies CodeData),
        ),
      );
      return code;
    },

    async getAuthorizationCode(authorizationCode) {
      const row = sql.getCode.get(hashToken(authorizationCode));
      if (!row) return null;
      const code: AuthorizationCode = {
        ...(JSON.parse(row.data) as CodeData),
        authorizationCode,
        expiresAt: new Date(row.expires_at),
        grantId: row.grant_id,
        ...optionalConsumedAt(row.consumed_at),
      };
      return code;
    },

    async revokeAuthorizationCode(code) {
      // RFC 6749 §4.1.2: single use. The conditional UPDATE is the atomic check-and-set.
      return write(() => sql.consumeCode.run(Date.now(), hashToken(code.authorizationCode)).changes === 1);
    },

    async saveClient(registration) {
      const client = toClient(registration);
      const secret = registration.client_secret;
      await write(() => sql.saveClient.run(client.client_id, JSON.stringify(client), secret === undefined ? null : hashSecret(secret)));
      return client;
    },

    async saveUser(registration) {
      const passwordHash = await hashPassword(registration.password);
      // Read and write in one synchronous step: better-sqlite3 is synchronous, so nothing interleaves.
      const id = await write(() => {
        const chosen = registration.id ?? sql.getUserByName.get(registration.username)?.id ?? randomUUID();
        sql.saveUser.run(chosen, registration.username, passwordHash);
        return chosen;
      });
      return toUser(id, registration.username);
    },

    async getUserById(id) {
      const row = sql.getUserById.get(id);
      return row ? toUser(row.id, row.username) : null;
    },

    async getSigningKeys() {
      return sql.getKeys.all().map((row) => ({
        kid: row.kid,
        alg: row.alg,
        privateJwk: JSON.parse(row.private_jwk) as Record<string, unknown>,
        publicJwk: JSON.parse(row.public_jwk) as Record<string, unknown>,
        createdAt: new Date(row.created_at),
        ...(row.retired_at === null ? {} : { retiredAt: new Date(row.retired_at) }),
      }));
    },

    async saveSigningKey(key) {
      await write(() => saveKeyRows(key));
    },

    async getConsent(userId, clientId) {
      const row = sql.getConsent.get(userId, clientId);
      return row ? (JSON.parse(row.scope) as string[]) : null;
    },

    async saveConsent(userId, clientId, scope) {
      await write(() => sql.saveConsent.run(userId, clientId, JSON.stringify(scope)));
    },

    async sweepExpired() {
      return write(() => sweepRows(Date.now()));
    },

    async close() {
      flush();
      db.close();
    },
  };
}
