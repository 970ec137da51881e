/**
 * The SQLite store (better-sqlite3): one file, durable once a token is answered. Same semantics as
 * the memory store; token values, codes and secrets are kept only as hashes.
 */
import { randomUUID } from 'node:crypto';
import { closeSync, mkdirSync, openSync, statSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, resolve } from 'node:path';
import Database from 'better-sqlite3';
import type { Store, TokenHolder, UserListing } from './store.js';
import type { AccessToken, AuthorizationCode, Client, RefreshToken, Token } from '../types.js';
import type { SigningKey } from '../tokens/signing-keys.js';
import { createGroupCommit } from './sqlite-group-commit.js';
import { createSqliteSweep } from './sqlite-sweep.js';
import { startCheckpointer } from './sqlite-checkpointer.js';
import type { Checkpointer } from './sqlite-checkpointer.js';
import { createReadCache } from './sqlite-read-cache.js';
import { changeLogSchema, createChangeLog } from './sqlite-change-log.js';
import type { LoggedTable } from './sqlite-change-log.js';
import { sqliteSynchronous } from './sqlite-synchronous.js';
import type { SqliteSynchronous } from './sqlite-synchronous.js';
import { hashToken } from '../secrets.js';
import { credentialPolicy } from './policy.js';
import { collectGrants, optionalConsumedAt, passwordHashOf, recordHash, retrievableSecretOf, secretHashOf, toClient, toStateRecord, toUser, withClient } from './records.js';
import type { CodeData, StateRow, StoredData, TokenData } from './records.js';
import { errorCode, guardUnavailable, storeUnavailable } from './unavailable.js';

export type * from './store.js';
export type { SqliteSynchronous } from './sqlite-synchronous.js';

/** Options of `createSqliteStore`: the database file and its durability. */
export interface SqliteStoreOptions {
  /** The database file, created if missing (`:memory:` for a throwaway database). */
  filename: string;
  /** `full` (the default) or `normal`: what a crash may lose, see `SqliteSynchronous` and docs/stores.md. */
  synchronous?: SqliteSynchronous;
}

/**
 * Times are INTEGER milliseconds since the epoch: exact `Date` round trips, cheap comparisons. `metadata`
 * is the client's registration, joined from `clients` (null for a client the store does not hold).
 */
interface AccessRow {
  grant_id: string;
  expires_at: number;
  data: string;
  metadata: string | null;
}

/** Refresh tokens and codes are kept, marked, once consumed (reuse and replay detection). */
interface ConsumableRow extends AccessRow {
  consumed_at: number | null;
}

interface ClientRow {
  metadata: string;
  secret_hash: string | null;
  /** The secret itself: a client_secret_jwt client's only (src/stores/records.ts `retrievableSecretOf`). */
  secret: string | null;
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
  withdrawn_at: number | null;
}

/** A token's or code's holder: its client's column, its user read out of its JSON (the same expression as the index, so the queries use it). */
const HOLDER_COLUMN = {
  clientId: 'client_id',
  userId: "json_extract(data, '$.user.id')",
} as const;

/** The tables whose rows name a client: since schema 8 by a `client_id` column, with no copy of a registered client. */
const CLIENT_TABLES = ['access_tokens', 'refresh_tokens', 'authorization_codes'];

