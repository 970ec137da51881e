/**
 * The PostgreSQL store (pg): for several tollgate processes sharing one database. Same semantics as
 * the memory store; token values, codes and secrets are kept only as hashes.
 */
import { randomUUID } from 'node:crypto';
import type { Pool, PoolClient, QueryResult, QueryResultRow } from 'pg';
import type { Store, TokenHolder, UserListing } from './store.js';
import type { AccessToken, AuthorizationCode, Client, RefreshToken, Token } from '../types.js';
import type { SigningKey } from '../tokens/signing-keys.js';
import { hashToken } from '../secrets.js';
import { credentialPolicy, isLookupKey } from './policy.js';
import { collectGrants, optionalConsumedAt, passwordHashOf, recordHash, registeredClients, retrievableSecretOf, secretHashOf, toClient, toStateRecord, toUser, withClient } from './records.js';
import type { CodeData, StateRow, StoredData, TokenData } from './records.js';
import { errorCode, guardUnavailable, isNetworkError } from './unavailable.js';
import { createTurnBatch } from './turn-batch.js';
import { importPeer } from '../peer.js';

// Every type of the Store contract, the same from each store's entry.
export type * from './store.js';

/** The requests' limits a connection URL may carry, taken out of it (`takeRequestLimits`). */
interface RequestLimits {
  connectionString: string;
  queryTimeoutMs?: number;
  statementTimeoutMs?: number;
  lockTimeoutMs?: number;
}

/**
 * pg reads `query_timeout`, `statement_timeout` and `lock_timeout` from a connection URL as well, and
 * a URL's value wins over the Pool's own option: `?query_timeout=100` cut a query that
 * `query_timeout: 5000` allowed. Taken out of the URL here, so they limit the requests' queries (for
 * `query_timeout` as `queryTimeoutMs` does, which still wins) and never reach the maintenance
 * connection, whose migrations and sweeps must not be cut short (`statement_timeout` and
 * `lock_timeout` are sent to PostgreSQL when a connection opens, so they would hold for its every
 * statement). A connection string that is not a URL is left as it is.
 */
function takeRequestLimits(connectionString: string): RequestLimits {
  let url: URL;
  try {
    url = new URL(connectionString);
  } catch {
    return { connectionString };
  }
  /** The parameter's last value, as pg itself reads a repeated one; gone from the URL. */
  const take = (name: string): string | undefined => {
    const given = url.searchParams.getAll(name).at(-1);
    url.searchParams.delete(name);
    return given;
  };
  const query = take('query_timeout');
  // pg's own reading of these two: parseInt, and no limit sent when that gives 0 or NaN.
  const statement = take('statement_timeout');
  const lock = take('lock_timeout');
  const found = [query, statement, lock].some((value) => value !== undefined);
  return {
    connectionString: found ? url.href : connectionString,
    ...(query !== undefined && { queryTimeoutMs: Number(query) }),
    ...(statement !== undefined && { statementTimeoutMs: Number.parseInt(statement, 10) }),
    ...(lock !== undefined && { lockTimeoutMs: Number.parseInt(lock, 10) }),
  };
}

/** Options of `createPostgresStore`: the database, schema and connection pool. */
export interface PostgresStoreOptions {
  /** e.g. `postgres://user:password@host:5432/db`. */
  connectionString: string;
  /** The schema holding tollgate's tables, created if missing. Default `public`. */
  schema?: string;
  /** Most connections the pool opens. Default 10. */
  poolSize?: number;
  /** Milliseconds to wait for a connection (a new one, or a free one of the pool) before answering 503. Default 5000. */
  connectTimeoutMs?: number;
  /**
   * Milliseconds a query may wait for its answer before it answers 503 and its connection is closed
   * (taken for dead) and replaced. Default: the connection URL's `?query_timeout=` (pg's own
   * parameter), else 5000. Migrations and sweeps of expired rows wait as long as they need.
   */
  queryTimeoutMs?: number;
}

/**
 * A connection gone half-open (the database's host lost, a partition, a NAT that forgot the flow)
 * sends no FIN or RST: without a limit its queries wait until TCP gives up retransmitting, about a
 * quarter of an hour on Linux. The store's statements are indexed reads and small writes; five
 * seconds without an answer is not a slow query.
 */
const QUERY_TIMEOUT_MS = 5_000;

/**
 * SQLSTATEs that mean the database cannot serve or cannot write now: class 08 (connection
 * exception), class 53 (insufficient resources: disk full, out of memory, too many connections),
 * 57P01-57P03 (shutting down, crashed, not yet accepting connections), 25006 (a read-only
 * transaction: a standby after a failover), and a statement cut by a limit the URL set
 * (`statement_timeout`: 57014, `lock_timeout`: 55P03), which a retry may pass.
 */
const UNAVAILABLE_SQLSTATE = /^(08|53|57P0[123]$|25006$|57014$|55P03$)/;

/** What pg itself says when the socket dies or the pool gives up waiting for a connection. */
const UNAVAILABLE_MESSAGE = /Connection terminated|timeout exceeded when trying to connect|not queryable|Connection ended unexpectedly|Query read timeout/;

