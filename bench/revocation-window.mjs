/**
 * How long a process sharing a Redis with the revoker may still accept a revoked access token, with that
 * process under load (docs/stores.md, "Redis: bearer checks of recent tokens").
 *
 * `tollgate serve` on Redis (process A) takes wrk's bearer checks at 32 connections on one token the whole
 * time. This process is the revoker (its own Redis store, process B) and a client of A. Each round: a fresh
 * token from A, checked at A until A answers it from memory; B revokes it; the moment B's deletion is
 * answered, the client asks A with the token, and asks again until A refuses it. A revoked token answered
 * 200 is counted, with how long after the revocation's answer A first refused it.
 *
 *   node bench/revocation-window.mjs [--rounds 300] [--url redis://127.0.0.1:6379]
 *
 * Needs dist/ (npm run build), Redis and wrk.
 */
import { spawn } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { fileURLToPath } from 'node:url';
import { startServer, stopServer } from './lib/processes.mjs';
import { BASIC, CLIENT_ID, CLIENT_SECRET, SCOPE, SERVE_RATE_LIMITS, deleteRedisPrefix } from './servers/fixture.mjs';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const { values } = parseArgs({ options: { rounds: { type: 'string', default: '300' }, url: { type: 'string', default: process.env.TOLLGATE_BENCH_REDIS_URL ?? 'redis://127.0.0.1:6379' } } });
const ROUNDS = Number(values.rounds);
const prefix = `bench:window:${process.pid}:`;
const { createRedisStore } = await import(join(ROOT, 'dist', 'stores', 'redis.js'));

const scratch = await mkdtemp(join(tmpdir(), 'tollgate-window-'));
const config = join(scratch, 'config.json');
writeFileSync(config, JSON.stringify({
  store: `${values.url}?prefix=${encodeURIComponent(prefix)}`,
  clients: [{ client_id: CLIENT_ID, client_secret: CLIENT_SECRET, redirect_uris: [], grant_types: ['client_credentials'], scope: SCOPE, token_endpoint_auth_method: 'client_secret_basic' }],
  users: [],
  rateLimit: SERVE_RATE_LIMITS,
}));

const server = await startServer({ command: process.execPath, args: [join(ROOT, 'dist', 'cli.js'), 'serve', '--config', config, '--port', '0'] });
const revoker = await createRedisStore({ url: values.url, prefix });
let wrk;
try {
  const issue = async () => {
    const response = await fetch(`${server.url}/oauth/token`, { method: 'POST', headers: { authorization: BASIC, 'content-type': 'application/x-www-form-urlencoded' }, body: 'grant_type=client_credentials' });
    return (await response.json()).access_token;
  };
  const check = async (token) => (await fetch(`${server.url}/secure`, { headers: { authorization: `Bearer ${token}` } })).status;

  const script = join(scratch, 'bearer.lua');
  writeFileSync(script, `wrk.headers["Authorization"] = "Bearer ${await issue()}"\n`);
  wrk = spawn('wrk', ['-t1', '-c32', '-d3600s', '-s', script, `${server.url}/secure`], { stdio: 'ignore' });
  await new Promise((resolve) => setTimeout(resolve, 2000));

  let stale = 0;
  const late = [];
  const probe = [];
  for (let round = 0; round < ROUNDS; round++) {
    const token = await issue();
    // The first check reads the token, the second reads it tracked and keeps it; the third comes from memory.
    for (let i = 0; i < 3; i++) if ((await check(token)) !== 200) throw new Error('a fresh token was refused');
    const found = await revoker.getAccessToken(token);
    await revoker.revokeAccessToken(found);
    const revokedAt = performance.now();
    const status = await check(token);
    probe.push(performance.now() - revokedAt);
    if (status === 200) {
      stale++;
      while ((await check(token)) === 200);
      late.push(performance.now() - revokedAt);
    }
  }
  const sorted = (list) => [...list].sort((a, b) => a - b);
  const at = (list, q) => sorted(list)[Math.min(list.length - 1, Math.floor(q * list.length))];
  console.log(`${ROUNDS} revocations by another process, tollgate serve on Redis under wrk's bearer checks (32 connections):`);
  console.log(`  the check sent right after the revocation's answer took ${at(probe, 0.5).toFixed(2)} ms at the median, ${at(probe, 0.99).toFixed(2)} ms at p99`);
  console.log(`  revoked tokens still answered 200: ${stale} of ${ROUNDS}${late.length ? `; first refused ${at(late, 0.5).toFixed(2)} ms after the revocation at the median, ${Math.max(...late).toFixed(2)} ms at worst` : ''}`);
} finally {
  wrk?.kill();
  await revoker.close();
  await stopServer(server);
  await deleteRedisPrefix(values.url, prefix);
  await rm(scratch, { recursive: true, force: true });
}