/** The tables whose rows a connection keeps in memory (its read caches), logged when they change. */
const CACHED_TABLES: readonly LoggedTable[] = [
  { table: 'access_tokens', key: 'hash', expiresAt: 'expires_at' },
  { table: 'clients', key: 'client_id' },
];

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
  // 3: the replay cache of single-use values (Store.useOnce).
  `
  CREATE TABLE used_once (hash TEXT PRIMARY KEY, expires_at INTEGER NOT NULL) STRICT, WITHOUT ROWID;
  CREATE INDEX used_once_expires_at ON used_once (expires_at);`,
  // 4: short-lived state records (Store.putRecord and the rest), keyed by the hash of kind and key.
  `
  CREATE TABLE state_records (
    hash TEXT PRIMARY KEY, kind TEXT NOT NULL, subject TEXT, version INTEGER NOT NULL,
    expires_at INTEGER NOT NULL, value TEXT NOT NULL
  ) STRICT, WITHOUT ROWID;
  CREATE INDEX state_records_subject ON state_records (kind, subject) WHERE subject IS NOT NULL;
  CREATE INDEX state_records_expires_at ON state_records (expires_at);`,
  // 5: where each user came from (NULL: saved before this, from the config), and each token's and
  // code's client and user indexed out of its JSON, so one holder's tokens are revoked without a scan.
  `
  ALTER TABLE users ADD COLUMN source TEXT;
  CREATE INDEX consents_client_id ON consents (client_id);
  ${CLIENT_TABLES.map(
    (table) => `
  CREATE INDEX ${table}_client_id ON ${table} (json_extract(data, '$.client.client_id'));
  CREATE INDEX ${table}_user_id ON ${table} (${HOLDER_COLUMN.userId});`,
  ).join('')}`,
  // 6: the secret itself, kept only for client_secret_jwt clients, whose assertions are HMACs keyed with it (RFC 7523 §2.2).
  `
  ALTER TABLE clients ADD COLUMN secret TEXT;`,
  // 7: a signing key withdrawn by `tollgate keys retire` stays (for its neighbours' timing) but is never published.
  `
  ALTER TABLE signing_keys ADD COLUMN withdrawn_at INTEGER;`,
  // 8: a row names its client by id instead of carrying a copy of its registration (43% of a token row,
  // and pages every commit writes); the registration is joined from `clients` when read, so an update
  // reaches every token at once, as in the memory store. A client the store does not hold (one
  // described by a client ID metadata document) keeps its copy in the row.
  CLIENT_TABLES.map(
    (table) => `
  ALTER TABLE ${table} ADD COLUMN client_id TEXT;
  UPDATE ${table} SET client_id = json_extract(data, '$.client.client_id');
  UPDATE ${table} SET data = json_remove(data, '$.client') WHERE client_id IN (SELECT client_id FROM clients);
  DROP INDEX ${table}_client_id;
  CREATE INDEX ${table}_client_id ON ${table} (client_id);`,
  ).join('\n'),
  // 9: the keys of cached rows other connections change, so a cache forgets those, not everything
  // (sqlite-change-log.ts).
  changeLogSchema(CACHED_TABLES),
];

function migrate(db: Database.Database): void {
  // IMMEDIATE takes the write lock before reading the version, so two processes opening a new file
  // at once cannot both run the same migration.
  db.transaction(() => {
    const version = db.pragma('user_version', { simple: true }) as number;
    for (const sql of MIGRATIONS.slice(version)) db.exec(sql);
    // Never lowered: a later release's file keeps its number, or that release would run its migrations again.
    if (version < MIGRATIONS.length) db.pragma(`user_version = ${MIGRATIONS.length}`);
  }).immediate();
}

/**
 * SQLite errors that mean the database cannot serve or cannot write now (disk full, read-only file or
 * mount, I/O error, file not openable): answered 503, not 500. Extended codes share the prefix
 * (`SQLITE_READONLY_DBMOVED`, `SQLITE_IOERR_WRITE`, …).
 */
const UNAVAILABLE = /^SQLITE_(FULL|READONLY|IOERR|CANTOPEN)/;

function isSqliteUnavailable(err: unknown): boolean {
  return UNAVAILABLE.test(errorCode(err) ?? '');
}

/** A row's JSON with its client (records.ts `withClient`); the joined registration is parsed only for a row without a copy. */
function rowWithClient<T extends { client: Client }>(row: Pick<AccessRow, 'data' | 'metadata'>): T | null {
  const data = JSON.parse(row.data) as StoredData<T>;
  return withClient(data, data.client !== undefined || row.metadata === null ? null : (JSON.parse(row.metadata) as Client));
}

