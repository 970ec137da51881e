/** The config's `store` URL: tollgate's own parameters (?schema=, ?pool_size=, ?prefix=) and the PostgreSQL user a URL leaves out. */
import { after, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { userInfo } from 'node:os';
import pg from 'pg';
import { ConfigError } from '../../src/index.js';
import { validateConfig } from '../../src/app/config.js';
import { parseStoreSpec } from '../../src/app/open-store.js';
import { demoConfig, writeConfig } from '../helpers/app-server.js';
import { POSTGRES_URL, serviceAvailable } from '../helpers/services.js';
import type { Served } from '../helpers/production.js';
import { clientToken, postgresSchema, secureStatus, serve, stopServers } from '../helpers/production.js';

describe('store URLs', () => {
  test('a PostgreSQL URL without a user connects as the operating-system user, as psql does', () => {
    const spec = parseStoreSpec('postgres://127.0.0.1:5432/test', {});
    assert.equal(spec.kind, 'postgres');
    assert.equal(spec.kind === 'postgres' && new URL(spec.connectionString).searchParams.get('user'), userInfo().username);
  });

  test('a PostgreSQL URL keeps its own user, its ?user=, or $PGUSER', () => {
    const cases: Array<[string, NodeJS.ProcessEnv]> = [
      ['postgres://alice@db.example:5432/auth', {}],
      ['postgres://db.example:5432/auth?user=alice', {}],
      ['postgres://db.example:5432/auth', { PGUSER: 'alice' }],
    ];
    for (const [url, env] of cases) assert.deepEqual(parseStoreSpec(url, env), { kind: 'postgres', connectionString: url });
  });

  test('?schema= and ?pool_size= are tollgate\'s, kept from the driver; its own parameters pass through', () => {
    assert.deepEqual(parseStoreSpec('postgresql://alice:pw@db.example/auth?sslmode=require&schema=tenant_a&pool_size=4', {}), {
      kind: 'postgres',
      connectionString: 'postgresql://alice:pw@db.example/auth?sslmode=require',
      schema: 'tenant_a',
      poolSize: 4,
    });
  });

  test('?prefix= gives a Redis store its key prefix', () => {
    assert.deepEqual(parseStoreSpec('redis://:pw@cache.example:6379/2?prefix=auth%3A'), { kind: 'redis', url: 'redis://:pw@cache.example:6379/2', prefix: 'auth:' });
    assert.deepEqual(parseStoreSpec('rediss://cache.example'), { kind: 'redis', url: 'rediss://cache.example' });
  });

  const bad: Array<[string, RegExp]> = [
    ['postgres://alice:hunter22@db.example/auth?pool_size=0', /\?pool_size= must be a whole number from 1 to 1000/],
    ['postgres://alice:hunter22@db.example/auth?pool_size=ten', /\?pool_size= must be a whole number/],
    ['postgres://alice:hunter22@db.example/auth?schema=', /\?schema= must not be empty/],
    [`postgres://alice:hunter22@db.example/auth?schema=${'s'.repeat(64)}`, /\?schema= must be at most 63 bytes/],
    ['postgres://alice:hunter22@db.example/auth?schema=a&schema=b', /\?schema= is given more than once/],
    ['redis://:hunter22@cache.example?prefix=', /\?prefix= must not be empty/],
    ['postgres://alice:hunter22@[db/auth', /is not a valid URL/],
    ['mysql://alice:hunter22@db.example/auth', /must be "memory", "sqlite:<path>", "postgres:\/\/…" or "redis:\/\/…", not "mysql:…"/],
  ];
  for (const [store, message] of bad) {
    test(`a bad store URL is a config error naming config.store, without the password: ${message.source.slice(0, 40)}`, () => {
      assert.throws(
        () => validateConfig({ store }),
        (err: unknown) => err instanceof ConfigError && err.field === 'config.store' && message.test(err.message) && !err.message.includes('hunter22'),
      );
    });
  }
});

if (await serviceAvailable('PostgreSQL', POSTGRES_URL)) {
  describe('tollgate serve on a PostgreSQL URL with no user, with $USER and $PGUSER unset', () => {
    const running: Served[] = [];
    const schema = postgresSchema();
    after(async () => {
      await stopServers(running);
      await schema.drop();
    });

    test('starts as the operating-system user, and keeps its tables in the ?schema= named', async (t) => {
      const url = new URL(schema.url);
      if (url.password) return t.skip('TOLLGATE_TEST_POSTGRES_URL carries a password: the user cannot be left out');
      url.username = '';
      const saved = { USER: process.env.USER, PGUSER: process.env.PGUSER };
      delete process.env.USER;
      delete process.env.PGUSER;
      try {
        running.push(await serve(writeConfig(demoConfig({ store: url.href, logLevel: 'warn' }))));
      } finally {
        for (const [name, value] of Object.entries(saved)) if (value !== undefined) process.env[name] = value;
      }
      const [server] = running;
      assert.ok(server);
      assert.equal(await secureStatus(server.url, await clientToken(server.url)), 200);

      const client = new pg.Client({ connectionString: POSTGRES_URL });
      await client.connect();
      try {
        const { rows } = await client.query<{ n: number }>(
          "SELECT count(*)::int AS n FROM information_schema.tables WHERE table_schema = $1 AND table_name = 'access_tokens'",
          [url.searchParams.get('schema')],
        );
        assert.deepEqual(rows, [{ n: 1 }]);
      } finally {
        await client.end();
      }
    });
  });
}