function isPostgresUnavailable(err: unknown): boolean {
  if (isNetworkError(err) || UNAVAILABLE_SQLSTATE.test(errorCode(err) ?? '')) return true;
  return err instanceof Error && UNAVAILABLE_MESSAGE.test(err.message);
}

/**
 * pg parses timestamptz to Date and jsonb to its value. Since schema 7 `data` keeps a copy of the client
 * only for one the store does not hold (records.ts `RegisteredClients`), the row's `client_id` names it
 * either way, and `client` is that client's registration, joined.
 */
interface AccessRow {
  grant_id: string;
  expires_at: Date;
  data: StoredData<TokenData>;
  client: Client | null;
}

interface RefreshRow extends AccessRow {
  consumed_at: Date | null;
}

/** One token row as saveToken writes it: hash, grant id, expiry, client id, data (JSON). */
type TokenRow = [hash: string, grantId: string, expiresAt: Date, clientId: string, data: string];

interface TokenRows {
  access: TokenRow;
  refresh?: TokenRow;
}

interface CodeRow {
  grant_id: string;
  expires_at: Date;
  consumed_at: Date | null;
  data: StoredData<CodeData>;
  client: Client | null;
}

interface ClientRow {
  /** The normalised client, as `toClient` made it on save. */
  metadata: Client;
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
  private_jwk: Record<string, unknown>;
  public_jwk: Record<string, unknown>;
  created_at: Date;
  retired_at: Date | null;
  withdrawn_at: Date | null;
}

/** Where a row written before schema 7 names its client: inside its copy of the client. */
const COPIED_CLIENT_ID = "(data->'client'->>'client_id')";

/** A token's or code's holder: the same expression in the indexes and the queries, so they use the index. */
const HOLDER_COLUMN = {
  clientId: `(COALESCE(client_id, ${COPIED_CLIENT_ID}))`,
  userId: "(data->'user'->>'id')",
} as const;

/** The holder's expression and id, for a query. */
function holderOf(holder: TokenHolder): { column: string; consentColumn: string; id: string; by: string } {
  return holder.userId !== undefined
    ? { column: HOLDER_COLUMN.userId, consentColumn: 'user_id', id: holder.userId, by: 'user' }
    : { column: HOLDER_COLUMN.clientId, consentColumn: 'client_id', id: holder.clientId, by: 'client' };
}

/** The tables whose rows are a token or code, each naming its client and user. */
const TOKEN_TABLES = ['access_tokens', 'refresh_tokens', 'authorization_codes'] as const;

/**
 * Schema versions, each applied once and recorded in `tollgate_migrations`. `s` is the quoted
 * schema name. Append, never edit: a database created by an older release runs the ones it lacks.
 */
