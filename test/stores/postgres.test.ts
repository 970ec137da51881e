import { after, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { createServer, connect } from 'node:net';
import type { AddressInfo, Server, Socket } from 'node:net';
import pg from 'pg';
import { storeContract } from '../../src/testing/index.js';
import { createPostgresStore } from '../../src/stores/postgres.js';
import { POSTGRES_URL, serviceAvailable } from '../helpers/services.js';
import { clientRecordsTests } from '../helpers/client-records.js';
import { TemporarilyUnavailableError } from '../../src/errors.js';

/** A 503 temporarily_unavailable with Retry-After, the driver's error kept as its cause (RFC 6749 §4.1.2.1). */
function isUnavailable(err: unknown): boolean {
  return err instanceof TemporarilyUnavailableError && err.status === 503 && Number(err.headers['Retry-After']) > 0 && err.cause !== undefined;
}

/**
 * A TCP relay to `target` that can be cut (port closed, connections dropped) and reopened on the same
 * port, or frozen: the connections open now carry no more bytes but stay open, as a peer gone without
 * a FIN (a partition, a NAT that forgot the flow) looks to the store.
 */
async function relay(target: URL): Promise<{ url: string; cut(): Promise<void>; reopen(): Promise<void>; freeze(): void; close(): Promise<void> }> {
  const sockets = new Set<Socket>();
  let port = 0;
  let server: Server;
  const listen = async () => {
    server = createServer((inbound) => {
      const outbound = connect(Number(target.port) || 5432, target.hostname);
      for (const socket of [inbound, outbound]) {
        sockets.add(socket);
        socket.on('close', () => sockets.delete(socket));
        socket.on('error', () => {});
      }
      inbound.pipe(outbound).pipe(inbound);
    });
    await new Promise<void>((resolve) => server.listen(port, '127.0.0.1', resolve));
    port = (server.address() as AddressInfo).port;
  };
  const cut = async () => {
    for (const socket of sockets) socket.destroy();
    await new Promise((resolve) => server.close(resolve));
  };
  await listen();
  const url = new URL(target);
  url.hostname = '127.0.0.1';
  url.port = String(port);
  const freeze = () => {
    for (const socket of sockets) {
      socket.unpipe();
      socket.pause();
    }
  };
  return { url: url.href, cut, reopen: listen, freeze, close: cut };
}

if (await serviceAvailable('PostgreSQL', POSTGRES_URL)) {
  // One schema per run, so parallel runs and earlier leftovers never meet; dropped at the end.
  const schema = `tollgate_test_${randomUUID().replaceAll('-', '')}`;
  const admin = new pg.Pool({ connectionString: POSTGRES_URL, max: 2 });
  const schemas = [schema, `${schema}_migrations`];
  after(async () => {
    for (const name of schemas) await admin.query(`DROP SCHEMA IF EXISTS ${pg.escapeIdentifier(name)} CASCADE`);
    await admin.end();
  });

  /** Every row of every table in the schema, through a connection of its own. */
  async function dump(): Promise<string> {
    const { rows: tables } = await admin.query<{ table_name: string }>(
      'SELECT table_name FROM information_schema.tables WHERE table_schema = $1',
      [schema],
    );
    const contents = [];
    for (const { table_name } of tables) {
      const { rows } = await admin.query(`SELECT * FROM ${pg.escapeIdentifier(schema)}.${pg.escapeIdentifier(table_name)}`);
      contents.push(rows);
    }
    return JSON.stringify(contents);
  }

  // A pool of several connections, so the contract's races run on different backends at once.
  storeContract('postgres store', () => createPostgresStore({ connectionString: POSTGRES_URL, schema, poolSize: 8 }), {
    rawContents: dump,
  });

  describe("postgres store, tokens' and codes' clients", () => {
    const TABLES = ['access_tokens', 'refresh_tokens', 'authorization_codes'];
    clientRecordsTests(async () => {
      const own = `${schema}_${schemas.length}`;
      schemas.push(own);
      const s = pg.escapeIdentifier(own);
      return {
        open: () => createPostgresStore({ connectionString: POSTGRES_URL, schema: own, poolSize: 2 }),
        async copiesOf() {
          const union = TABLES.map((table) => `SELECT data->'client'->>'client_id' AS id FROM ${s}.${table} WHERE data ? 'client'`).join(' UNION ALL ');
          const { rows } = await admin.query<{ id: string }>(`${union} ORDER BY 1`);
          return rows.map((row) => row.id);
        },
        async asBefore() {
          for (const table of TABLES) {
            await admin.query(`UPDATE ${s}.${table} t SET data = jsonb_set(t.data, '{client}', c.metadata) FROM ${s}.clients c WHERE c.client_id = t.client_id AND NOT t.data ? 'client'`);
            await admin.query(`UPDATE ${s}.${table} SET client_id = NULL`);
          }
        },
      };
    });
  });

  describe('postgres store options', () => {
    it('refuses a queryTimeoutMs that is not a positive number (pg reads 0 as no timeout)', async () => {
      for (const queryTimeoutMs of [0, -1, Number.NaN, Number.POSITIVE_INFINITY]) {
        await assert.rejects(createPostgresStore({ connectionString: POSTGRES_URL, schema, queryTimeoutMs }), /queryTimeoutMs must be a positive number/);
      }
    });
  });

  describe("postgres store, a URL's timeouts", () => {
    // pg would carry each to every connection, the maintenance connection's included.
    for (const parameter of ['query_timeout', 'statement_timeout', 'lock_timeout']) {
      it(`a URL's ${parameter} limits the requests' statements only: one it cuts answers 503, a sweep held up longer finishes`, async () => {
        const url = new URL(POSTGRES_URL);
        url.searchParams.set(parameter, '150');
        const store = await createPostgresStore({ connectionString: url.href, schema, poolSize: 1 });
        const locker = await admin.connect();
        try {
          await store.ping();
          await locker.query('BEGIN');
          await locker.query(`LOCK TABLE ${pg.escapeIdentifier(schema)}.access_tokens IN ACCESS EXCLUSIVE MODE`);
          const sweep = store.sweepExpired();
          sweep.catch(() => {}); // asserted below, once the lock is gone
          // A request's read waits on the same lock and is cut at 150 ms (by pg, or by PostgreSQL: 57014,
          // 55P03); a retry may pass, so 503.
          await assert.rejects(async () => store.getAccessToken(randomUUID()), isUnavailable);
          await new Promise((resolve) => setTimeout(resolve, 200));
          await locker.query('ROLLBACK');
          assert.equal(typeof (await sweep), 'number', 'the sweep waited for the lock and ran');
        } finally {
          await locker.query('ROLLBACK').catch(() => {});
          locker.release();
          await store.close();
        }
      });
    }

    it('is refused when it is not a positive number', async () => {
      for (const value of ['0', '-5', 'soon']) {
        const url = new URL(POSTGRES_URL);
        url.searchParams.set('query_timeout', value);
        await assert.rejects(createPostgresStore({ connectionString: url.href, schema }), /\?query_timeout= must be a positive number/);
      }
    });
  });

  describe('postgres store, when the database is down', () => {
    it('answers 503 with Retry-After while the database is unreachable (closed port), and recovers alone', async () => {
      const proxy = await relay(new URL(POSTGRES_URL));
      const store = await createPostgresStore({ connectionString: proxy.url, schema, poolSize: 2 });
      try {
        await store.ping();
        await proxy.cut();
        // Connections dropped and the port closed: the pool's next connection is refused.
        await assert.rejects(async () => store.getClient(randomUUID(), null), isUnavailable);
        await assert.rejects(store.ping(), isUnavailable);
        await assert.rejects(store.saveConsent('u', 'c', ['read']), isUnavailable);
        await proxy.reopen();
        await store.ping();
        assert.equal(await store.getClient(randomUUID(), null), null);
      } finally {
        await store.close();
        await proxy.close();
      }
    });

    it('a connection that stops answering (half-open) answers 503 after queryTimeoutMs instead of waiting for TCP to give up, and is replaced', async () => {
      const proxy = await relay(new URL(POSTGRES_URL));
      const store = await createPostgresStore({ connectionString: proxy.url, schema, poolSize: 1, queryTimeoutMs: 200 });
      try {
        const client = await store.saveClient({ client_id: randomUUID(), redirect_uris: [], grant_types: ['password'] });
        proxy.freeze();
        const started = Date.now();
        const outcome = (work: () => unknown) =>
          Promise.race([
            (async () => work())().then(
              () => 'answered',
              (err: unknown) => (isUnavailable(err) ? 'unavailable' : err),
            ),
            new Promise((resolve) => setTimeout(resolve, 5_000, 'still waiting after 5 s')),
          ]);
        assert.equal(await outcome(() => store.getClient(randomUUID(), null)), 'unavailable');
        assert.ok(Date.now() - started >= 200, 'it waited for the timeout first');
        // The pool's one connection was closed, not kept: the next query opens a new one through the relay.
        assert.deepEqual(await store.getClient(client.client_id, null), client);
        // A transaction's connection likewise: its ROLLBACK is not answered either, and it is closed.
        const user = { username: `half-open-${randomUUID()}`, password: 'correct horse battery staple' };
        proxy.freeze();
        assert.equal(await outcome(() => store.saveUser(user)), 'unavailable');
        assert.equal((await store.saveUser(user)).username, user.username);
      } finally {
        await proxy.cut();
        await store.close();
      }
    });

    it('answers 503 when its backend is killed mid-query (pg_terminate_backend, SQLSTATE 57P01)', async () => {
      const store = await createPostgresStore({ connectionString: POSTGRES_URL, schema, poolSize: 1 });
      const locker = await admin.connect();
      try {
        const client = await store.saveClient({ client_id: randomUUID(), redirect_uris: [], grant_types: ['password'] });
        // Hold a lock the store's next query must wait for, so its backend is busy when it is killed.
        await locker.query('BEGIN');
        await locker.query(`LOCK TABLE ${pg.escapeIdentifier(schema)}.clients IN ACCESS EXCLUSIVE MODE`);
        const waiting = Promise.resolve(store.getClient(client.client_id, null));
        // It may reject before assert.rejects below is attached: mark it handled now, assert on it after.
        waiting.catch(() => {});
        let pids: number[] = [];
        while (pids.length === 0) {
          const { rows } = await admin.query<{ pid: number }>(
            "SELECT pid FROM pg_stat_activity WHERE wait_event_type = 'Lock' AND query LIKE $1",
            [`%${pg.escapeIdentifier(schema)}.clients%`],
          );
          pids = rows.map((row) => row.pid);
        }
        await admin.query('SELECT pg_terminate_backend(pid) FROM unnest($1::int[]) AS pid', [pids]);
        await assert.rejects(waiting, isUnavailable);
        await locker.query('ROLLBACK');
        // The pool replaces the dead connection on the next query.
        assert.deepEqual(await store.getClient(client.client_id, null), client);
      } finally {
        await locker.query('ROLLBACK').catch(() => {});
        locker.release();
        await store.close();
      }
    });
  });

  describe('postgres store, group commit', () => {
    it('saves the tokens of one turn together, and a token the database refuses fails only its own caller', async () => {
      const store = await createPostgresStore({ connectionString: POSTGRES_URL, schema, poolSize: 2 });
      try {
        const client = await store.saveClient({ client_id: `gc-${randomUUID()}`, redirect_uris: ['https://client.example/cb'], grant_types: ['client_credentials'] });
        const token = (i: number, extra?: Record<string, unknown>) => ({
          accessToken: `gc-${randomUUID()}-${i}`,
          accessTokenExpiresAt: new Date(Date.now() + 60_000),
          refreshToken: `gc-refresh-${randomUUID()}-${i}`,
          refreshTokenExpiresAt: new Date(Date.now() + 120_000),
          scope: ['read'],
          client,
          user: { id: 'u' },
          grantId: randomUUID(),
          ...(extra && { extra }),
        });
        // jsonb refuses the \u0000 escape (SQLSTATE 22P05): in a shared batch it must not take the others down.
        const tokens = [token(0), token(1), token(2, { note: 'nul \u0000 here' }), token(3)];
        const results = await Promise.allSettled(tokens.map((t) => store.saveToken(t, t.client, t.user)));
        assert.deepEqual(results.map((r) => r.status), ['fulfilled', 'fulfilled', 'rejected', 'fulfilled']);
        for (const i of [0, 1, 3]) {
          const t = tokens[i]!;
          assert.ok(await store.getAccessToken(t.accessToken), `access token ${i} saved`);
          assert.ok(await store.getRefreshToken(t.refreshToken), `refresh token ${i} saved`);
        }
        assert.equal(await store.getAccessToken(tokens[2]!.accessToken), null);
        assert.equal(await store.getRefreshToken(tokens[2]!.refreshToken), null);
      } finally {
        await store.close();
      }
    });

    it('bearer checks batched in one turn each get their own token, and a revoked one is refused at once', async () => {
      const store = await createPostgresStore({ connectionString: POSTGRES_URL, schema, poolSize: 2 });
      try {
        const client = await store.saveClient({ client_id: `gc-${randomUUID()}`, redirect_uris: ['https://client.example/cb'], grant_types: ['client_credentials'] });
        const tokens = [0, 1, 2].map((i) => ({
          accessToken: `gc-read-${randomUUID()}`,
          accessTokenExpiresAt: new Date(Date.now() + 60_000),
          scope: [`s${i}`],
          client,
          user: { id: `u${i}` },
          grantId: randomUUID(),
        }));
        await Promise.all(tokens.map((t) => store.saveToken(t, client, t.user)));
        assert.equal(await store.revokeAccessToken(tokens[1]!), true);
        // One turn: the three look-ups share one SELECT, plus one for a token that never existed.
        const found = await Promise.all([...tokens.map((t) => store.getAccessToken(t.accessToken)), store.getAccessToken('gc-never-issued')]);
        assert.deepEqual(found.map((t) => (t ? t.user.id : null)), ['u0', null, 'u2', null]);
        assert.deepEqual(found[2] ? found[2].scope : null, ['s2']);
      } finally {
        await store.close();
      }
    });

    it('single use holds for batched redemptions across processes: two stores racing in one turn each, exactly one wins', async () => {
      // Two pools: two processes' worth of connections. Each store's calls of one turn share one UPDATE.
      const [a, b] = await Promise.all([0, 1].map(() => createPostgresStore({ connectionString: POSTGRES_URL, schema, poolSize: 4 })));
      try {
        const client = await a!.saveClient({ client_id: `gc-${randomUUID()}`, redirect_uris: ['https://client.example/cb'], grant_types: ['authorization_code', 'refresh_token'] });
        const code = (i: number) => ({
          authorizationCode: `gc-code-${randomUUID()}`,
          expiresAt: new Date(Date.now() + 60_000),
          redirectUri: 'https://client.example/cb',
          scope: ['read'],
          client,
          user: { id: `u${i}` },
          grantId: randomUUID(),
        });
        const contested = code(0);
        // Codes only one caller asks for share the batches with the contested one: each is won once.
        const alone = [1, 2, 3, 4].map(code);
        await Promise.all([contested, ...alone].map((c) => a!.saveAuthorizationCode(c, client, c.user)));
        const token = { accessToken: `gc-${randomUUID()}`, accessTokenExpiresAt: new Date(Date.now() + 60_000), refreshToken: `gc-rt-${randomUUID()}`, refreshTokenExpiresAt: new Date(Date.now() + 120_000), scope: ['read'], client, user: { id: 'u' }, grantId: randomUUID() };
        await a!.saveToken(token, client, token.user);
        const refresh = await b!.getRefreshToken(token.refreshToken);
        assert.ok(refresh);

        const [fromA, fromB, aloneA, aloneB, rotations] = await Promise.all([
          Promise.all(Array.from({ length: 25 }, () => a!.revokeAuthorizationCode(contested))),
          Promise.all(Array.from({ length: 25 }, () => b!.revokeAuthorizationCode(contested))),
          Promise.all(alone.slice(0, 2).map((c) => a!.revokeAuthorizationCode(c))),
          Promise.all(alone.slice(2).map((c) => b!.revokeAuthorizationCode(c))),
          Promise.all([a, b, a, b].map((store) => store!.revokeToken(refresh))),
        ]);
        assert.equal([...fromA, ...fromB].filter((won) => won).length, 1);
        assert.deepEqual([...aloneA, ...aloneB], [true, true, true, true]);
        assert.equal(rotations.filter((won) => won).length, 1);
        // Consumed for good, and seen so by either process.
        assert.equal(await b!.revokeAuthorizationCode(contested), false);
        const redeemed = await a!.getAuthorizationCode(contested.authorizationCode);
        assert.ok(redeemed && redeemed.consumedAt);
        const rotated = await b!.getRefreshToken(token.refreshToken);
        assert.ok(rotated && rotated.consumedAt);
      } finally {
        await Promise.all([a, b].map((store) => store!.close()));
      }
    });
  });

  describe('postgres store, migrations', () => {
    it('lets several processes start at once on a new schema, migrating it exactly once', async () => {
      const target = schemas[1] as string;
      const stores = await Promise.all(
        Array.from({ length: 4 }, () => createPostgresStore({ connectionString: POSTGRES_URL, schema: target, poolSize: 2 })),
      );
      try {
        const { rows } = await admin.query(`SELECT version FROM ${pg.escapeIdentifier(target)}.tollgate_migrations ORDER BY version`);
        // Each migration once, however many processes raced to apply it.
        assert.deepEqual(rows, [{ version: 1 }, { version: 2 }, { version: 3 }, { version: 4 }, { version: 5 }, { version: 6 }, { version: 7 }]);
        const again = await createPostgresStore({ connectionString: POSTGRES_URL, schema: target });
        await again.close();
      } finally {
        await Promise.all(stores.map((store) => store.close()));
      }
    });
  });
}
