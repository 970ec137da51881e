/**
 * Two `tollgate serve` servers on one PostgreSQL, two on one Redis (DESIGN.md "Scaling out") and two
 * on one SQLite file (one machine, docs/stores.md), the second with two workers: they share nothing
 * but the store, and behave as one server. Each backend runs in a schema, key prefix or file of its
 * own, removed afterwards.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import Database from 'better-sqlite3';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { demoConfig, REDIRECT_URI, writeConfig } from '../helpers/app-server.js';
import { POSTGRES_URL, REDIS_URL, serviceAvailable } from '../helpers/services.js';
import type { ClientCopies, Served } from '../helpers/production.js';
import { clientToken, mintCode, stopServers, postForm, postgresSchema, redisPrefix, secureStatus, serve } from '../helpers/production.js';

const running: Served[] = [];
const cleanups: Array<() => Promise<void>> = [];
after(async () => {
  await stopServers(running);
  for (const cleanup of cleanups) await cleanup();
});

const backends = [
  { name: 'PostgreSQL', url: POSTGRES_URL, store: () => { const s = postgresSchema(); return { url: s.url, cleanup: s.drop, clientCopies: s.clientCopies }; } },
  { name: 'Redis', url: REDIS_URL, store: () => { const p = redisPrefix(); return { url: p.url, cleanup: p.clear, clientCopies: p.clientCopies }; } },
  {
    name: 'SQLite',
    url: undefined,
    store: () => {
      const dir = mkdtempSync(join(tmpdir(), 'tollgate-shared-'));
      const file = join(dir, 'shared.db');
      return { url: `sqlite:${file}`, cleanup: async () => rmSync(dir, { recursive: true, force: true }), clientCopies: async () => sqliteClientCopies(file) };
    },
  },
];

/** The SQLite file's token and code rows, read as another process would. */
function sqliteClientCopies(file: string): ClientCopies {
  const db = new Database(file, { readonly: true });
  try {
    const union = ['access_tokens', 'refresh_tokens', 'authorization_codes'].map((table) => `SELECT data ->> '$.client' IS NOT NULL AS copy FROM ${table}`).join(' UNION ALL ');
    return db.prepare<[], ClientCopies>(`SELECT count(*) AS rows, coalesce(sum(copy), 0) AS copies FROM (${union})`).get()!;
  } finally {
    db.close();
  }
}

const ROUNDS = 10;

for (const backend of backends) {
  if (backend.url !== undefined && !(await serviceAvailable(backend.name, backend.url))) continue;

  describe(`tollgate serve and tollgate serve --workers 2 on one ${backend.name}`, () => {
    let a: Served;
    let b: Served;
    let store: ReturnType<(typeof backend)['store']>;
    before(async () => {
      store = backend.store();
      cleanups.push(store.cleanup);
      const file = writeConfig(
        demoConfig({ store: store.url, skyvaultCompat: true, sessionSecret: randomBytes(32).toString('base64url'), logLevel: 'warn' }),
      );
      // The second is a cluster: a code raced between them meets three processes.
      a = await serve(file);
      running.push(a);
      b = await serve(file, ['--workers', '2']);
      running.push(b);
    });

    test('a code redeemed at both at once gives exactly one token response (RFC 6749 §4.1.2, single use)', async () => {
      for (let round = 0; round < ROUNDS; round++) {
        const code = await mintCode(round % 2 === 0 ? a.url : b.url);
        const params = { grant_type: 'authorization_code', code, redirect_uri: REDIRECT_URI };
        const replies = await Promise.all([a, b].map((server) => postForm(server.url, '/oauth/token', params)));
        const statuses = replies.map((reply) => reply.status).sort();
        assert.deepEqual(statuses, [200, 400], `round ${round}: ${replies.map((r) => r.body).join(' | ')}`);
        const refused = replies.find((reply) => reply.status === 400);
        assert.equal((JSON.parse(refused?.body ?? '{}') as { error?: string }).error, 'invalid_grant');
      }
    });

    test('a token issued by one process authenticates at the other (RFC 6750 §2)', async () => {
      const fromA = await clientToken(a.url);
      const fromB = await clientToken(b.url);
      assert.equal(await secureStatus(b.url, fromA), 200);
      assert.equal(await secureStatus(a.url, fromB), 200);
    });

    test('expired and revoked tokens refused immediately, on every process sharing the store: a revocation at one process is seen at the other at once (RFC 7009 §2.1)', async () => {
      // Several rounds each way: a process answering checks from memory (SQLite, Redis) must not hold a revoked token even once.
      const pairs = Array.from({ length: ROUNDS }, (_, round): [Served, Served] => (round % 2 === 0 ? [b, a] : [a, b]));
      for (const [checker, revoker] of pairs) {
        const token = await clientToken(revoker.url);
        // Checked several times first: a process that keeps recent checks in memory (SQLite, Redis) holds it.
        for (let i = 0; i < 4; i++) assert.equal(await secureStatus(checker.url, token), 200);
        const revoked = await postForm(revoker.url, '/oauth/revoke', { token });
        assert.equal(revoked.status, 200);
        assert.equal(await secureStatus(checker.url, token), 401);
        const introspection = await postForm(checker.url, '/oauth/introspect', { token });
        assert.deepEqual(JSON.parse(introspection.body), { active: false });
      }
    });

    test('tokens and codes issued through the token and authorization endpoints name their client by id, keeping no copy of its registration', async () => {
      const code = await mintCode(b.url);
      const exchanged = await postForm(a.url, '/oauth/token', { grant_type: 'authorization_code', code, redirect_uri: REDIRECT_URI });
      assert.equal(exchanged.status, 200);
      const { refresh_token: refreshToken } = JSON.parse(exchanged.body) as { refresh_token: string };
      assert.equal((await postForm(b.url, '/oauth/token', { grant_type: 'refresh_token', refresh_token: refreshToken })).status, 200);
      await clientToken(a.url);
      const counted = await store.clientCopies();
      assert.ok(counted.rows >= 6, `rows: ${counted.rows}`);
      assert.equal(counted.copies, 0);
    });

    test('a code replayed at the other process revokes the token issued from it (RFC 6749 §4.1.2)', async () => {
      const code = await mintCode(a.url);
      const params = { grant_type: 'authorization_code', code, redirect_uri: REDIRECT_URI };
      const first = await postForm(a.url, '/oauth/token', params);
      assert.equal(first.status, 200);
      const { access_token: token } = JSON.parse(first.body) as { access_token: string };
      assert.equal(await secureStatus(b.url, token), 200);
      const replay = await postForm(b.url, '/oauth/token', params);
      assert.equal(replay.status, 400);
      assert.equal(await secureStatus(a.url, token), 401);
    });
  });
}