const MIGRATIONS: readonly ((s: string) => string)[] = [
  (s) => `
  CREATE TABLE ${s}.clients (client_id text PRIMARY KEY, metadata jsonb NOT NULL, secret_hash text);
  CREATE TABLE ${s}.users (id text PRIMARY KEY, username text NOT NULL UNIQUE, password_hash text NOT NULL);
  CREATE TABLE ${s}.access_tokens (
    hash text PRIMARY KEY, grant_id text NOT NULL, expires_at timestamptz NOT NULL, data jsonb NOT NULL
  );
  CREATE INDEX access_tokens_grant_id ON ${s}.access_tokens (grant_id);
  CREATE INDEX access_tokens_expires_at ON ${s}.access_tokens (expires_at);
  CREATE TABLE ${s}.refresh_tokens (
    hash text PRIMARY KEY, grant_id text NOT NULL, expires_at timestamptz NOT NULL,
    consumed_at timestamptz, data jsonb NOT NULL
  );
  CREATE INDEX refresh_tokens_grant_id ON ${s}.refresh_tokens (grant_id);
  CREATE INDEX refresh_tokens_expires_at ON ${s}.refresh_tokens (expires_at);
  CREATE TABLE ${s}.authorization_codes (
    hash text PRIMARY KEY, grant_id text NOT NULL, expires_at timestamptz NOT NULL,
    consumed_at timestamptz, data jsonb NOT NULL
  );
  CREATE INDEX authorization_codes_expires_at ON ${s}.authorization_codes (expires_at);
  CREATE TABLE ${s}.signing_keys (
    seq bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY, kid text NOT NULL, alg text NOT NULL,
    private_jwk jsonb NOT NULL, public_jwk jsonb NOT NULL, created_at timestamptz NOT NULL, retired_at timestamptz
  );
  CREATE TABLE ${s}.consents (
    user_id text NOT NULL, client_id text NOT NULL, scope text[] NOT NULL, PRIMARY KEY (user_id, client_id)
  );
  `,
  // 2: the replay cache of single-use values (Store.useOnce).
  (s) => `
  CREATE TABLE ${s}.used_once (hash text PRIMARY KEY, expires_at timestamptz NOT NULL);
  CREATE INDEX used_once_expires_at ON ${s}.used_once (expires_at);
  `,
  // 3: short-lived state records (Store.putRecord and the rest), keyed by the hash of kind and key.
  // The value is text, not jsonb: jsonb refuses the \u0000 escape that JSON.stringify may write.
  (s) => `
  CREATE TABLE ${s}.state_records (
    hash text PRIMARY KEY, kind text NOT NULL, subject text, version integer NOT NULL,
    expires_at timestamptz NOT NULL, value text NOT NULL
  );
  CREATE INDEX state_records_subject ON ${s}.state_records (kind, subject) WHERE subject IS NOT NULL;
  CREATE INDEX state_records_expires_at ON ${s}.state_records (expires_at);
  `,
  // 4: where each user came from (NULL: saved before this, from the config), and each token's and
  // code's client and user indexed out of its JSON, so one holder's tokens are revoked without a scan.
  (s) => `
  ALTER TABLE ${s}.users ADD COLUMN source text;
  CREATE INDEX consents_client_id ON ${s}.consents (client_id);
  ${TOKEN_TABLES
    .map(
      (table) => `
  CREATE INDEX ${table}_client_id ON ${s}.${table} (${COPIED_CLIENT_ID});
  CREATE INDEX ${table}_user_id ON ${s}.${table} ((${HOLDER_COLUMN.userId}));`,
    )
    .join('')}
  `,
  // 5: the secret itself, kept only for client_secret_jwt clients, whose assertions are HMACs keyed with it (RFC 7523 §2.2).
  (s) => `
  ALTER TABLE ${s}.clients ADD COLUMN secret text;
  `,
  // 6: a signing key withdrawn by `tollgate keys retire` stays (for its neighbours' timing) but is never published.
  (s) => `
  ALTER TABLE ${s}.signing_keys ADD COLUMN withdrawn_at timestamptz;
  `,
  // 7: tokens and codes name their client in a column and keep no copy of a registered client (its
  // registration is joined when read), as SQLite's schema 8. Rows written before keep their copy and
  // leave as they expire: none is rewritten, so the migration costs one index build per table.
  (s) =>
    TOKEN_TABLES.map(
      (table) => `
  ALTER TABLE ${s}.${table} ADD COLUMN client_id text;
  DROP INDEX ${s}.${table}_client_id;
  CREATE INDEX ${table}_client_id ON ${s}.${table} (${HOLDER_COLUMN.clientId});`,
    ).join(''),
];

async function inTransaction<T>(pool: Pool, work: (client: PoolClient) => Promise<T>): Promise<T> {
  const client = await pool.connect();
  let rolledBack = true;
  try {
    await client.query('BEGIN');
    const result = await work(client);
    await client.query('COMMIT');
    return result;
  } catch (err) {
    // A connection that cannot roll back (lost, or its query timed out and is still under way) is
    // closed, not handed to the next request.
    rolledBack = await client.query('ROLLBACK').then(
      () => true,
      () => false,
    );
    throw err;
  } finally {
    client.release(!rolledBack);
  }
}

/**
 * Brings the schema up to date. The advisory lock serialises processes that start together: the
 * second waits, then finds every migration recorded and does nothing. CREATE SCHEMA runs under the
 * lock too, since two concurrent IF NOT EXISTS can still collide on the catalog's unique index.
 * `s` is `schema` quoted as an identifier (pg.escapeIdentifier), ready for the statements.
 */
async function migrate(pool: Pool, schema: string, s: string): Promise<void> {
  await inTransaction(pool, async (client) => {
    await client.query('SELECT pg_advisory_xact_lock(hashtext($1))', [`tollgate_migrations:${schema}`]);
    await client.query(`CREATE SCHEMA IF NOT EXISTS ${s}`);
    await client.query(
      `CREATE TABLE IF NOT EXISTS ${s}.tollgate_migrations (version integer PRIMARY KEY, applied_at timestamptz NOT NULL DEFAULT now())`,
    );
    const { rows } = await client.query<{ version: number }>(`SELECT version FROM ${s}.tollgate_migrations`);
    const applied = new Set(rows.map((row) => row.version));
    for (const [index, migration] of MIGRATIONS.entries()) {
      const version = index + 1;
      if (applied.has(version)) continue;
      await client.query(migration(s));
      await client.query(`INSERT INTO ${s}.tollgate_migrations (version) VALUES ($1)`, [version]);
    }
  });
}