/**
 * Access tokens whose bearer checks are answered from memory while the database is unchanged, each
 * with its client's registration parsed: 3.4 MiB of heap for 4096 tokens of the bench's client
 * (about 860 bytes a token; a larger registration weighs more).
 */
const RECENT_ACCESS_TOKENS = 4096;
/** Clients kept the same way: a registration each, parsed. */
const RECENT_CLIENTS = 1024;

/** The one U32 SQLite keeps for its owner in the header ("tllg"); `ping` rewrites it to prove a write. */
const APPLICATION_ID = 0x746c6c67;

/** Whether `filename` names a file on disk (not `:memory:` or an anonymous temporary database). */
function onDisk(filename: string): boolean {
  return filename !== ':memory:' && filename !== '';
}

/**
 * Hands the WAL checkpoints to a worker thread (sqlite-checkpointer.ts), so the serving thread never
 * runs one. This connection takes them back (SQLite's own, every 1000 pages) if the worker cannot start
 * or dies.
 */
async function checkpointInWorker(db: Database.Database, filename: string, synchronous: 'FULL' | 'NORMAL'): Promise<Checkpointer | undefined> {
  const checkpointHere = (error: unknown): void => {
    console.error(`tollgate: SQLite checkpoints of ${filename} run on the serving thread (the worker thread for them failed: ${error instanceof Error ? error.message : String(error)})`);
    if (db.open) db.pragma('wal_autocheckpoint = 1000');
  };
  try {
    const checkpointer = await startCheckpointer({
      filename,
      driver: createRequire(import.meta.url).resolve('better-sqlite3'),
      synchronous,
      onFailure: checkpointHere,
    });
    db.pragma('wal_autocheckpoint = 0');
    return checkpointer;
  } catch (error) {
    checkpointHere(error);
    return undefined;
  }
}

/**
 * Creates the file, and its directory when missing, readable by this user only: the file holds the
 * JWT private keys and token hashes (SECURITY-CHECKLIST: files 0600 in a 0700 directory). SQLite
 * gives the `-wal` and `-shm` files the mode of the database file, so they are 0600 too.
 */
function createPrivately(filename: string): void {
  mkdirSync(dirname(resolve(filename)), { recursive: true, mode: 0o700 });
  try {
    closeSync(openSync(filename, 'wx', 0o600));
  } catch (err) {
    if (errorCode(err) !== 'EEXIST') throw err;
  }
}

