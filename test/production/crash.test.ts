/**
 * Crash safety: a token answered with 200 is in the store. The server is killed with SIGKILL in the
 * middle of a load of token requests and started again on the same store; every token it had
 * answered must still authenticate.
 */
import { after, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { demoConfig, tempDir, writeConfig } from '../helpers/app-server.js';
import { POSTGRES_URL, REDIS_URL, serviceAvailable } from '../helpers/services.js';
import type { Served } from '../helpers/production.js';
import { postForm, postgresSchema, redisPrefix, secureStatus, serve, stopServers } from '../helpers/production.js';

/** Requests in flight at once. */
const LOOPS = 8;
/** The kill comes once this many tokens have been answered... */
const KILL_AFTER = 200;
/** ...and each loop stops after this many requests whatever happens, so the test is bounded. */
const MAX_PER_LOOP = 200;

const running: Served[] = [];
const cleanups: Array<() => Promise<void>> = [];
after(async () => {
  await stopServers(running);
  for (const cleanup of cleanups) await cleanup();
});

/**
 * Runs LOOPS client_credentials loops against the server and SIGKILLs it once KILL_AFTER tokens are
 * answered. Resolves with every access token that came back in a complete 200 response, and how
 * many requests failed because the server was gone.
 */
async function loadUntilKilled(server: Served): Promise<{ answered: string[]; cut: number }> {
  const answered: string[] = [];
  let cut = 0;
  const loop = async (): Promise<void> => {
    for (let i = 0; i < MAX_PER_LOOP && server.child.signalCode === null; i++) {
      let token: string;
      try {
        const reply = await postForm(server.url, '/oauth/token', { grant_type: 'client_credentials' });
        assert.equal(reply.status, 200, reply.body);
        token = (JSON.parse(reply.body) as { access_token: string }).access_token;
      } catch (err) {
        if (err instanceof assert.AssertionError) throw err;
        // The connection died with the server: this request was never answered.
        cut++;
        return;
      }
      answered.push(token);
      if (answered.length === KILL_AFTER) server.child.kill('SIGKILL');
    }
  };
  await Promise.all(Array.from({ length: LOOPS }, loop));
  await server.exited;
  return { answered, cut };
}

const stores: Array<{ name: string; service?: string; make(): { store: string; cleanup?: () => Promise<void> } }> = [
  { name: 'SQLite', make: () => ({ store: `sqlite:${join(tempDir(), 'tollgate.db')}` }) },
  // WAL + synchronous=NORMAL trades power-loss durability only (docs/stores.md): a killed process loses nothing.
  { name: 'SQLite with synchronous=normal', make: () => ({ store: `sqlite:${join(tempDir(), 'tollgate.db')}?synchronous=normal` }) },
  { name: 'PostgreSQL', service: POSTGRES_URL, make: () => { const s = postgresSchema(); return { store: s.url, cleanup: s.drop }; } },
  { name: 'Redis', service: REDIS_URL, make: () => { const p = redisPrefix(); return { store: p.url, cleanup: p.clear }; } },
];

for (const { name, service, make } of stores) {
  if (service !== undefined && !(await serviceAvailable(name, service))) continue;

  describe(`crash safety on ${name}`, () => {
    test(`every token answered with 200 before a SIGKILL still authenticates after a restart (RFC 6749 §5.1, RFC 6750 §2)`, async () => {
      const { store, cleanup } = make();
      if (cleanup) cleanups.push(cleanup);
      const file = writeConfig(demoConfig({ store, logLevel: 'warn' }));

      const first = await serve(file);
      running.push(first);
      const { answered, cut } = await loadUntilKilled(first);
      assert.equal(first.child.signalCode, 'SIGKILL');
      assert.ok(answered.length >= KILL_AFTER, `${answered.length} tokens answered`);
      assert.ok(cut > 0, 'the kill came in the middle of the load: requests were in flight');

      const second = await serve(file);
      running.push(second);
      const lost: string[] = [];
      for (const token of answered) if ((await secureStatus(second.url, token)) !== 200) lost.push(token);
      assert.equal(lost.length, 0, `${lost.length} of ${answered.length} answered tokens lost (${cut} requests cut off by the kill)`);
    });
  });
}
