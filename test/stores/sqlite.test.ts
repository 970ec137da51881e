import { after, describe, it } from 'node:test';
import type { TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { storeContract } from '../../src/testing/index.js';
import { createSqliteStore } from '../../src/stores/sqlite.js';
import { SWEEP_BATCH } from '../../src/stores/sqlite-sweep.js';
import { CATCH_UP_LIMIT } from '../../src/stores/sqlite-change-log.js';
import type { SqliteStoreOptions, SqliteSynchronous } from '../../src/stores/sqlite.js';
import { randomToken } from '../../src/secrets.js';
import { TemporarilyUnavailableError } from '../../src/errors.js';
import type { AccessToken, Client } from '../../src/types.js';

const dir = mkdtempSync(join(tmpdir(), 'tollgate-sqlite-'));
after(() => rmSync(dir, { recursive: true, force: true }));

const filename = join(dir, 'contract.db');

/** Every row of every table, read through a second connection as another process would see it. */
function dump(file: string): string {
  const db = new Database(file, { readonly: true });
  try {
    const tables = db.prepare<[], { name: string }>("SELECT name FROM sqlite_master WHERE type = 'table'").all();
    return JSON.stringify(tables.map(({ name }) => db.prepare(`SELECT * FROM "${name}"`).all()));
  } finally {
    db.close();
  }
}

/** The tables whose rows carried a copy of their client up to schema 7. */
const CLIENT_TABLES = ['access_tokens', 'refresh_tokens', 'authorization_codes'];

/** A table's rows as schemas 1 to 7 held them: no client_id column, a copy of the client's registration in the JSON. */
function rowsBeforeSchema8(db: Database.Database, table: string): Record<string, unknown>[] {
  const consumed = table === 'access_tokens' ? '' : 'consumed_at, ';
  return db
    .prepare(`SELECT hash, grant_id, expires_at, ${consumed}json_set(data, '$.client', json(coalesce(data ->> '$.client', metadata))) AS data
              FROM ${table} LEFT JOIN clients USING (client_id)`)
    .all() as Record<string, unknown>[];
}

/** Turns a database of this schema back into one of schema 7, as the release before held it (the inverse of migrations 9 and 8). */
function toSchema7(file: string): void {
  const db = new Database(file);
  try {
    db.transaction(() => {
      for (const trigger of db.prepare<[], string>("SELECT name FROM sqlite_master WHERE type = 'trigger'").pluck().all()) db.exec(`DROP TRIGGER ${trigger}`);
      db.exec('DROP TABLE cache_changes');
      for (const table of CLIENT_TABLES) {
        db.exec(`
          UPDATE ${table} SET data = json_set(data, '$.client', json((SELECT metadata FROM clients WHERE clients.client_id = ${table}.client_id)))
            WHERE data ->> '$.client' IS NULL;
          DROP INDEX ${table}_client_id;
          ALTER TABLE ${table} DROP COLUMN client_id;
          CREATE INDEX ${table}_client_id ON ${table} (json_extract(data, '$.client.client_id'));`);
      }
      db.pragma('user_version = 7');
    })();
  } finally {
    db.close();
  }
}

storeContract('sqlite store', () => createSqliteStore({ filename }), { rawContents: async () => dump(filename) });

describe('sqlite store, durability', () => {
  it('puts the file in WAL mode, so readers never block the writer', async () => {
    const file = join(dir, 'pragmas.db');
    const store = await createSqliteStore({ filename: file });
    try {
      // journal_mode is stored in the file; synchronous=FULL is per connection and not visible from here.
      const db = new Database(file);
      assert.equal(db.pragma('journal_mode', { simple: true }), 'wal');
      db.close();
    } finally {
      await store.close();
    }
  });

  /** Opens a store and reads `PRAGMA synchronous` back on the store's own connection (the setting is per connection). */
  async function synchronousOf(t: TestContext, options: Omit<SqliteStoreOptions, 'filename'>): Promise<number> {
    const connections: Database.Database[] = [];
    const original = Database.prototype.pragma;
    t.mock.method(Database.prototype, 'pragma', function (this: Database.Database, ...args: Parameters<Database.Database['pragma']>) {
      connections.push(this);
      return original.apply(this, args);
    });
    const store = await createSqliteStore({ filename: join(dir, `synchronous-${randomToken()}.db`), ...options });
    t.mock.restoreAll();
    try {
      const [db] = new Set(connections);
      assert.equal(new Set(connections).size, 1, 'the store opens one connection');
      return db!.pragma('synchronous', { simple: true }) as number;
    } finally {
      await store.close();
    }
  }

  // PRAGMA synchronous answers 0 OFF, 1 NORMAL, 2 FULL, 3 EXTRA.
  it('syncs every commit (synchronous = FULL) by default', async (t) => {
    assert.equal(await synchronousOf(t, {}), 2);
    assert.equal(await synchronousOf(t, { synchronous: 'full' }), 2);
  });

  it('syncs only at checkpoints (synchronous = NORMAL) when asked, the durability trade docs/stores.md describes', async (t) => {
    assert.equal(await synchronousOf(t, { synchronous: 'normal' }), 1);
  });

  it('refuses any other synchronous value before creating the file', async () => {
    const file = join(dir, 'bad-synchronous.db');
    await assert.rejects(
      createSqliteStore({ filename: file, synchronous: 'off' as SqliteSynchronous }),
      { message: 'synchronous must be "full" or "normal", not "off"' },
    );
    assert.equal(statSync(file, { throwIfNoEntry: false }), undefined);
  });

  it('keeps tokens, consumed codes and users across a reopen, and migrates only once', async () => {
    const file = join(dir, 'reopen.db');
    const first = await createSqliteStore({ filename: file });
    const client = await first.saveClient({ client_id: 'c', redirect_uris: [], grant_types: ['password'] });
    const user = await first.saveUser({ username: 'admin', password: 'tiger' });
    const accessToken = randomToken();
    await first.saveToken(
      { accessToken, accessTokenExpiresAt: new Date(Date.now() + 60_000), scope: [], client, user, grantId: 'g' },
      client,
      user,
    );
    await first.close();

    const second = await createSqliteStore({ filename: file });
    try {
      assert.ok(await second.getAccessToken(accessToken));
      assert.deepEqual(await second.getUser('admin', 'tiger', client), user);
    } finally {
      await second.close();
    }
  });

  it('counts the expired rows it sweeps', async () => {
    const store = await createSqliteStore({ filename: ':memory:' });
    try {
      const client = await store.saveClient({ client_id: 'c', redirect_uris: [], grant_types: ['password'] });
      const past = new Date(Date.now() - 1000);
      const base = { scope: [], client, user: { id: 'u' }, grantId: 'g' };
      await store.saveToken({ ...base, accessToken: 'a', accessTokenExpiresAt: past, refreshToken: 'r', refreshTokenExpiresAt: past }, client, {});
      await store.saveAuthorizationCode({ ...base, authorizationCode: 'c', expiresAt: past }, client, {});
      assert.equal(await store.sweepExpired(), 3);
      assert.equal(await store.sweepExpired(), 0);
    } finally {
      await store.close();
    }
  });
});

describe('sqlite store sweep', () => {
  /** A store on a fresh file with `expired` expired access tokens and one live one. */
  async function withExpired(name: string, expired: number) {
    const store = await createSqliteStore({ filename: join(dir, `${name}.db`) });
    const client = await store.saveClient({ client_id: 'c', redirect_uris: [], grant_types: ['client_credentials'] });
    const base = { scope: [], client, user: { id: 'c' }, grantId: 'g' };
    const past = new Date(Date.now() - 1000);
    await Promise.all(Array.from({ length: expired }, (_, i) => store.saveToken({ ...base, accessToken: `expired-${i}`, accessTokenExpiresAt: past }, client, {})));
    await store.saveToken({ ...base, accessToken: 'live', accessTokenExpiresAt: new Date(Date.now() + 3_600_000) }, client, {});
    return { store, client, base };
  }

  it('sweepExpired deletes in batches and lets requests run between them instead of holding the event loop', async () => {
    const { store } = await withExpired('batches', SWEEP_BATCH * 2 + 10);
    try {
      const sweep = store.sweepExpired();
      // Due after the sweep's first batch commits: one DELETE of every expired row would have ended the sweep by then.
      let servedDuringSweep = false;
      let sweepDone = false;
      setImmediate(() => (servedDuringSweep = !sweepDone));
      assert.equal(await sweep, SWEEP_BATCH * 2 + 10);
      sweepDone = true;
      assert.equal(servedDuringSweep, true);
      assert.equal(await store.getAccessToken('expired-0'), null);
      assert.equal(await store.getAccessToken(`expired-${SWEEP_BATCH * 2 + 9}`), null);
      assert.ok(await store.getAccessToken('live'));
      assert.equal(await store.sweepExpired(), 0);
    } finally {
      await store.close();
    }
  });

  it('two sweeps asked for at once are one sweep, and a whole number of batches ends it', async () => {
    const { store } = await withExpired('joined', SWEEP_BATCH * 2);
    try {
      // The second joins the first: side by side they would split the expired rows between them.
      assert.deepEqual(await Promise.all([store.sweepExpired(), store.sweepExpired()]), [SWEEP_BATCH * 2, SWEEP_BATCH * 2]);
      assert.equal(await store.sweepExpired(), 0);
    } finally {
      await store.close();
    }
  });

  it(`keeps the latest ${CATCH_UP_LIMIT} rows of the change log, deleting the older ones with the expired tokens`, async () => {
    const file = join(dir, 'change-log.db');
    const store = await createSqliteStore({ filename: file });
    try {
      const client = await store.saveClient({ client_id: 'c', redirect_uris: [], grant_types: ['client_credentials'] });
      const future = new Date(Date.now() + 3_600_000);
      const base = { scope: [], client, user: { id: 'c' }, grantId: 'g' };
      const revoked = CATCH_UP_LIMIT + 50;
      await Promise.all(Array.from({ length: revoked }, (_, i) => store.saveToken({ ...base, accessToken: `live-${i}`, accessTokenExpiresAt: future }, client, {})));
      // Each revoked unexpired token is a logged change; the saved client is one more.
      await store.revokeTokensOf({ clientId: 'c' });
      const db = new Database(file, { readonly: true });
      const logged = db.prepare<[], number>('SELECT count(*) FROM cache_changes').pluck();
      try {
        assert.equal(logged.get(), revoked + 1);
        await store.sweepExpired();
        assert.equal(logged.get(), CATCH_UP_LIMIT);
      } finally {
        db.close();
      }
    } finally {
      await store.close();
    }
  });

  it('a sweep under way when the store closes ends there, without an error', async () => {
    const { store } = await withExpired('closing', SWEEP_BATCH * 3);
    const sweep = store.sweepExpired();
    await new Promise((resolve) => setImmediate(resolve));
    await store.close();
    const swept = await sweep;
    assert.ok(swept >= SWEEP_BATCH && swept < SWEEP_BATCH * 3, `swept ${swept}`);
  });
});

describe('sqlite store, migrations', () => {
  it("leaves a later release's schema version as it is, and runs schema 9 again without an error", async () => {
    const file = join(dir, 'later.db');
    await (await createSqliteStore({ filename: file })).close();
    const db = new Database(file);
    db.pragma('user_version = 99');
    db.close();
    await (await createSqliteStore({ filename: file })).close();
    const again = new Database(file);
    assert.equal(again.pragma('user_version', { simple: true }), 99);
    // As an earlier release would leave it: schema 9's objects there, the version saying 8.
    again.pragma('user_version = 8');
    again.close();
    const store = await createSqliteStore({ filename: file });
    await store.close();
    const after = new Database(file, { readonly: true });
    assert.equal(after.pragma('user_version', { simple: true }), 9);
    after.close();
  });

  it('brings a database of schema 1 (WITHOUT ROWID token tables) up to date and keeps its tokens', async () => {
    const file = join(dir, 'schema-1.db');
    // The token tables as schema 1 made them, with one token in each.
    const old = new Database(file);
    old.exec(`
      CREATE TABLE access_tokens (hash TEXT PRIMARY KEY, grant_id TEXT NOT NULL, expires_at INTEGER NOT NULL, data TEXT NOT NULL) STRICT, WITHOUT ROWID;
      CREATE TABLE refresh_tokens (hash TEXT PRIMARY KEY, grant_id TEXT NOT NULL, expires_at INTEGER NOT NULL, consumed_at INTEGER, data TEXT NOT NULL) STRICT, WITHOUT ROWID;
      CREATE TABLE authorization_codes (hash TEXT PRIMARY KEY, grant_id TEXT NOT NULL, expires_at INTEGER NOT NULL, consumed_at INTEGER, data TEXT NOT NULL) STRICT, WITHOUT ROWID;
      CREATE TABLE clients (client_id TEXT PRIMARY KEY, metadata TEXT NOT NULL, secret_hash TEXT) STRICT;
      CREATE TABLE users (id TEXT PRIMARY KEY, username TEXT NOT NULL UNIQUE, password_hash TEXT NOT NULL) STRICT;
      CREATE TABLE signing_keys (seq INTEGER PRIMARY KEY AUTOINCREMENT, kid TEXT NOT NULL, alg TEXT NOT NULL, private_jwk TEXT NOT NULL, public_jwk TEXT NOT NULL, created_at INTEGER NOT NULL, retired_at INTEGER) STRICT;
      CREATE TABLE consents (user_id TEXT NOT NULL, client_id TEXT NOT NULL, scope TEXT NOT NULL, PRIMARY KEY (user_id, client_id)) STRICT, WITHOUT ROWID;
      PRAGMA user_version = 1;
    `);
    const store1 = await createSqliteStore({ filename: join(dir, 'schema-1-source.db') });
    const client = await store1.saveClient({ client_id: 'c', client_secret: 's', redirect_uris: [], grant_types: ['refresh_token'] });
    const token = { accessToken: randomToken(), accessTokenExpiresAt: new Date(Date.now() + 60_000), refreshToken: randomToken(), refreshTokenExpiresAt: new Date(Date.now() + 60_000), scope: ['read'], client, user: { id: 'u' }, grantId: 'g' };
    await store1.saveToken(token, client, token.user);
    await store1.close();
    // Copy the rows as schema 1 held them.
    const source = new Database(join(dir, 'schema-1-source.db'), { readonly: true });
    for (const table of ['access_tokens', 'refresh_tokens']) {
      for (const row of rowsBeforeSchema8(source, table)) {
        const columns = Object.keys(row);
        old.prepare(`INSERT INTO ${table} (${columns.join(', ')}) VALUES (${columns.map(() => '?').join(', ')})`).run(...Object.values(row));
      }
    }
    source.close();
    old.close();

    const store = await createSqliteStore({ filename: file });
    try {
      assert.equal((await store.getAccessToken(token.accessToken) || undefined)?.grantId, 'g');
      assert.equal((await store.getRefreshToken(token.refreshToken) || undefined)?.grantId, 'g');
      assert.equal(await store.revokeToken({ ...token, refreshTokenExpiresAt: token.refreshTokenExpiresAt }), true);
      const db = new Database(file, { readonly: true });
      assert.equal(db.pragma('user_version', { simple: true }), 9);
      db.close();
    } finally {
      await store.close();
    }
  });

  it('brings a database of schema 7 (a copy of the client in every row) to schema 8 (client_id) without losing a token or code', async () => {
    const file = join(dir, 'schema-7.db');
    const hour = () => new Date(Date.now() + 3_600_000);
    const first = await createSqliteStore({ filename: file });
    const client = await first.saveClient({ client_id: 'c', client_secret: 's', redirect_uris: ['https://c.example/cb'], grant_types: ['authorization_code', 'refresh_token'], scope: 'read write' });
    // A client the store does not hold, as a client ID metadata document describes one: its rows keep their copy.
    const described: Client = { client_id: 'https://app.example/client.json', redirect_uris: ['https://app.example/cb'], grant_types: ['authorization_code'], token_endpoint_auth_method: 'none' };
    const user = { id: 'u' };
    const pair = { accessToken: randomToken(), accessTokenExpiresAt: hour(), refreshToken: randomToken(), refreshTokenExpiresAt: hour(), scope: ['read'], client, user, grantId: 'g1', extra: { acr: '1' } };
    const other = { accessToken: randomToken(), accessTokenExpiresAt: hour(), scope: ['openid'], client: described, user, grantId: 'g2' };
    const code = { authorizationCode: randomToken(), expiresAt: hour(), redirectUri: 'https://c.example/cb', scope: ['read'], client, user, grantId: 'g3', codeChallenge: 'x'.repeat(43), codeChallengeMethod: 'S256' as const };
    await first.saveToken(pair, client, user);
    await first.saveToken(other, described, user);
    await first.saveAuthorizationCode(code, client, user);
    await first.close();
    toSchema7(file);

    const store = await createSqliteStore({ filename: file });
    try {
      const db = new Database(file, { readonly: true });
      assert.equal(db.pragma('user_version', { simple: true }), 9);
      // Every row names its client; only the described client's row still holds a copy.
      const rows = db.prepare<[], { client_id: string; copy: string | null }>(
        `SELECT client_id, json_extract(data, '$.client.client_id') AS copy FROM access_tokens
         UNION ALL SELECT client_id, json_extract(data, '$.client.client_id') FROM refresh_tokens
         UNION ALL SELECT client_id, json_extract(data, '$.client.client_id') FROM authorization_codes ORDER BY 1`,
      ).all();
      assert.deepEqual(rows, [{ client_id: 'c', copy: null }, { client_id: 'c', copy: null }, { client_id: 'c', copy: null }, { client_id: described.client_id, copy: described.client_id }]);
      db.close();

      const { refreshToken: _r, refreshTokenExpiresAt: _e, ...access } = pair;
      assert.deepEqual(await store.getAccessToken(pair.accessToken), access);
      assert.deepEqual(await store.getAccessToken(other.accessToken), other);
      const { accessToken: _a, accessTokenExpiresAt: _x, ...refresh } = pair;
      assert.deepEqual(await store.getRefreshToken(pair.refreshToken), refresh);
      assert.deepEqual(await store.getAuthorizationCode(code.authorizationCode), code);
      assert.deepEqual((await store.listGrants({ clientId: 'c' })).map((g) => g.grantId), ['g1']);
      assert.deepEqual((await store.listGrants({ clientId: described.client_id })).map((g) => g.grantId), ['g2']);

      // The registration is read from `clients`: an update reaches the client's tokens at once, a deletion takes them.
      const updated = await store.saveClient({ client_id: 'c', client_secret: 's', redirect_uris: ['https://c.example/cb'], grant_types: ['authorization_code', 'refresh_token'], scope: 'read' });
      assert.deepEqual((await store.getAccessToken(pair.accessToken) || undefined)?.client, updated);
      assert.equal(await store.deleteClient('c'), true);
      assert.equal(await store.getAccessToken(pair.accessToken), null);
      assert.equal(await store.getRefreshToken(pair.refreshToken), null);
      assert.equal(await store.getAuthorizationCode(code.authorizationCode), null);
      assert.ok(await store.getAccessToken(other.accessToken));
    } finally {
      await store.close();
    }
  });
});

describe('sqlite store, bearer checks and clients answered from memory (sqlite-read-cache.ts)', () => {
  type SqliteStore = Awaited<ReturnType<typeof createSqliteStore>>;

  /** What `store` answers for `accessToken` now, with "not found" as null. */
  async function check(store: SqliteStore, accessToken: string): Promise<AccessToken | null> {
    return (await store.getAccessToken(accessToken)) || null;
  }

  /** Two stores on one file: this process, and another sharing the file (another worker, the CLI). */
  async function twoProcesses(t: TestContext, name: string) {
    const file = join(dir, `${name}.db`);
    const here = await createSqliteStore({ filename: file });
    const elsewhere = await createSqliteStore({ filename: file });
    t.after(async () => {
      await here.close();
      await elsewhere.close();
    });
    const client = await here.saveClient({ client_id: 'c', client_name: 'Before', redirect_uris: [], grant_types: ['client_credentials'] });
    /** A new token of `c`, checked three times at `here`, so any cache holds it. */
    async function checkedToken(expiresIn = 60_000): Promise<AccessToken> {
      const token = { accessToken: randomToken(), accessTokenExpiresAt: new Date(Date.now() + expiresIn), scope: ['read'], client, user: { id: 'c' }, grantId: randomToken() };
      await here.saveToken(token, client, {});
      for (let i = 0; i < 3; i++) assert.equal((await check(here, token.accessToken))?.grantId, token.grantId);
      return token;
    }
    return { here, elsewhere, checkedToken };
  }

  const revocations: Record<string, (store: SqliteStore, token: AccessToken) => unknown> = {
    'the token itself (RFC 7009)': (store, token) => store.revokeAccessToken(token),
    'its grant': (store, token) => store.revokeGrant?.(token.grantId ?? ''),
    "its client's tokens": (store) => store.revokeTokensOf({ clientId: 'c' }),
    'its client (RFC 7592 §2.3)': (store) => store.deleteClient('c'),
  };

  for (const [i, [what, revoke]] of Object.entries(revocations).entries()) {
    for (const side of ['here', 'elsewhere'] as const) {
      it(`expired and revoked tokens refused immediately, on every process sharing the store: a checked token, revoking ${what} ${side}`, async (t) => {
        const stores = await twoProcesses(t, `revoked-${i}-${side}`);
        const token = await stores.checkedToken();
        await revoke(stores[side], token);
        assert.equal(await check(stores.here, token.accessToken), null);
      });
    }
  }

  it("a client's changed registration reaches its checked tokens at once, changed here or elsewhere", async (t) => {
    const { here, elsewhere, checkedToken } = await twoProcesses(t, 'client-changed');
    const { accessToken } = await checkedToken();
    await here.saveClient({ client_id: 'c', client_name: 'Here', redirect_uris: [], grant_types: ['client_credentials'] });
    assert.equal((await check(here, accessToken))?.client.client_name, 'Here');
    await elsewhere.saveClient({ client_id: 'c', client_name: 'Elsewhere', redirect_uris: [], grant_types: ['client_credentials'] });
    assert.equal((await check(here, accessToken))?.client.client_name, 'Elsewhere');
  });

  it('expired and revoked tokens refused immediately, on every process sharing the store: a checked expired token, once swept, is gone', async (t) => {
    const { here, checkedToken } = await twoProcesses(t, 'swept');
    const { accessToken } = await checkedToken(-1);
    assert.equal(await here.sweepExpired(), 1);
    assert.equal(await check(here, accessToken), null);
  });

  it("a client's new secret, new registration or deletion, here or elsewhere, holds at its next authentication", async (t) => {
    for (const side of ['here', 'elsewhere'] as const) {
      const stores = await twoProcesses(t, `client-auth-${side}`);
      const { here } = stores;
      const registration = { client_id: 's', redirect_uris: [], grant_types: ['client_credentials'] };
      await here.saveClient({ ...registration, client_secret: 'first-secret-first-secret-first-secret' });
      for (let i = 0; i < 3; i++) assert.ok(await here.getClient('s', 'first-secret-first-secret-first-secret'));
      await stores[side].saveClient({ ...registration, client_name: 'Renamed', client_secret: 'second-secret-second-secret-second-se' });
      assert.equal(await here.getClient('s', 'first-secret-first-secret-first-secret'), null, `${side}: the old secret is refused`);
      const renamed = await here.getClient('s', 'second-secret-second-secret-second-se');
      assert.equal(renamed && renamed.client_name, 'Renamed', side);
      await stores[side].deleteClient('s');
      assert.equal(await here.getClient('s', null), null, `${side}: deleted`);
    }
  });

  it('answers each check with its own object: a caller changing one changes no later answer', async (t) => {
    const { here, checkedToken } = await twoProcesses(t, 'own-object');
    const saved = await checkedToken();
    const first = await check(here, saved.accessToken);
    assert.ok(first);
    first.scope = ['admin'];
    first.accessTokenExpiresAt = new Date(0);
    const second = await check(here, saved.accessToken);
    assert.deepEqual(second?.scope, ['read']);
    // The expiry the core checks (RFC 6750 §3.1 invalid_token) is the saved one, to the millisecond.
    assert.equal(second?.accessTokenExpiresAt.getTime(), saved.accessTokenExpiresAt.getTime());
  });
});

describe('sqlite store, file modes', () => {
  it('creates the database and its -wal and -shm files 0600, in a new directory 0700 (they hold the JWT private keys)', async () => {
    const parent = join(dir, 'private');
    const folder = join(parent, 'data');
    const file = join(folder, 'tollgate.db');
    const store = await createSqliteStore({ filename: file });
    try {
      // A write, so that the WAL and its index surely exist.
      await store.saveClient({ client_id: 'c', redirect_uris: [], grant_types: ['password'] });
      for (const path of [file, `${file}-wal`, `${file}-shm`]) assert.equal(statSync(path).mode & 0o777, 0o600, path);
      for (const path of [parent, folder]) assert.equal(statSync(path).mode & 0o777, 0o700, path);
    } finally {
      await store.close();
    }
  });
});

describe('sqlite store, when its file goes away', () => {
  /** Asserts a 503 temporarily_unavailable with Retry-After, as the core renders it (RFC 6749 §4.1.2.1). */
  function isUnavailable(pattern: RegExp) {
    return (err: unknown) =>
      err instanceof TemporarilyUnavailableError &&
      err.status === 503 &&
      Number(err.headers['Retry-After']) > 0 &&
      err.cause instanceof Error &&
      pattern.test(err.cause.message);
  }

  it('a deleted database file answers 503 with Retry-After on writes and ping, logged once (no silent token loss)', async (t) => {
    const file = join(dir, 'deleted.db');
    const store = await createSqliteStore({ filename: file });
    const logged = t.mock.method(console, 'error', () => {});
    try {
      await store.ping();
      const client = await store.saveClient({ client_id: 'c', redirect_uris: [], grant_types: ['password'] });
      rmSync(file);
      await assert.rejects(store.ping(), isUnavailable(/deleted/));
      await assert.rejects(store.saveClient({ ...client, client_id: 'd' }), isUnavailable(/deleted/));
      const token = { accessToken: randomToken(), accessTokenExpiresAt: new Date(Date.now() + 60_000), scope: [], client, user: { id: 'u' }, grantId: 'g' };
      await assert.rejects(async () => store.saveToken(token, client, token.user), isUnavailable(/deleted/));
      assert.equal(logged.mock.callCount(), 1);
      assert.match(String(logged.mock.calls[0]?.arguments[0]), /SQLite database file .*deleted\.db was deleted/);
    } finally {
      await store.close();
    }
  });

  it('a database file replaced by another answers 503 on ping and writes (inode check)', async (t) => {
    const file = join(dir, 'replaced.db');
    const store = await createSqliteStore({ filename: file });
    t.mock.method(console, 'error', () => {});
    try {
      writeFileSync(join(dir, 'other.db'), '');
      renameSync(join(dir, 'other.db'), file);
      await assert.rejects(store.ping(), isUnavailable(/replaced/));
      await assert.rejects(store.saveConsent('u', 'c', ['read']), isUnavailable(/replaced/));
    } finally {
      await store.close();
    }
  });
});