/** Creates a store in an SQLite file (WAL mode). Suits one process, or a few on one machine sharing the file. */
export async function createSqliteStore(options: SqliteStoreOptions): Promise<Store> {
  const { filename } = options;
  // Checked before the file is created: a typo must neither lower durability silently nor reach a PRAGMA.
  const synchronous = sqliteSynchronous(options.synchronous ?? 'full', 'synchronous');
  if (onDisk(filename)) createPrivately(filename);
  const db = new Database(filename);
  /**
   * The file this connection opened, by device and inode. If it is deleted or replaced, SQLite keeps
   * writing to the unlinked inode and every token is lost at the next restart; so each write batch
   * and each ping compares, and refuses with 503 and one log line instead.
   */
  const opened = onDisk(filename) ? statSync(filename) : undefined;
  let reportedGone = false;
  function checkFile(): void {
    if (opened === undefined) return;
    const now = statSync(filename, { throwIfNoEntry: false });
    if (now !== undefined && now.ino === opened.ino && now.dev === opened.dev) return;
    const what = now === undefined ? 'was deleted' : 'was replaced by another file';
    const err = new Error(`the SQLite database file ${filename} ${what} while open; restart tollgate to use the file now at that path`);
    if (!reportedGone) {
      reportedGone = true;
      console.error(`tollgate: ${err.message}`);
    }
    throw storeUnavailable(err);
  }
  db.pragma('journal_mode = WAL');
  // A token answered with 200 must survive a crash. FULL syncs the WAL at every commit; NORMAL, chosen
  // by config only, syncs at checkpoints, so a power loss or an OS crash can drop the last commits.
  const syncLevel = synchronous === 'normal' ? 'NORMAL' : 'FULL';
  db.pragma(`synchronous = ${syncLevel}`);
  // Several processes may share the file: wait up to 5 s for the write lock instead of failing with
  // SQLITE_BUSY (the group commit's writes wait off the event loop, see sqlite-group-commit.ts).
  db.pragma('busy_timeout = 5000');
  migrate(db);
  const { write, flush } = createGroupCommit(db, { beforeBatch: checkFile });
  const checkpointer = onDisk(filename) ? await checkpointInWorker(db, filename, syncLevel) : undefined;

  // Prepared once; each call only binds values.
  const sql = {
    getClient: db.prepare<[string], ClientRow>('SELECT metadata, secret_hash, secret FROM clients WHERE client_id = ?'),
    deleteClient: db.prepare<[string]>('DELETE FROM clients WHERE client_id = ?'),
    saveClient: db.prepare<[string, string, string | null, string | null]>(
      'INSERT OR REPLACE INTO clients (client_id, metadata, secret_hash, secret) VALUES (?, ?, ?, ?)',
    ),
    getUserByName: db.prepare<[string], UserRow>('SELECT id, username, password_hash FROM users WHERE username = ?'),
    getUserById: db.prepare<[string], UserRow>('SELECT id, username, password_hash FROM users WHERE id = ?'),
    // REPLACE removes every row that clashes on `id` or on `username`, as memory.ts's saveUser does.
    saveUser: db.prepare<[string, string, string, string]>(
      'INSERT OR REPLACE INTO users (id, username, password_hash, source) VALUES (?, ?, ?, ?)',
    ),
    listClients: db.prepare<[], Pick<ClientRow, 'metadata'>>('SELECT metadata FROM clients ORDER BY client_id'),
    listUsers: db.prepare<[], { id: string; username: string; source: UserListing['source'] | null }>(
      'SELECT id, username, source FROM users ORDER BY username',
    ),
    deleteUser: db.prepare<[string]>('DELETE FROM users WHERE id = ?'),
    isRegistered: db.prepare<[string], unknown>('SELECT 1 FROM clients WHERE client_id = ?').pluck(),
    saveAccess: db.prepare<[string, string, number, string, string]>(
      'INSERT OR REPLACE INTO access_tokens (hash, grant_id, expires_at, client_id, data) VALUES (?, ?, ?, ?, ?)',
    ),
    getAccess: db.prepare<[string], AccessRow>(
      'SELECT grant_id, expires_at, data, metadata FROM access_tokens LEFT JOIN clients USING (client_id) WHERE hash = ?',
    ),
    deleteAccess: db.prepare<[string]>('DELETE FROM access_tokens WHERE hash = ?'),
    saveRefresh: db.prepare<[string, string, number, string, string]>(
      'INSERT OR REPLACE INTO refresh_tokens (hash, grant_id, expires_at, client_id, data) VALUES (?, ?, ?, ?, ?)',
    ),
    getRefresh: db.prepare<[string], ConsumableRow>(
      'SELECT grant_id, expires_at, consumed_at, data, metadata FROM refresh_tokens LEFT JOIN clients USING (client_id) WHERE hash = ?',
    ),
    // Check and set in one statement: of two parallel callers only one sees `changes === 1`.
    consumeRefresh: db.prepare<[number, string]>('UPDATE refresh_tokens SET consumed_at = ? WHERE hash = ? AND consumed_at IS NULL'),
    revokeGrantAccess: db.prepare<[string]>('DELETE FROM access_tokens WHERE grant_id = ?'),
    revokeGrantRefresh: db.prepare<[number, string]>(
      'UPDATE refresh_tokens SET consumed_at = ? WHERE grant_id = ? AND consumed_at IS NULL',
    ),
    saveCode: db.prepare<[string, string, number, number | null, string, string]>(
      'INSERT OR REPLACE INTO authorization_codes (hash, grant_id, expires_at, consumed_at, client_id, data) VALUES (?, ?, ?, ?, ?, ?)',
    ),
    getCode: db.prepare<[string], ConsumableRow>(
      'SELECT grant_id, expires_at, consumed_at, data, metadata FROM authorization_codes LEFT JOIN clients USING (client_id) WHERE hash = ?',
    ),
    consumeCode: db.prepare<[number, string]>(
      'UPDATE authorization_codes SET consumed_at = ? WHERE hash = ? AND consumed_at IS NULL',
    ),
    getKeys: db.prepare<[], KeyRow>(
      'SELECT kid, alg, private_jwk, public_jwk, created_at, retired_at, withdrawn_at FROM signing_keys ORDER BY seq DESC',
    ),
    retireKeys: db.prepare<[number]>('UPDATE signing_keys SET retired_at = ? WHERE retired_at IS NULL'),
    withdrawKey: db.prepare<[number, string]>('UPDATE signing_keys SET withdrawn_at = ? WHERE kid = ? AND withdrawn_at IS NULL'),
    saveKey: db.prepare<[string, string, string, string, number, number | null]>(
      'INSERT INTO signing_keys (kid, alg, private_jwk, public_jwk, created_at, retired_at) VALUES (?, ?, ?, ?, ?, ?)',
    ),
    getConsent: db.prepare<[string, string], { scope: string }>('SELECT scope FROM consents WHERE user_id = ? AND client_id = ?'),
    saveConsent: db.prepare<[string, string, string]>(
      'INSERT INTO consents (user_id, client_id, scope) VALUES (?, ?, ?) ON CONFLICT (user_id, client_id) DO UPDATE SET scope = excluded.scope',
    ),
    // Inserted, or taken over once expired: `changes === 1` only for the one caller that marked it.
    useOnce: db.prepare<[string, number, number]>(
      'INSERT INTO used_once (hash, expires_at) VALUES (?, ?) ON CONFLICT (hash) DO UPDATE SET expires_at = excluded.expires_at WHERE used_once.expires_at <= ?',
    ),
    // Created, or taking the place of an expired one: `changes === 1` only then.
    putRecord: db.prepare<[string, string, string | null, number, string, number]>(
      `INSERT INTO state_records (hash, kind, subject, version, expires_at, value) VALUES (?, ?, ?, 1, ?, ?)
       ON CONFLICT (hash) DO UPDATE SET subject = excluded.subject, version = 1, expires_at = excluded.expires_at, value = excluded.value
       WHERE state_records.expires_at <= ?`,
    ),
    getRecord: db.prepare<[string, number], StateRow>(
      'SELECT subject, version, expires_at, value FROM state_records WHERE hash = ? AND expires_at > ?',
    ),
    replaceRecord: db.prepare<[string, string, number, number]>(
      'UPDATE state_records SET value = ?, version = version + 1 WHERE hash = ? AND version = ? AND expires_at > ?',
    ),
    takeRecord: db.prepare<[string, number], StateRow>(
      'DELETE FROM state_records WHERE hash = ? AND expires_at > ? RETURNING subject, version, expires_at, value',
    ),
    deleteRecords: db.prepare<[string, string]>('DELETE FROM state_records WHERE kind = ? AND subject = ?'),
    stamp: db.prepare(`PRAGMA application_id = ${APPLICATION_ID}`),
  };

  /** The client a row keeps a copy of: none for a registered client, joined from `clients` when read (schema 8). Runs inside the write. */
  const clientCopy = (client: Client): Client | undefined => (sql.isRegistered.get(client.client_id) === undefined ? client : undefined);
  const tokenData = ({ client, user, extra }: Token, scope: string[]): string =>
    JSON.stringify({ scope, client: clientCopy(client), user, extra } satisfies StoredData<TokenData>);
  const saveAccessRow = (token: Token): void => {
    sql.saveAccess.run(hashToken(token.accessToken), token.grantId, token.accessTokenExpiresAt.getTime(), token.client.client_id, tokenData(token, token.scope));
  };
  // A pair is saved whole or not at all: its two rows share a savepoint inside the batch. A lone
  // access token is one statement, atomic by itself, and skips the savepoint's two extra statements.
  const saveTokenPair = db.transaction((token: Token, refreshToken: string, refreshTokenExpiresAt: Date) => {
    saveAccessRow(token);
    sql.saveRefresh.run(
      hashToken(refreshToken),
      token.grantId,
      refreshTokenExpiresAt.getTime(),
      token.client.client_id,
      tokenData(token, token.refreshTokenScope ?? token.scope),
    );
  });

  const revokeGrantRows = db.transaction((grantId: string) => {
    sql.revokeGrantAccess.run(grantId);
    sql.revokeGrantRefresh.run(Date.now(), grantId);
  });

  /** The statements that revoke and list one holder's tokens, by client or by user. */
  function holderStatements(by: keyof typeof HOLDER_COLUMN) {
    const holder = HOLDER_COLUMN[by];
    return {
      deleteAccess: db.prepare<[string]>(`DELETE FROM access_tokens WHERE ${holder} = ?`),
      consumeRefresh: db.prepare<[number, string]>(`UPDATE refresh_tokens SET consumed_at = ? WHERE ${holder} = ? AND consumed_at IS NULL`),
      consumeCodes: db.prepare<[number, string]>(`UPDATE authorization_codes SET consumed_at = ? WHERE ${holder} = ? AND consumed_at IS NULL`),
      deleteConsents: db.prepare<[string]>(`DELETE FROM consents WHERE ${by === 'clientId' ? 'client_id' : 'user_id'} = ?`),
      liveTokens: db.prepare<[string, number, string, number], AccessRow>(
        `SELECT grant_id, expires_at, data, metadata FROM access_tokens LEFT JOIN clients USING (client_id) WHERE ${holder} = ? AND expires_at > ?
         UNION ALL
         SELECT grant_id, expires_at, data, metadata FROM refresh_tokens LEFT JOIN clients USING (client_id)
         WHERE ${holder} = ? AND expires_at > ? AND consumed_at IS NULL`,
      ),
    };
  }
  const byHolder = { clientId: holderStatements('clientId'), userId: holderStatements('userId') };
  const holderOf = (holder: TokenHolder) =>
    holder.userId !== undefined ? { id: holder.userId, sql: byHolder.userId } : { id: holder.clientId, sql: byHolder.clientId };

  const revokeHolderRows = db.transaction((holder: TokenHolder) => {
    const { id, sql: statements } = holderOf(holder);
    const now = Date.now();
    statements.deleteAccess.run(id);
    statements.consumeRefresh.run(now, id);
    statements.consumeCodes.run(now, id);
    statements.deleteConsents.run(id);
  });

  // RFC 7592 §2.3: a deleted client's tokens, codes and consents go with it, in the same transaction.
  const deleteClientRows = db.transaction((clientId: string): boolean => {
    const existed = sql.deleteClient.run(clientId).changes === 1;
    revokeHolderRows({ clientId });
    return existed;
  });

  const saveKeyRows = db.transaction((key: SigningKey) => {
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

  /** What other connections change in the rows the read caches below keep. */
  const changes = createChangeLog(db);
  const sweepExpired = createSqliteSweep(db, write, changes.prune);
  const readClient = (clientId: string) => {
    const row = sql.getClient.get(clientId);
    // Saved already normalised by toClient.
    return row && { client: JSON.parse(row.metadata) as Client, secretHash: row.secret_hash, secret: row.secret };
  };
  /** Clients recently looked up (each token request's), parsed, while their rows are unchanged (sqlite-read-cache.ts). */
  const recentClients = createReadCache<NonNullable<ReturnType<typeof readClient>>>(db, changes, {
    table: 'clients',
    key: 'client_id',
    joined: [],
    name: 'tollgate_recent_clients',
    capacity: RECENT_CLIENTS,
  });
  const readAccess = (hash: string) => {
    const row = sql.getAccess.get(hash);
    const data = row && rowWithClient<TokenData>(row);
    return data ? { data, expiresAt: row.expires_at, grantId: row.grant_id } : undefined;
  };
  /** Bearer checks of recently used tokens, without the indexed read while nothing changed (sqlite-read-cache.ts). */
  const recentAccess = createReadCache<NonNullable<ReturnType<typeof readAccess>>>(db, changes, {
    table: 'access_tokens',
    key: 'hash',
    joined: ['clients'],
    name: 'tollgate_recent_access',
    capacity: RECENT_ACCESS_TOKENS,
  });

  const store: Store = {
    // The secret check, the constant-time user look-up and the client as user: src/stores/policy.ts.
    ...credentialPolicy({
      async findClient(clientId) {
        return recentClients.lookup(clientId, readClient) ?? null;
      },
      async findUser(username) {
        const row = sql.getUserByName.get(username);
        return row ? { user: toUser(row.id, row.username), passwordHash: row.password_hash } : null;
      },
    }),

    async saveToken(token) {
      const { refreshToken, refreshTokenExpiresAt } = token;
      await write(() =>
        refreshToken !== undefined && refreshTokenExpiresAt !== undefined
          ? saveTokenPair(token, refreshToken, refreshTokenExpiresAt)
          : saveAccessRow(token),
      );
      return token;
    },

    async getAccessToken(accessToken) {
      const found = recentAccess.lookup(hashToken(accessToken), readAccess);
      if (!found) return null;
      // A new object each time, as memory.ts answers: a caller's change to it reaches no other caller.
      const token: AccessToken = {
        ...found.data,
        accessToken,
        accessTokenExpiresAt: new Date(found.expiresAt),
        grantId: found.grantId,
      };
      return token;
    },

    async getRefreshToken(refreshToken) {
      const row = sql.getRefresh.get(hashToken(refreshToken));
      const data = row && rowWithClient<TokenData>(row);
      if (!data) return null;
      // `extra` rides along (as in memory.ts) so a rotation can carry it to the new pair.
      const token: RefreshToken & Pick<Token, 'extra'> = {
        ...data,
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
          data.client.client_id,
          JSON.stringify({ ...data, client: clientCopy(data.client) } satisfies StoredData<CodeData>),
        ),
      );
      return code;
    },

    async getAuthorizationCode(authorizationCode) {
      const row = sql.getCode.get(hashToken(authorizationCode));
      const data = row && rowWithClient<CodeData>(row);
      if (!data) return null;
      const code: AuthorizationCode = {
        ...data,
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
      // Checked before the write: a malformed pre-hashed secret must not fail the batch it would share.
      const secretHash = secretHashOf(registration);
      const secret = retrievableSecretOf(registration);
      await write(() => sql.saveClient.run(client.client_id, JSON.stringify(client), secretHash, secret));
      return client;
    },

    async deleteClient(clientId) {
      return write(() => deleteClientRows(clientId));
    },

    async saveUser(registration) {
      const passwordHash = await passwordHashOf(registration);
      // Read and write in one synchronous step: better-sqlite3 is synchronous, so nothing interleaves.
      const id = await write(() => {
        const chosen = registration.id ?? sql.getUserByName.get(registration.username)?.id ?? randomUUID();
        sql.saveUser.run(chosen, registration.username, passwordHash, registration.source ?? 'config');
        return chosen;
      });
      return toUser(id, registration.username);
    },

    async getUserById(id) {
      const row = sql.getUserById.get(id);
      return row ? toUser(row.id, row.username) : null;
    },

    async listClients() {
      return sql.listClients.all().map((row) => JSON.parse(row.metadata) as Client);
    },

    async listUsers() {
      return sql.listUsers.all().map(({ id, username, source }) => ({ id, username, source: source ?? 'config' }));
    },

    async deleteUser(id) {
      return write(() => sql.deleteUser.run(id).changes === 1);
    },

    async revokeTokensOf(holder) {
      await write(() => revokeHolderRows(holder));
    },

    async listGrants(holder) {
      const { id, sql: statements } = holderOf(holder);
      const now = Date.now();
      const rows = statements.liveTokens.all(id, now, id, now).flatMap((row) => {
        const data = rowWithClient<TokenData>(row);
        return data ? [{ ...data, clientId: data.client.client_id, grantId: row.grant_id, expiresAt: new Date(row.expires_at) }] : [];
      });
      return collectGrants(rows);
    },

    async getSigningKeys() {
      return sql.getKeys.all().map((row) => ({
        kid: row.kid,
        alg: row.alg,
        privateJwk: JSON.parse(row.private_jwk) as Record<string, unknown>,
        publicJwk: JSON.parse(row.public_jwk) as Record<string, unknown>,
        createdAt: new Date(row.created_at),
        ...(row.retired_at === null ? {} : { retiredAt: new Date(row.retired_at) }),
        ...(row.withdrawn_at === null ? {} : { withdrawnAt: new Date(row.withdrawn_at) }),
      }));
    },

    async saveSigningKey(key) {
      await write(() => saveKeyRows(key));
    },

    async withdrawSigningKey(kid) {
      return write(() => sql.withdrawKey.run(Date.now(), kid).changes > 0);
    },

    async getConsent(userId, clientId) {
      const row = sql.getConsent.get(userId, clientId);
      return row ? (JSON.parse(row.scope) as string[]) : null;
    },

    async saveConsent(userId, clientId, scope) {
      await write(() => sql.saveConsent.run(userId, clientId, JSON.stringify(scope)));
    },

    async useOnce(value, expiresAt) {
      return write(() => sql.useOnce.run(hashToken(value), expiresAt.getTime(), Date.now()).changes === 1);
    },

    async putRecord(kind, key, value, { expiresAt, subject }) {
      const now = Date.now();
      const row = [recordHash(kind, key), kind, subject ?? null, expiresAt.getTime(), JSON.stringify(value), now] as const;
      return write(() => sql.putRecord.run(...row).changes === 1);
    },

    async getRecord(kind, key) {
      const row = sql.getRecord.get(recordHash(kind, key), Date.now());
      return row ? toStateRecord(row) : null;
    },

    async replaceRecord(kind, key, version, value) {
      const json = JSON.stringify(value);
      return write(() => sql.replaceRecord.run(json, recordHash(kind, key), version, Date.now()).changes === 1);
    },

    async takeRecord(kind, key) {
      const row = await write(() => sql.takeRecord.get(recordHash(kind, key), Date.now()));
      return row ? toStateRecord(row) : null;
    },

    async deleteRecords(kind, subject) {
      return write(() => sql.deleteRecords.run(kind, subject).changes);
    },

    sweepExpired,

    async ping() {
      // A real write: rewriting the header's application id commits one page through the group
      // commit (and its fsync), so a full disk, a read-only file or a vanished file fails here.
      checkFile();
      await write(() => sql.stamp.run());
    },

    async close() {
      flush();
      db.close();
      // After the close, so that nothing else (a sweep under way) goes on while the worker exits.
      await checkpointer?.stop();
    },
  };
  return guardUnavailable(store, isSqliteUnavailable);
}