/** Creates a store in PostgreSQL, migrating its schema first. Safe for many processes at once. */
export async function createPostgresStore(options: PostgresStoreOptions): Promise<Store> {
  const schema = options.schema ?? 'public';
  // pg is an optional peer: loaded here, so a missing one is named with its install command.
  const { default: pg } = await importPeer('pg', 'The PostgreSQL store', () => import('pg'));
  const s = pg.escapeIdentifier(schema);

  /**
   * The common table expressions that revoke everything one client or user ($1) holds: access tokens
   * deleted, refresh tokens and codes marked consumed (a reuse stays recognisable), consents dropped.
   * PostgreSQL runs every data-modifying CTE to completion, in the statement's one transaction.
   */
  const revokeHolderSql = ({ column, consentColumn }: { column: string; consentColumn: string }): string =>
    `access AS (DELETE FROM ${s}.access_tokens WHERE ${column} = $1),
     refresh AS (UPDATE ${s}.refresh_tokens SET consumed_at = now() WHERE ${column} = $1 AND consumed_at IS NULL),
     codes AS (UPDATE ${s}.authorization_codes SET consumed_at = now() WHERE ${column} = $1 AND consumed_at IS NULL),
     consents AS (DELETE FROM ${s}.consents WHERE ${consentColumn} = $1)`;
  const connectTimeout = options.connectTimeoutMs ?? 5000;
  const { connectionString, queryTimeoutMs: urlQueryTimeout, statementTimeoutMs, lockTimeoutMs } = takeRequestLimits(options.connectionString);
  const queryTimeout = options.queryTimeoutMs ?? urlQueryTimeout ?? QUERY_TIMEOUT_MS;
  // pg reads 0 as "no timeout", which is what the default exists to prevent.
  if (!(queryTimeout > 0 && Number.isFinite(queryTimeout))) {
    throw new RangeError(`${options.queryTimeoutMs === undefined && urlQueryTimeout !== undefined ? '?query_timeout=' : 'queryTimeoutMs'} must be a positive number of milliseconds`);
  }
  const pool = new pg.Pool({
    connectionString,
    max: options.poolSize ?? 10,
    // Without a limit a request waits forever for a database that does not answer; with one it gets a 503.
    connectionTimeoutMillis: connectTimeout,
    query_timeout: queryTimeout,
    ...(statementTimeoutMs !== undefined && { statement_timeout: statementTimeoutMs }),
    ...(lockTimeoutMs !== undefined && { lock_timeout: lockTimeoutMs }),
  });
  // An idle connection that dies (server restart, network) is dropped by the pool and replaced on the
  // next query; without a listener its 'error' event would crash the process.
  pool.on('error', () => {});
  // Work no request waits on, which may take longer than a request's query: migrations (waiting for
  // another process's migration, altering a large table) and sweeps (a backlog of expired rows). One
  // connection of its own, without the requests' limits.
  const maintenance = new pg.Pool({ connectionString, max: 1, connectionTimeoutMillis: connectTimeout });
  maintenance.on('error', () => {});
  try {
    await migrate(maintenance, schema, s);
  } catch (err) {
    await Promise.all([pool.end(), maintenance.end()]);
    throw err;
  }

  /**
   * Runs one named statement: pg prepares it once per connection and then only binds values. Names
   * need only be unique within this store: its pool's connections serve no other.
   */
  async function query<R extends QueryResultRow>(name: string, text: string, values: unknown[]): Promise<QueryResult<R>> {
    return pool.query<R>({ name: `tollgate_${name}`, text, values });
  }

  /** The clients `getClient` answered from the `clients` table: a row of theirs keeps their id alone. */
  const registered = registeredClients();

  /** A token's rows: its access row and, when it has one, its refresh row. */
  function tokenRows(token: Token): TokenRows {
    const { scope, client, user, extra, grantId } = token;
    const copy = registered.copyOf(client);
    const data = (scopeOf: string[]): string => JSON.stringify({ scope: scopeOf, client: copy, user, extra } satisfies StoredData<TokenData>);
    const access: TokenRow = [hashToken(token.accessToken), grantId, token.accessTokenExpiresAt, client.client_id, data(scope)];
    if (token.refreshToken === undefined || token.refreshTokenExpiresAt === undefined) return { access };
    const refresh: TokenRow = [hashToken(token.refreshToken), grantId, token.refreshTokenExpiresAt, client.client_id, data(token.refreshTokenScope ?? scope)];
    return { access, refresh };
  }

  /**
   * Group commit (turn-batch.ts): the token pairs saved in one event-loop turn go in one statement,
   * one round trip and one commit, each pair whole or not at all. A hash met twice in one batch
   * keeps its last row, as saving one after the other would (ON CONFLICT cannot touch a row twice).
   */
  const tokenWrites = createTurnBatch<TokenRows, void>(
    async (batch) => {
      const columns = (rows: TokenRow[]) => [0, 1, 2, 3, 4].map((i) => rows.map((row) => row[i]));
      const last = (rows: TokenRow[]) => [...new Map(rows.map((row) => [row[0], row])).values()];
      const access = last(batch.map((pair) => pair.access));
      const refresh = last(batch.flatMap((pair) => (pair.refresh ? [pair.refresh] : [])));
      await query(
        'save_tokens',
        `WITH access AS (
           INSERT INTO ${s}.access_tokens (hash, grant_id, expires_at, client_id, data)
           SELECT * FROM unnest($1::text[], $2::text[], $3::timestamptz[], $4::text[], $5::jsonb[])
           ON CONFLICT (hash) DO UPDATE
             SET grant_id = excluded.grant_id, expires_at = excluded.expires_at, client_id = excluded.client_id, data = excluded.data
         )
         INSERT INTO ${s}.refresh_tokens (hash, grant_id, expires_at, client_id, data)
         SELECT * FROM unnest($6::text[], $7::text[], $8::timestamptz[], $9::text[], $10::jsonb[])
         ON CONFLICT (hash) DO UPDATE
           SET grant_id = excluded.grant_id, expires_at = excluded.expires_at, client_id = excluded.client_id, consumed_at = NULL, data = excluded.data`,
        [...columns(access), ...columns(refresh)],
      );
      return batch.map(() => undefined);
    },
    async ({ access, refresh }) => {
      // One statement, so the pair is saved together or not at all; the refresh row is skipped when there is none.
      await query(
        'save_token',
        `WITH access AS (
           INSERT INTO ${s}.access_tokens (hash, grant_id, expires_at, client_id, data) VALUES ($1, $2, $3, $4, $5)
           ON CONFLICT (hash) DO UPDATE
             SET grant_id = excluded.grant_id, expires_at = excluded.expires_at, client_id = excluded.client_id, data = excluded.data
         )
         INSERT INTO ${s}.refresh_tokens (hash, grant_id, expires_at, client_id, data)
         SELECT $6, $2, $7, $4, $8 WHERE $6::text IS NOT NULL
         ON CONFLICT (hash) DO UPDATE
           SET grant_id = excluded.grant_id, expires_at = excluded.expires_at, client_id = excluded.client_id, consumed_at = NULL, data = excluded.data`,
        [...access, ...(refresh ? [refresh[0], refresh[2], refresh[4]] : [null, null, null])],
      );
    },
    isPostgresUnavailable,
  );

  /**
   * Reads batched the same way: the rows looked up by key in one turn are read by one indexed
   * `SELECT … WHERE <key> = ANY($1)`, one round trip. Reads commit nothing, so a change committed
   * before the SELECT (a revocation, a client's update or deletion, a consumed code) is seen by it,
   * exactly as by a query of its own. `select` lists the columns after the key column `key`, read
   * `from` (tables with their schema).
   */
  function batchedReads<R extends QueryResultRow>(name: string, from: string, key: string, select: string) {
    const many = async (keys: string[]): Promise<(R | undefined)[]> => {
      const { rows } = await query<R & { key: string }>(name, `SELECT ${key} AS key, ${select} FROM ${from} WHERE ${key} = ANY($1::text[])`, [keys]);
      const byKey = new Map(rows.map((row) => [row.key, row]));
      return keys.map((k) => byKey.get(k));
    };
    return createTurnBatch<string, R | undefined>(many, async (k) => (await many([k]))[0], isPostgresUnavailable);
  }

  /** A token or code table with its client's registration beside each row (schema 7), for `withClient`. */
  const withRegistration = (table: string): string => `${s}.${table} t LEFT JOIN ${s}.clients c ON c.client_id = t.client_id`;
  const accessReads = batchedReads<AccessRow>('get_access_many', withRegistration('access_tokens'), 't.hash', 't.grant_id, t.expires_at, t.data, c.metadata AS client');
  const refreshReads = batchedReads<RefreshRow>(
    'get_refresh_many',
    withRegistration('refresh_tokens'),
    't.hash',
    't.grant_id, t.expires_at, t.consumed_at, t.data, c.metadata AS client',
  );
  const codeReads = batchedReads<CodeRow>('get_code_many', withRegistration('authorization_codes'), 't.hash', 't.grant_id, t.expires_at, t.consumed_at, t.data, c.metadata AS client');
  const clientReads = batchedReads<ClientRow>('get_client_many', `${s}.clients`, 'client_id', 'metadata, secret_hash, secret');

  /**
   * Single use (RFC 6749 §4.1.2, RFC 9700 §4.14.2), batched: the codes or refresh tokens consumed in
   * one turn are marked by one conditional UPDATE, one round trip and one commit. Across processes
   * it stays a check-and-set: a row another transaction is marking is waited for, then its
   * `consumed_at IS NULL` is evaluated again on the committed row (READ COMMITTED), so it is
   * returned to one UPDATE only. Within a batch a hash named twice is won by its first caller. A
   * deadlock between two batches locking rows in different orders fails the batch, and
   * turn-batch.ts then runs each item alone.
   */
  function batchedConsume(name: string, table: string) {
    const many = async (hashes: string[]): Promise<boolean[]> => {
      const { rows } = await query<{ hash: string }>(
        name,
        `UPDATE ${s}.${table} SET consumed_at = now() WHERE hash = ANY($1::text[]) AND consumed_at IS NULL RETURNING hash`,
        [hashes],
      );
      const won = new Set(rows.map((row) => row.hash));
      return hashes.map((hash) => won.delete(hash));
    };
    return createTurnBatch<string, boolean>(many, async (hash) => (await many([hash]))[0] === true, isPostgresUnavailable);
  }

  const codeConsumes = batchedConsume('consume_codes', 'authorization_codes');
  const refreshConsumes = batchedConsume('consume_refresh_many', 'refresh_tokens');

  const store: Store = {
    // The secret check, the constant-time user look-up and the client as user: src/stores/policy.ts.
    ...credentialPolicy({
      async findClient(clientId) {
        const row = await clientReads.add(clientId);
        return row ? { client: registered.mark(row.metadata), secretHash: row.secret_hash, secret: row.secret } : null;
      },
      async findUser(username) {
        const { rows } = await query<UserRow>(
          'get_user_by_name',
          `SELECT id, username, password_hash FROM ${s}.users WHERE username = $1`,
          [username],
        );
        const row = rows[0];
        return row ? { user: toUser(row.id, row.username), passwordHash: row.password_hash } : null;
      },
    }),

    async saveToken(token) {
      await tokenWrites.add(tokenRows(token));
      return token;
    },

    async getAccessToken(accessToken) {
      const row = await accessReads.add(hashToken(accessToken));
      const data = row && withClient<TokenData>(row.data, row.client);
      if (!row || !data) return null;
      const token: AccessToken = { ...data, accessToken, accessTokenExpiresAt: row.expires_at, grantId: row.grant_id };
      return token;
    },

    async getRefreshToken(refreshToken) {
      const row = await refreshReads.add(hashToken(refreshToken));
      const data = row && withClient<TokenData>(row.data, row.client);
      if (!row || !data) return null;
      // `extra` rides along (as in memory.ts) so a rotation can carry it to the new pair.
      const token: RefreshToken & Pick<Token, 'extra'> = {
        ...data,
        refreshToken,
        refreshTokenExpiresAt: row.expires_at,
        grantId: row.grant_id,
        ...optionalConsumedAt(row.consumed_at),
      };
      return token;
    },

    async revokeToken(token) {
      // Check and set in one statement (batchedConsume): of parallel callers in any process, one wins.
      // The rotated token stays, marked, so a later reuse is recognisable (RFC 9700 §4.14.2).
      return refreshConsumes.add(hashToken(token.refreshToken));
    },

    async revokeAccessToken(token) {
      const { rowCount } = await query('delete_access', `DELETE FROM ${s}.access_tokens WHERE hash = $1`, [hashToken(token.accessToken)]);
      return rowCount === 1;
    },

    async revokeGrant(grantId) {
      await query(
        'revoke_grant',
        `WITH access AS (DELETE FROM ${s}.access_tokens WHERE grant_id = $1)
         UPDATE ${s}.refresh_tokens SET consumed_at = now() WHERE grant_id = $1 AND consumed_at IS NULL`,
        [grantId],
      );
    },

    async saveAuthorizationCode(code) {
      const { authorizationCode, expiresAt, grantId, consumedAt, client, ...data } = code;
      const stored: StoredData<CodeData> = { ...data, client: registered.copyOf(client) };
      await query(
        'save_code',
        `INSERT INTO ${s}.authorization_codes (hash, grant_id, expires_at, consumed_at, client_id, data) VALUES ($1, $2, $3, $4, $5, $6)
         ON CONFLICT (hash) DO UPDATE
           SET grant_id = excluded.grant_id, expires_at = excluded.expires_at, consumed_at = excluded.consumed_at,
             client_id = excluded.client_id, data = excluded.data`,
        [hashToken(authorizationCode), grantId, expiresAt, consumedAt ?? null, client.client_id, JSON.stringify(stored)],
      );
      return code;
    },

    async getAuthorizationCode(authorizationCode) {
      const row = await codeReads.add(hashToken(authorizationCode));
      const data = row && withClient<CodeData>(row.data, row.client);
      if (!row || !data) return null;
      const code: AuthorizationCode = {
        ...data,
        authorizationCode,
        expiresAt: row.expires_at,
        grantId: row.grant_id,
        ...optionalConsumedAt(row.consumed_at),
      };
      return code;
    },

    async revokeAuthorizationCode(code) {
      // RFC 6749 §4.1.2: single use. The conditional UPDATE (batchedConsume) is the atomic check-and-set across processes.
      return codeConsumes.add(hashToken(code.authorizationCode));
    },

    async saveClient(registration) {
      const client = toClient(registration);
      await query(
        'save_client',
        `INSERT INTO ${s}.clients (client_id, metadata, secret_hash, secret) VALUES ($1, $2, $3, $4)
         ON CONFLICT (client_id) DO UPDATE SET metadata = excluded.metadata, secret_hash = excluded.secret_hash, secret = excluded.secret`,
        [client.client_id, JSON.stringify(client), secretHashOf(registration), retrievableSecretOf(registration)],
      );
      return client;
    },

    async deleteClient(clientId) {
      // RFC 7592 §2.3: the client's tokens, codes and consents go with it, in the same statement.
      const { rows } = await query<{ existed: boolean }>(
        'delete_client',
        `WITH client AS (DELETE FROM ${s}.clients WHERE client_id = $1 RETURNING 1), ${revokeHolderSql(holderOf({ clientId }))}
         SELECT EXISTS (SELECT 1 FROM client) AS existed`,
        [clientId],
      );
      return rows[0]?.existed === true;
    },

    async saveUser(registration) {
      const { username } = registration;
      const passwordHash = await passwordHashOf(registration);
      const id = await inTransaction(pool, async (client) => {
        // Serialise saves of one username across processes: FOR UPDATE would lock nothing while the row
        // does not exist yet, and two first starts would both insert it (or one would re-id the user).
        await client.query(`SELECT pg_advisory_xact_lock(hashtext('tollgate_user:' || $1))`, [username]);
        const { rows } = await client.query<{ id: string }>(`SELECT id FROM ${s}.users WHERE username = $1`, [username]);
        const id = registration.id ?? rows[0]?.id ?? randomUUID();
        // As memory.ts: the user replaces whichever rows held this username or this id.
        await client.query(`DELETE FROM ${s}.users WHERE username = $1 OR id = $2`, [username, id]);
        await client.query(`INSERT INTO ${s}.users (id, username, password_hash, source) VALUES ($1, $2, $3, $4)`, [
          id,
          username,
          passwordHash,
          registration.source ?? 'config',
        ]);
        return id;
      });
      return toUser(id, username);
    },

    async getUserById(id) {
      if (!isLookupKey(id)) return null;
      const { rows } = await query<UserRow>('get_user_by_id', `SELECT id, username FROM ${s}.users WHERE id = $1`, [id]);
      const row = rows[0];
      return row ? toUser(row.id, row.username) : null;
    },

    async listClients() {
      const { rows } = await query<ClientRow>('list_clients', `SELECT metadata FROM ${s}.clients ORDER BY client_id`, []);
      return rows.map((row) => row.metadata);
    },

    async listUsers() {
      const { rows } = await query<{ id: string; username: string; source: UserListing['source'] | null }>(
        'list_users',
        `SELECT id, username, source FROM ${s}.users ORDER BY username`,
        [],
      );
      return rows.map(({ id, username, source }) => ({ id, username, source: source ?? 'config' }));
    },

    async deleteUser(id) {
      if (!isLookupKey(id)) return false;
      const { rowCount } = await query('delete_user', `DELETE FROM ${s}.users WHERE id = $1`, [id]);
      return rowCount === 1;
    },

    async revokeTokensOf(holder) {
      const held = holderOf(holder);
      if (!isLookupKey(held.id)) return;
      // One statement: every part of the revocation happens together or not at all.
      await query(`revoke_${held.by}`, `WITH ${revokeHolderSql(held)} SELECT 1`, [held.id]);
    },

    async listGrants(holder) {
      const { column, id, by } = holderOf(holder);
      if (!isLookupKey(id)) return [];
      const { rows } = await query<AccessRow>(
        `list_grants_${by}`,
        `SELECT t.grant_id, t.expires_at, t.data, c.metadata AS client FROM (
           SELECT grant_id, expires_at, client_id, data FROM ${s}.access_tokens WHERE ${column} = $1 AND expires_at > $2
           UNION ALL
           SELECT grant_id, expires_at, client_id, data FROM ${s}.refresh_tokens WHERE ${column} = $1 AND expires_at > $2 AND consumed_at IS NULL
         ) t LEFT JOIN ${s}.clients c ON c.client_id = t.client_id`,
        [id, new Date()],
      );
      return collectGrants(
        rows.flatMap((row) => {
          const data = withClient<TokenData>(row.data, row.client);
          return data ? [{ ...data, clientId: data.client.client_id, grantId: row.grant_id, expiresAt: row.expires_at }] : [];
        }),
      );
    },

    async getSigningKeys() {
      const { rows } = await query<KeyRow>(
        'get_keys',
        `SELECT kid, alg, private_jwk, public_jwk, created_at, retired_at, withdrawn_at FROM ${s}.signing_keys ORDER BY seq DESC`,
        [],
      );
      return rows.map(
        (row): SigningKey => ({
          kid: row.kid,
          alg: row.alg,
          privateJwk: row.private_jwk,
          publicJwk: row.public_jwk,
          createdAt: row.created_at,
          ...(row.retired_at === null ? {} : { retiredAt: row.retired_at }),
          ...(row.withdrawn_at === null ? {} : { withdrawnAt: row.withdrawn_at }),
        }),
      );
    },

    async saveSigningKey(key) {
      await query(
        'save_key',
        `WITH retired AS (UPDATE ${s}.signing_keys SET retired_at = now() WHERE retired_at IS NULL)
         INSERT INTO ${s}.signing_keys (kid, alg, private_jwk, public_jwk, created_at, retired_at) VALUES ($1, $2, $3, $4, $5, $6)`,
        [key.kid, key.alg, JSON.stringify(key.privateJwk), JSON.stringify(key.publicJwk), key.createdAt, key.retiredAt ?? null],
      );
    },

    async withdrawSigningKey(kid) {
      if (!isLookupKey(kid)) return false;
      const { rowCount } = await query(
        'withdraw_key',
        `UPDATE ${s}.signing_keys SET withdrawn_at = now() WHERE kid = $1 AND withdrawn_at IS NULL`,
        [kid],
      );
      return (rowCount ?? 0) > 0;
    },

    async getConsent(userId, clientId) {
      if (!isLookupKey(userId) || !isLookupKey(clientId)) return null;
      const { rows } = await query<{ scope: string[] }>(
        'get_consent',
        `SELECT scope FROM ${s}.consents WHERE user_id = $1 AND client_id = $2`,
        [userId, clientId],
      );
      return rows[0]?.scope ?? null;
    },

    async saveConsent(userId, clientId, scope) {
      await query(
        'save_consent',
        `INSERT INTO ${s}.consents (user_id, client_id, scope) VALUES ($1, $2, $3)
         ON CONFLICT (user_id, client_id) DO UPDATE SET scope = excluded.scope`,
        [userId, clientId, scope],
      );
    },

    async useOnce(value, expiresAt) {
      // One statement: the row is inserted, or taken over once expired, for exactly one caller.
      const { rowCount } = await query(
        'use_once',
        `INSERT INTO ${s}.used_once (hash, expires_at) VALUES ($1, $2)
         ON CONFLICT (hash) DO UPDATE SET expires_at = excluded.expires_at WHERE ${s}.used_once.expires_at <= $3`,
        [hashToken(value), expiresAt, new Date()],
      );
      return rowCount === 1;
    },

    async putRecord(kind, key, value, { expiresAt, subject }) {
      // Created, or taking the place of an expired one, in one statement: rowCount is 1 only then.
      const { rowCount } = await query(
        'put_record',
        `INSERT INTO ${s}.state_records (hash, kind, subject, version, expires_at, value) VALUES ($1, $2, $3, 1, $4, $5)
         ON CONFLICT (hash) DO UPDATE SET subject = excluded.subject, version = 1, expires_at = excluded.expires_at, value = excluded.value
         WHERE ${s}.state_records.expires_at <= $6`,
        [recordHash(kind, key), kind, subject ?? null, expiresAt, JSON.stringify(value), new Date()],
      );
      return rowCount === 1;
    },

    async getRecord(kind, key) {
      const { rows } = await query<StateRow>(
        'get_record',
        `SELECT subject, version, expires_at, value FROM ${s}.state_records WHERE hash = $1 AND expires_at > $2`,
        [recordHash(kind, key), new Date()],
      );
      return rows[0] ? toStateRecord(rows[0]) : null;
    },

    async replaceRecord(kind, key, version, value) {
      const { rowCount } = await query(
        'replace_record',
        `UPDATE ${s}.state_records SET value = $1, version = version + 1 WHERE hash = $2 AND version = $3 AND expires_at > $4`,
        [JSON.stringify(value), recordHash(kind, key), version, new Date()],
      );
      return rowCount === 1;
    },

    async takeRecord(kind, key) {
      const { rows } = await query<StateRow>(
        'take_record',
        `DELETE FROM ${s}.state_records WHERE hash = $1 AND expires_at > $2 RETURNING subject, version, expires_at, value`,
        [recordHash(kind, key), new Date()],
      );
      return rows[0] ? toStateRecord(rows[0]) : null;
    },

    async deleteRecords(kind, subject) {
      if (!isLookupKey(kind) || !isLookupKey(subject)) return 0;
      const { rowCount } = await query('delete_records', `DELETE FROM ${s}.state_records WHERE kind = $1 AND subject = $2`, [kind, subject]);
      return rowCount ?? 0;
    },

    async sweepExpired() {
      // Compared with this process's clock, the one that computed the expiry times.
      const { rows } = await maintenance.query<{ swept: number }>(
        `WITH a AS (DELETE FROM ${s}.access_tokens WHERE expires_at <= $1 RETURNING 1),
              r AS (DELETE FROM ${s}.refresh_tokens WHERE expires_at <= $1 RETURNING 1),
              c AS (DELETE FROM ${s}.authorization_codes WHERE expires_at <= $1 RETURNING 1),
              u AS (DELETE FROM ${s}.used_once WHERE expires_at <= $1 RETURNING 1),
              x AS (DELETE FROM ${s}.state_records WHERE expires_at <= $1 RETURNING 1)
         SELECT ((SELECT count(*) FROM a) + (SELECT count(*) FROM r) + (SELECT count(*) FROM c) + (SELECT count(*) FROM u)
                 + (SELECT count(*) FROM x))::integer AS swept`,
        [new Date()],
      );
      return rows[0]?.swept ?? 0;
    },

    async ping() {
      // A round trip on a pooled connection that also proves a primary that takes writes: assigning
      // a transaction id commits one, and a standby refuses it with SQLSTATE 25006.
      await pool.query('SELECT txid_current()');
    },

    async close() {
      await Promise.all([pool.end(), maintenance.end()]);
    },
  };
  return guardUnavailable(store, isPostgresUnavailable);
}
