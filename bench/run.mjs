#!/usr/bin/env node
/**
 * `npm run bench`: tollgate beside bare node:http, @node-oauth/oauth2-server and oidc-provider, in
 * one run on this machine. Each server runs alone, in its own process, on 127.0.0.1 and a free
 * port; each scenario gets a fresh process (so peak RSS is that scenario's), a warm-up, then a
 * bounded load. A run in which any answer was not 2xx is void. See bench/README.md.
 *
 *   node bench/run.mjs [--quick] [--duration S] [--warmup S] [--only REGEX] [--scenarios a,b]
 *                      [--tool wrk|autocannon] [--no-cli] [--no-core] [--rounds N] [--unpaired]
 *   node bench/run.mjs --growth 1000,10000,100000,1000000   (the cost-growth curve, memory and SQLite)
 *   node bench/run.mjs --instructions   (instructions per request on the main thread, under valgrind)
 */
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { connect } from 'node:net';
import { tmpdir, userInfo } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { capture, cpuMs, peakRss, run, startServer, stopServer } from './lib/processes.mjs';
import { alignedText, markdownTable, textTable } from './lib/table.mjs';
import { COUNTED_REQUESTS, WARMUP_REQUESTS, hasValgrind, readCounts, send, underCallgrind, zeroCounts } from './lib/instructions.mjs';
import { createProver, proofs } from './lib/dpop.mjs';
import { JWT_BEARER_ASSERTION, assertions, createAssertionSigner } from './lib/client-assertion.mjs';
import { BASIC, CLIENT_ID, CLIENT_SECRET, JWT_CLIENT_ID, MINT_PATH, REDIRECT_URI, SCOPE, SERVE_RATE_LIMITS, USER, deleteRedisPrefix } from './servers/fixture.mjs';

const BENCH = dirname(fileURLToPath(import.meta.url));
const ROOT = dirname(BENCH);

const { values: opts } = parseArgs({
  options: {
    quick: { type: 'boolean', default: false },
    duration: { type: 'string' },
    warmup: { type: 'string' },
    only: { type: 'string' },
    scenarios: { type: 'string' },
    tool: { type: 'string' },
    'no-cli': { type: 'boolean', default: false },
    'no-core': { type: 'boolean', default: false },
    growth: { type: 'string' },
    rounds: { type: 'string' },
    unpaired: { type: 'boolean', default: false },
    instructions: { type: 'boolean', default: false },
    help: { type: 'boolean', short: 'h', default: false },
  },
});
if (opts.help) {
  console.log('node bench/run.mjs [--quick] [--duration S] [--warmup S] [--only REGEX] [--scenarios cc-32,cc-128,cc-pkjwt,bearer,dpop,code,refresh] [--tool wrk|autocannon] [--no-cli] [--no-core] [--rounds N] [--unpaired] [--growth 1000,10000,100000,1000000] [--instructions]');
  process.exit(0);
}
const DURATION = Number(opts.duration ?? (opts.quick ? 3 : 6));
const WARMUP = Number(opts.warmup ?? (opts.quick ? 1 : 2));
const ROUNDS = Number(opts.rounds ?? 1);
/** Whether each row is measured beside its references, the load alternating between them (see `measure`). */
const PAIRED = !opts.unpaired;
if (!(DURATION > 0 && DURATION <= 120) || !(WARMUP >= 0 && WARMUP <= 30)) throw new Error('--duration must be 1-120 s and --warmup 0-30 s');
if (!(Number.isInteger(ROUNDS) && ROUNDS >= 1 && ROUNDS <= 9)) throw new Error('--rounds must be 1-9');

// ---- set-up: the bench's own dependencies and the built tollgate ------------------------------

if (!existsSync(join(BENCH, 'node_modules', 'autocannon'))) {
  console.log('bench: installing bench/ dependencies (npm ci --prefix bench)');
  await run('npm', ['ci', '--prefix', BENCH, '--no-audit', '--no-fund']);
}
if (!existsSync(join(ROOT, 'dist', 'index.js'))) {
  console.log('bench: building tollgate (npm run build)');
  await run('npm', ['run', 'build', '--silent'], { cwd: ROOT });
}
const { load, loadTool } = await import('./lib/load.mjs');
const TOOL = loadTool(opts.tool);

function reachable(port) {
  return new Promise((resolve) => {
    const socket = connect({ host: '127.0.0.1', port, timeout: 1000 });
    const done = (ok) => {
      socket.destroy();
      resolve(ok);
    };
    socket.once('connect', () => done(true)).once('timeout', () => done(false)).once('error', () => done(false));
  });
}
const POSTGRES = process.env.TOLLGATE_BENCH_POSTGRES_URL ?? `postgres://${process.env.PGUSER ?? userInfo().username}@127.0.0.1:5432/test`;
const REDIS = process.env.TOLLGATE_BENCH_REDIS_URL ?? 'redis://127.0.0.1:6379';
const services = { postgres: await reachable(5432), redis: await reachable(6379) };
const scratch = mkdtempSync(join(tmpdir(), 'tollgate-bench-'));
process.on('exit', () => rmSync(scratch, { recursive: true, force: true }));

// ---- scenarios --------------------------------------------------------------------------------

const FORM = { 'Content-Type': 'application/x-www-form-urlencoded', Authorization: BASIC };
const TOKEN_PATH = '/oauth/token';
const CC_BODY = `grant_type=client_credentials&scope=${SCOPE}`;

/** The scenario's request; list and chain scenarios also say how to get their single-use items. */
const SCENARIOS = {
  'cc-32': { title: 'client_credentials', connections: 32, request: { method: 'POST', path: TOKEN_PATH, headers: FORM, body: CC_BODY } },
  'cc-128': { title: 'client_credentials', connections: 128, request: { method: 'POST', path: TOKEN_PATH, headers: FORM, body: CC_BODY } },
  // RFC 7523 §2.2: the same issuance, the client authenticated by an ES256 assertion instead of a Basic secret (each assertion single use).
  'cc-pkjwt': {
    title: 'client_credentials, private_key_jwt',
    connections: 32,
    assertion: true,
    request: {
      method: 'POST',
      path: TOKEN_PATH,
      headers: { 'Content-Type': 'application/x-www-form-urlencoded' },
      mode: 'list',
      body: `${CC_BODY}&client_id=${JWT_CLIENT_ID}&client_assertion_type=${encodeURIComponent(JWT_BEARER_ASSERTION)}&client_assertion=`,
    },
  },
  bearer: { title: 'bearer check /secure', connections: 32, bearer: true, request: { method: 'GET', path: '/secure' } },
  // RFC 9449 §7.1: a DPoP-bound token with a fresh proof per request (each proof is single use).
  dpop: { title: 'DPoP-bound check /secure', connections: 32, dpop: true, request: { method: 'GET', path: '/secure', mode: 'header', itemHeader: 'DPoP' } },
  code: {
    title: 'authorization_code exchange',
    connections: 32,
    items: 'code',
    request: { method: 'POST', path: TOKEN_PATH, headers: FORM, mode: 'list', body: `grant_type=authorization_code&redirect_uri=${encodeURIComponent(REDIRECT_URI)}&code=` },
  },
  refresh: {
    title: 'refresh rotation',
    connections: 32,
    items: 'refresh',
    request: { method: 'POST', path: TOKEN_PATH, headers: FORM, mode: 'chain', body: 'grant_type=refresh_token&refresh_token=' },
  },
};
const ALL = Object.keys(SCENARIOS);
/** The reference and the other libraries are set up with neither DPoP nor private_key_jwt: only tollgate rows run `dpop` and `cc-pkjwt`. */
const SHARED = ALL.filter((s) => s !== 'dpop' && s !== 'cc-pkjwt');
const DB_SCENARIOS = ['cc-32', 'bearer', 'code', 'refresh'];
/** What plain-sqlite serves: issuance and the bearer check; plain-pg and plain-redis also take codes and rotate refresh tokens (plain-store.mjs). */
const LIMIT_SCENARIOS = ['cc-32', 'bearer'];

// ---- servers ----------------------------------------------------------------------------------

const node = (file, ...args) => ({ command: process.execPath, args: [join(BENCH, 'servers', file), ...args] });
/** The private_key_jwt client's key, made once per run; its public half is registered by the tollgate rows. */
const signer = await createAssertionSigner(JWT_CLIENT_ID);

/** `tollgate serve` with a generated config (`extra` on top); the throttles are raised so they never answer 429 here. */
function cli(name, store, format, workers = 1, extra = {}) {
  const config = {
    ...extra,
    store,
    accessTokenFormat: format,
    clients: [
      {
        client_id: CLIENT_ID,
        client_secret: CLIENT_SECRET,
        redirect_uris: [REDIRECT_URI],
        grant_types: ['client_credentials', 'authorization_code', 'refresh_token', 'password'],
        scope: SCOPE,
        token_endpoint_auth_method: 'client_secret_basic',
      },
      { client_id: JWT_CLIENT_ID, token_endpoint_auth_method: 'private_key_jwt', jwks: signer.jwks, grant_types: ['client_credentials'], scope: SCOPE },
    ],
    users: [{ username: USER.username, password: USER.password }],
    // The default config (request logging at info included), with only the rate limits raised for the load.
    rateLimit: SERVE_RATE_LIMITS,
  };
  const file = join(scratch, `${name}.json`);
  writeFileSync(file, JSON.stringify(config, null, 2));
  return { command: process.execPath, args: [join(ROOT, 'dist', 'cli.js'), 'serve', '--config', file, '--port', '0', '--workers', String(workers)] };
}

/**
 * A `tollgate serve` on PostgreSQL or Redis gets a schema or key prefix of its own, removed after
 * the run by the server's `cleanup` (the CLI leaves its data, as a server should).
 */
let runs = 0;
const postgresSpec = () => `${POSTGRES}?schema=bench_serve_${process.pid}_${++runs}`;
const redisSpec = () => `${REDIS}?prefix=${encodeURIComponent(`bench:serve:${process.pid}:${++runs}:`)}`;
async function dropSchema() {
  const { default: pg } = await import('pg');
  const client = new pg.Client({ connectionString: POSTGRES });
  await client.connect();
  await client.query(`DROP SCHEMA IF EXISTS bench_serve_${process.pid}_${runs} CASCADE`);
  await client.end();
}
const deletePrefix = () => deleteRedisPrefix(REDIS, `bench:serve:${process.pid}:${runs}:`);

const hasCli = existsSync(join(ROOT, 'dist', 'cli.js'));
const sqliteFile = (name) => `sqlite:${join(scratch, `${name}-${Date.now()}.db`)}`;
/** The durability trade chosen by config (docs/stores.md): WAL synced at checkpoints, not at every commit. */
const NORMAL = 'synchronous=normal';
const SERVERS = [
  { id: 'plain', label: 'plain node:http', reference: true, start: () => node('plain.mjs'), scenarios: SHARED },
  { id: 'node-oauth2-server', label: 'node-oauth2-server 5 (Express 5)', start: () => node('node-oauth2-server.mjs'), scenarios: SHARED },
  { id: 'oidc-provider', label: 'oidc-provider 9', start: () => node('oidc-provider.mjs'), scenarios: SHARED },
  // Each store's own physical limit: the same driver and durability, one write per token, one indexed read per check.
  { id: 'plain-sqlite', label: 'plain node:http + SQLite', reference: true, start: () => node('plain-sqlite.mjs', '--file', sqliteFile('plain').slice(7)), scenarios: LIMIT_SCENARIOS },
  { id: 'plain-sqlite-normal', label: `plain node:http + SQLite, ${NORMAL}`, reference: true, start: () => node('plain-sqlite.mjs', '--file', sqliteFile('plain-normal').slice(7), '--synchronous', 'normal'), scenarios: LIMIT_SCENARIOS },
  { id: 'plain-pg', label: 'plain node:http + PostgreSQL', reference: true, needs: 'postgres', start: () => node('plain-pg.mjs', '--url', POSTGRES), scenarios: DB_SCENARIOS },
  { id: 'plain-redis', label: 'plain node:http + Redis', reference: true, needs: 'redis', start: () => node('plain-redis.mjs', '--url', REDIS), scenarios: DB_SCENARIOS },
  // The JWT rows' own limit: the same work with each token an ES256 JWT, signed as tollgate signs.
  { id: 'plain-jwt', label: 'plain node:http, ES256 JWTs', reference: true, start: () => node('plain-jwt.mjs'), scenarios: LIMIT_SCENARIOS },
  // What two processes doing the plain work give on this machine (node:cluster, as `--workers 2`): the honest
  // measure of a tollgate --workers 2 row. plain.mjs's Map is per process, so its 2-worker row only issues.
  { id: 'plain-2', label: 'plain node:http --workers 2', reference: true, workers: 2, start: () => node('cluster.mjs', '--workers', '2', 'plain.mjs'), scenarios: ['cc-32'] },
  { id: 'plain-sqlite-2', label: 'plain node:http + SQLite --workers 2', reference: true, workers: 2, start: () => node('cluster.mjs', '--workers', '2', 'plain-sqlite.mjs', '--file', sqliteFile('plain2').slice(7)), scenarios: LIMIT_SCENARIOS },
  { id: 'core-memory', core: true, label: 'tollgate core, memory', start: () => node('tollgate-core.mjs', '--store', 'memory', '--client-jwks', JSON.stringify(signer.jwks)), scenarios: ALL },
  { id: 'core-jwt', limit: 'plain-jwt', core: true, label: 'tollgate core, memory, JWT', start: () => node('tollgate-core.mjs', '--store', 'memory', '--format', 'jwt'), scenarios: ['cc-32', 'bearer', 'dpop'] },
  // The core on Fastify with nothing else (tollgate's Fastify plugin): what Fastify costs, beside the core on node:http and serve.
  { id: 'core-fastify', core: true, label: 'tollgate core on Fastify, memory', start: () => node('tollgate-core.mjs', '--store', 'memory', '--host', 'fastify'), scenarios: ['cc-32', 'bearer'] },
  { id: 'core-fastify-jwt', limit: 'plain-jwt', core: true, label: 'tollgate core on Fastify, memory, JWT', start: () => node('tollgate-core.mjs', '--store', 'memory', '--format', 'jwt', '--host', 'fastify'), scenarios: ['cc-32', 'bearer'] },
  { id: 'core-sqlite', limit: 'plain-sqlite', core: true, label: 'tollgate core, SQLite', start: () => node('tollgate-core.mjs', '--store', sqliteFile('core')), scenarios: DB_SCENARIOS },
  { id: 'core-postgres', limit: 'plain-pg', core: true, label: 'tollgate core, PostgreSQL', needs: 'postgres', start: () => node('tollgate-core.mjs', '--store', POSTGRES), scenarios: DB_SCENARIOS },
  { id: 'core-redis', limit: 'plain-redis', core: true, label: 'tollgate core, Redis', needs: 'redis', start: () => node('tollgate-core.mjs', '--store', REDIS), scenarios: DB_SCENARIOS },
  { id: 'serve-memory', cli: true, label: 'tollgate serve, memory', start: () => cli('memory', 'memory', 'opaque'), scenarios: ['cc-32', 'cc-128', 'cc-pkjwt', 'bearer', 'dpop', 'refresh'] },
  // The default config but `logLevel: "warn"`, measured beside serve-memory: what request logging at `info` costs in req/s.
  { id: 'serve-memory-warn', logged: 'serve-memory', cli: true, label: 'tollgate serve, memory, logLevel warn', start: () => cli('memory-warn', 'memory', 'opaque', 1, { logLevel: 'warn' }), scenarios: ['cc-32', 'bearer'] },
  { id: 'serve-jwt', limit: 'plain-jwt', cli: true, label: 'tollgate serve, memory, JWT', start: () => cli('jwt', 'memory', 'jwt'), scenarios: ['cc-32', 'bearer'] },
  { id: 'serve-sqlite', limit: 'plain-sqlite', cli: true, label: 'tollgate serve, SQLite', start: () => cli('sqlite', sqliteFile('serve'), 'opaque'), scenarios: ['cc-32', 'bearer'] },
  { id: 'serve-sqlite-normal', limit: 'plain-sqlite-normal', cli: true, label: `tollgate serve, SQLite, ${NORMAL}`, start: () => cli('sqlite-normal', `${sqliteFile('serve-normal')}?${NORMAL}`, 'opaque'), scenarios: ['cc-32', 'bearer'] },
  { id: 'serve-postgres', limit: 'plain-pg', cli: true, label: 'tollgate serve, PostgreSQL', needs: 'postgres', start: () => cli('postgres', postgresSpec(), 'opaque'), cleanup: dropSchema, scenarios: ['cc-32', 'bearer'] },
  { id: 'serve-redis', limit: 'plain-redis', cli: true, label: 'tollgate serve, Redis', needs: 'redis', start: () => cli('redis', redisSpec(), 'opaque'), cleanup: deletePrefix, scenarios: ['cc-32', 'bearer'] },
  // Two processes on the machine's two cores, sharing one SQLite file (the memory store cannot be shared).
  { id: 'serve-sqlite-2', limit: 'plain-sqlite-2', cli: true, workers: 2, label: 'tollgate serve --workers 2, SQLite', start: () => cli('sqlite-2', sqliteFile('serve2'), 'opaque', 2), scenarios: ['cc-32', 'bearer'] },
];

/**
 * `--growth`: the same core rows with N live tokens saved before the run (half live for an hour, half
 * expiring during it) and a sweep every 2 s, so the curve shows what the number of tokens and the
 * sweeps cost per request; the max latency column shows whether a sweep stalls the server.
 */
function growthServers(sizes) {
  const short = (n) => (n >= 1e6 ? `${n / 1e6}M` : n >= 1e3 ? `${n / 1e3}k` : String(n));
  return [
    SERVERS[0],
    ...['memory', 'sqlite'].flatMap((store) =>
      sizes.map((n) => ({
        id: `growth-${store}-${n}`,
        label: `tollgate core, ${store === 'memory' ? 'memory' : 'SQLite'}, ${short(n)} tokens`,
        // Saving a million tokens before listening takes a while on a busy machine.
        startTimeoutMs: 900_000,
        start: () => node('tollgate-core.mjs', '--store', store === 'memory' ? 'memory' : sqliteFile(`growth-${n}`), '--tokens', String(n), '--sweep-seconds', '2'),
        scenarios: ['cc-32', 'bearer'],
      })),
    ),
  ];
}
const LIST = opts.growth ? growthServers(opts.growth.split(',').map(Number)) : SERVERS;

// ---- one measured run ---------------------------------------------------------------------------

async function post(url, path, body, headers) {
  const response = await fetch(url + path, { method: 'POST', headers, body });
  const text = await response.text();
  if (!response.ok) throw new Error(`${path} answered ${response.status}: ${text.slice(0, 200)}`);
  return JSON.parse(text);
}

/** An access token from the server itself, for the bearer check; DPoP-bound when `prove` is given. */
async function accessToken(url, prove) {
  const headers = prove ? { ...FORM, DPoP: await prove('POST', url + TOKEN_PATH) } : FORM;
  return (await post(url, TOKEN_PATH, CC_BODY, headers)).access_token;
}

/** How many proofs a DPoP run of `seconds` needs: this server's bearer check rate, with room. */
function proofsFor(server, scenario, seconds) {
  return Math.ceil((measuredBearer.get(server.id) ?? 25_000) * 1.2 * seconds) + scenario.connections * 4;
}
const measuredBearer = new Map();

/**
 * Single-use items made ahead, through each server's own API (the bench hosts' MINT_PATH). A
 * `tollgate serve` has no such route: its refresh tokens come from the password grant, and it
 * cannot mint codes fast enough (one scrypt per /authorize login).
 */
async function mint(server, url, kind, n) {
  if (server.cli) {
    if (kind === 'code') throw new Skip('codes cannot be pre-minted into a running `tollgate serve` (see tollgate core rows)');
    const body = `grant_type=password&username=${USER.username}&password=${USER.password}&scope=${SCOPE}`;
    const tokens = [];
    for (let i = 0; i < n; i += 4) {
      const batch = await Promise.all(Array.from({ length: Math.min(4, n - i) }, () => post(url, TOKEN_PATH, body, FORM)));
      tokens.push(...batch.map((b) => b.refresh_token));
    }
    return tokens;
  }
  const values = [];
  for (let left = n; left > 0; left -= 5000) {
    values.push(...(await post(url, MINT_PATH, JSON.stringify({ kind, n: Math.min(5000, left) }), { 'Content-Type': 'application/json' })));
  }
  if (values.some((v) => typeof v !== 'string' || v === '')) throw new Error(`minting ${kind} gave an empty value`);
  return values;
}

class Skip extends Error {}

/** How many single-use items a run of `seconds` needs: this server's measured issuance rate, with room. */
function itemsFor(server, scenario, seconds) {
  if (scenario.items === 'refresh') return scenario.connections * 2;
  const rate = measuredRate.get(server.id) ?? 25_000;
  return Math.ceil(rate * 1.4 * seconds) + scenario.connections * 4;
}
const measuredRate = new Map();

/**
 * Starts `server` for scenario `name` and warms it up. The handle's `slice(seconds)` loads it once (its
 * single-use items made just before, outside the measured time) and returns the figures with the CPU the
 * server used; `close()` stops it. Throws `Skip` when the server cannot run the scenario.
 */
async function open(server, name) {
  const scenario = SCENARIOS[name];
  const started = await startServer({ ...server.start(), cwd: BENCH, timeoutMs: server.startTimeoutMs ?? 90_000 }).catch(async (err) => {
    await server.cleanup?.();
    throw new DidNotStart(err.message.split('\n')[0]);
  });
  const close = async () => {
    await stopServer(started);
    await server.cleanup?.();
  };
  try {
    const request = { ...scenario.request };
    if (scenario.bearer) request.headers = { Authorization: `Bearer ${await accessToken(started.url)}` };
    const prove = scenario.dpop ? await createProver() : undefined;
    const dpopToken = prove ? await accessToken(started.url, prove) : undefined;
    if (dpopToken) request.headers = { Authorization: `DPoP ${dpopToken}` };
    const prepare = async (seconds, factor) => {
      if (prove) return proofs(prove, proofsFor(server, scenario, seconds) * factor, 'GET', `${started.url}/secure`, dpopToken);
      // RFC 7523 §3: aud is the issuer, which is the URL the server printed.
      if (scenario.assertion) return assertions(signer, itemsFor(server, scenario, seconds) * factor, started.url);
      return scenario.items ? mint(server, started.url, scenario.items, itemsFor(server, scenario, seconds) * factor) : undefined;
    };
    const options = { url: started.url, request, connections: scenario.connections };
    if (WARMUP > 0) await load(TOOL, { ...options, items: await prepare(WARMUP, 1), seconds: WARMUP });
    const slice = async (seconds) => {
      for (let factor = 1; ; factor *= 2) {
        const items = await prepare(seconds, factor);
        const cpuBefore = cpuMs(started.child.pid);
        const result = await load(TOOL, { ...options, items, seconds });
        // Ran out of pre-minted items: once more with twice as many.
        if (result.exhausted > 0 && factor === 1) continue;
        return { ...result, cpuMs: cpuMs(started.child.pid) - cpuBefore };
      }
    };
    return { slice, close, peakRss: () => peakRss(started.child.pid) };
  } catch (err) {
    await close();
    throw err;
  }
}

class DidNotStart extends Error {}

/**
 * One figure from the slices of one server's load: requests over the time they took, the latency
 * percentiles as the request-weighted mean of the slices' (exact for one slice), the worst max, and
 * every error counted.
 */
function combine(slices) {
  const requests = slices.reduce((sum, r) => sum + r.requests, 0);
  const seconds = slices.reduce((sum, r) => sum + (r.rps > 0 ? r.requests / r.rps : 0), 0);
  const weighted = (field) => (requests > 0 ? slices.reduce((sum, r) => sum + r[field] * r.requests, 0) / requests : slices[0][field]);
  const total = (field) => slices.reduce((sum, r) => sum + r[field], 0);
  return {
    requests,
    rps: seconds > 0 ? requests / seconds : 0,
    p50: weighted('p50'),
    p99: weighted('p99'),
    max: Math.max(...slices.map((r) => r.max)),
    non2xx: total('non2xx'),
    exhausted: total('exhausted'),
    socketErrors: total('socketErrors'),
    firstBad: slices.find((r) => r.firstBad)?.firstBad,
    cpuPerRequest: requests > 0 ? (total('cpuMs') * 1000) / requests : undefined,
  };
}

/** Why a combined load does not count: any non-2xx answer, socket error or shortage of items. */
function voidReason(result) {
  const reasons = [];
  if (result.non2xx > 0) reasons.push(`${result.non2xx} non-2xx (first: ${result.firstBad})`);
  if (result.socketErrors > 0) reasons.push(`${result.socketErrors} socket errors`);
  if (result.exhausted > 0) reasons.push(`ran out of pre-minted items (${result.exhausted})`);
  if (result.requests === 0) reasons.push('no request completed');
  return reasons.length > 0 ? reasons.join('; ') : undefined;
}

/**
 * The references a row's ratios are taken against, as [server, scenario], each once: plain node:http (its
 * bearer check for a DPoP-bound one, its client_credentials for private_key_jwt), the store's own limit,
 * for a `--workers` row the same server with one worker, and for serve-memory-warn serve-memory (logging on).
 */
function referencesOf(server, name) {
  if (server.id === 'plain') return [];
  const ids = new Set(['plain', server.limit, server.logged, server.workers > 1 ? singleOf(server.id) : undefined]);
  return [...ids]
    .map((id) => LIST.find((s) => s.id === id))
    .filter((ref) => ref && !(ref.needs && !services[ref.needs]))
    .map((ref) => [ref, ref.id === 'plain' ? plainScenario(name) : name])
    .filter(([ref, scenario]) => ref.scenarios.includes(scenario));
}
/** The one-worker server of a `--workers 2` row. */
const singleOf = (serverId) => serverId.replace(/-\d+$/, '');
/** plain's scenario for a row's: plain has no DPoP (its bearer check) and no assertions (its client_credentials). */
const plainScenario = (name) => (name === 'dpop' ? 'bearer' : name === 'cc-pkjwt' ? 'cc-32' : name);

/**
 * Measures one server on one scenario. Unpaired: DURATION seconds of load on it alone. Paired (the
 * default): its references run beside it, and the load alternates between them one second at a time
 * (row, refs, refs, row, …) for DURATION seconds each, so both see the same minutes of the machine; the
 * row keeps each reference's figure from those same seconds (`paired`) for its ratios.
 */
async function measure(server, name) {
  const scenario = SCENARIOS[name];
  const row = { server: server.label, serverId: server.id, scenarioId: name, scenario: scenario.title, connections: scenario.connections };
  const refs = PAIRED ? referencesOf(server, name) : [];
  const opened = [];
  try {
    const handle = await open(server, name);
    opened.push(handle);
    const refHandles = [];
    for (const [ref, refScenario] of refs) {
      // A reference that cannot run leaves the row measured without it (its ratio then falls back to the round's row).
      const refHandle = await open(ref, refScenario).catch(() => undefined);
      if (refHandle === undefined) continue;
      opened.push(refHandle);
      refHandles.push([ref.id, refHandle]);
    }
    const own = [];
    const theirs = new Map(refHandles.map(([id]) => [id, []]));
    const slices = refHandles.length === 0 ? [DURATION] : Array.from({ length: DURATION }, () => 1);
    for (const [i, seconds] of slices.entries()) {
      // Alternating which goes first, so neither always loads a machine the other has just warmed.
      const order = i % 2 === 0 ? [[undefined, handle], ...refHandles] : [...refHandles, [undefined, handle]];
      for (const [id, h] of order) (id === undefined ? own : theirs.get(id)).push(await h.slice(seconds));
    }
    Object.assign(row, combine(own), { peakRss: handle.peakRss() });
    const reason = voidReason(row);
    if (reason) row.void = reason;
    if (refHandles.length > 0) {
      row.paired = {};
      for (const [id, results] of theirs) {
        const result = combine(results);
        if (!voidReason(result)) row.paired[id] = { rps: result.rps, p99: result.p99, cpuPerRequest: result.cpuPerRequest };
      }
    }
    if (name === 'cc-32' && !row.void) measuredRate.set(server.id, row.rps);
    if (name === 'bearer' && !row.void) measuredBearer.set(server.id, row.rps);
    return row;
  } catch (err) {
    if (err instanceof Skip) return { ...row, skipped: err.message };
    if (err instanceof DidNotStart) return { ...row, void: `did not start: ${err.message}` };
    return { ...row, void: `failed: ${err.message.split('\n')[0]}` };
  } finally {
    for (const handle of opened) await handle.close();
  }
}

// ---- the run ----------------------------------------------------------------------------------

const only = opts.only ? new RegExp(opts.only, 'i') : undefined;
const wanted = opts.scenarios ? opts.scenarios.split(',') : ALL;
for (const s of wanted) if (!SCENARIOS[s]) throw new Error(`unknown scenario "${s}" (known: ${ALL.join(', ')})`);

// ---- --instructions: what a request costs on the main thread, counted (bench/lib/instructions.mjs) ----

/**
 * The rows counted: the reference, the core on node:http and on bare Fastify and `tollgate serve`, on memory,
 * opaque and JWT, and serve with request logging off.
 */
const INSTRUCTION_ROWS = [
  // serve-memory-warn beside serve-memory: what request logging at `info` costs; core-fastify between the
  // core and serve: what Fastify costs, and what serve's own hooks cost on top.
  ...['plain', 'core-memory', 'core-fastify', 'serve-memory', 'serve-memory-warn', 'core-jwt', 'core-fastify-jwt', 'serve-jwt'].map((id) => SERVERS.find((s) => s.id === id)),
];

/** One server under callgrind for one scenario: start, warm up, zero the counts, send the counted requests, stop, read. */
async function countInstructions(server, name) {
  const scenario = SCENARIOS[name];
  const out = join(scratch, `callgrind-${server.id}-${name}.out`);
  const started = await startServer({ ...underCallgrind(server.start(), out), cwd: BENCH, timeoutMs: 180_000 });
  try {
    const request = { ...scenario.request, headers: { ...scenario.request.headers } };
    if (scenario.bearer) request.headers.Authorization = `Bearer ${await accessToken(started.url)}`;
    await send(started.url, request, WARMUP_REQUESTS);
    await zeroCounts(started.child.pid);
    await send(started.url, request, COUNTED_REQUESTS);
  } finally {
    // callgrind writes its counts as the process exits; under valgrind that takes a while.
    await stopServer(started, 120_000);
    await server.cleanup?.();
  }
  const { main, all } = readCounts(out, started.child.pid);
  return { server: server.label, serverId: server.id, scenarioId: name, scenario: scenario.title, mainPerRequest: main / COUNTED_REQUESTS, allPerRequest: all / COUNTED_REQUESTS };
}

if (opts.instructions) {
  if (!(await hasValgrind())) throw new Error('--instructions needs valgrind (Debian: apt-get install valgrind)');
  if (!hasCli) throw new Error('--instructions needs dist/cli.js (npm run build)');
  const jobs = INSTRUCTION_ROWS.filter((s) => !only || only.test(s.id) || only.test(s.label) || s.id === 'plain').flatMap((server) =>
    ['cc-32', 'bearer'].filter((name) => wanted.includes(name)).map((name) => () => countInstructions(server, name)),
  );
  console.log(`bench: instructions per request on each server's main thread (callgrind): ${WARMUP_REQUESTS} requests to warm up, ${COUNTED_REQUESTS} counted; ${jobs.length} runs, one at a time`);
  // One at a time: when V8's compiler threads deliver optimised code depends on the time they get, and
  // with four servers counted at once the same build's count moved by up to 15%.
  const counted = [];
  for (const job of jobs) {
    const row = await job();
    console.log(`  ${row.server} / ${row.scenarioId}: ${(row.mainPerRequest / 1000).toFixed(1)}k instructions per request on the main thread`);
    counted.push(row);
  }
  const order = (r) => INSTRUCTION_ROWS.findIndex((s) => s.id === r.serverId) * 2 + (r.scenarioId === 'bearer' ? 1 : 0);
  counted.sort((a, b) => order(a) - order(b));
  for (const row of counted) {
    const plain = counted.find((r) => r.serverId === 'plain' && r.scenarioId === row.scenarioId);
    if (plain) row.mainRatio = row.mainPerRequest / plain.mainPerRequest;
  }
  const header = ['server', 'scenario', 'main thread, k instr./request', 'x plain', 'all threads, k'];
  const cells = counted.map((r) => [r.server, r.scenario, (r.mainPerRequest / 1000).toFixed(1), r.mainRatio?.toFixed(2) ?? '-', (r.allPerRequest / 1000).toFixed(1)]);
  console.log(`\n${alignedText(header, cells)}`);
  for (const name of ['cc-32', 'bearer']) {
    const info = counted.find((r) => r.serverId === 'serve-memory' && r.scenarioId === name);
    const warn = counted.find((r) => r.serverId === 'serve-memory-warn' && r.scenarioId === name);
    if (info && warn) console.log(`request logging at info (serve-memory beside serve-memory-warn, ${name}): ${(100 * (1 - warn.mainPerRequest / info.mainPerRequest)).toFixed(1)}% of the main thread's instructions per request`);
  }
  mkdirSync(join(BENCH, 'results'), { recursive: true });
  writeFileSync(join(BENCH, 'results', 'instructions.json'), JSON.stringify({ date: new Date().toISOString(), node: process.version, warmupRequests: WARMUP_REQUESTS, countedRequests: COUNTED_REQUESTS, rows: counted }, null, 2));
  console.log('bench: wrote bench/results/instructions.json');
  process.exit(0);
}

const cpu = (await capture('nproc', [])).trim();
console.log(`bench: ${TOOL}${TOOL === 'wrk' ? ' (1 thread)' : ''}, ${WARMUP} s warm-up + ${DURATION} s per scenario${ROUNDS > 1 ? `, ${ROUNDS} rounds` : ''}${PAIRED ? ', each row beside its references (1 s slices, alternating)' : ''}, node ${process.version}, ${cpu} CPUs`);
if (!hasCli) console.log('bench: dist/cli.js not found: `tollgate serve` rows skipped (the core rows run through bench/servers/tollgate-core.mjs)');

const notes = [];
/**
 * One row per measured server and scenario, per round. A round measures every row once; even rounds take
 * the servers in reverse order, so a machine growing busier (or quieter) over the run favours neither the
 * references (measured first) nor the rows measured last.
 */
const measuredRows = [];
for (let round = 1; round <= ROUNDS; round++) {
  if (ROUNDS > 1) console.log(`round ${round} of ${ROUNDS}${round % 2 === 0 ? ' (servers in reverse order)' : ''}`);
  for (const server of round % 2 === 0 ? [...LIST].reverse() : LIST) {
    // Unpaired ratios need each reference's own row; paired rows measure their references beside them.
    if (only && !(server.reference && !PAIRED) && !only.test(server.id) && !only.test(server.label)) continue;
    if ((server.cli && (opts['no-cli'] || !hasCli)) || (server.core && opts['no-core'])) continue;
    for (const name of server.scenarios.filter((s) => wanted.includes(s))) {
      let row;
      if (server.needs && !services[server.needs]) {
        row = { server: server.label, serverId: server.id, scenarioId: name, scenario: SCENARIOS[name].title, connections: SCENARIOS[name].connections, skipped: `${server.needs} not reachable` };
      } else {
        process.stdout.write(`  ${server.label} / ${name} ... `);
        row = await measure(server, name);
        const beside = Object.entries(row.paired ?? {}).map(([id, ref]) => `${id} ${ref.rps.toFixed(0)}`);
        console.log(
          row.skipped ? `skipped (${row.skipped})`
            : row.void ? `VOID: ${row.void}`
            : `${row.rps.toFixed(0)} req/s, p99 ${row.p99.toFixed(2)} ms, max ${row.max.toFixed(0)} ms${beside.length > 0 ? ` (beside it: ${beside.join(', ')} req/s)` : ''}`,
        );
      }
      measuredRows.push({ ...row, round });
    }
  }
}

// Ratios measured in this same run: to plain node:http (a Map), to the row's own limit (plain-<store>, or
// plain-jwt for JWTs), and for a --workers row to the same server with one worker (referencesOf). A paired
// row's are to the references' figures from its own slices; without pairing (or when a reference's slices
// were void), to the reference's own row of the same round.
const usable = (r) => r && !r.void && !r.skipped;
const inRound = (round, serverId, scenarioId) => measuredRows.find((r) => r.round === round && r.serverId === serverId && r.scenarioId === scenarioId && usable(r));
for (const row of measuredRows.filter(usable)) {
  const server = LIST.find((s) => s.id === row.serverId);
  const reference = (serverId, scenarioId) => serverId && (row.paired?.[serverId] ?? inRound(row.round, serverId, scenarioId));
  const plain = reference('plain', plainScenario(row.scenarioId));
  if (plain) {
    row.rpsRatio = row.rps / plain.rps;
    row.p99Ratio = row.p99 / plain.p99;
  }
  const limit = reference(server?.limit, row.scenarioId);
  if (limit) row.limitRatio = row.rps / limit.rps;
  const single = reference(server?.workers > 1 ? singleOf(row.serverId) : undefined, row.scenarioId);
  if (single) row.workersRatio = row.rps / single.rps;
  const logged = reference(server?.logged, row.scenarioId);
  if (logged) row.loggedRatio = logged.rps / row.rps;
}

/**
 * With `--rounds N`, each figure is the median of its N rounds (a ratio: the median of the N ratios, each to
 * its reference of the same round), so a few minutes of a busier machine move one round, not the result.
 * A row void or skipped in any round is void or skipped in the result.
 */
const median = (values) => {
  const sorted = values.filter((v) => v !== undefined).sort((a, b) => a - b);
  if (sorted.length === 0) return undefined;
  const mid = sorted.length >> 1;
  return sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
};
const MEDIAN_FIELDS = ['rps', 'p50', 'p99', 'max', 'cpuPerRequest', 'peakRss', 'rpsRatio', 'p99Ratio', 'limitRatio', 'workersRatio', 'loggedRatio'];
const rows = [];
for (const first of measuredRows.filter((r) => r.round === 1)) {
  const all = measuredRows.filter((r) => r.serverId === first.serverId && r.scenarioId === first.scenarioId);
  const bad = all.find((r) => !usable(r));
  if (ROUNDS === 1 || bad) {
    rows.push(bad ?? first);
    continue;
  }
  const row = { ...first, rounds: all.length };
  for (const field of MEDIAN_FIELDS) row[field] = median(all.map((r) => r[field]));
  rows.push(row);
}
const measured = (serverId, scenarioId) => rows.find((r) => r.serverId === serverId && r.scenarioId === scenarioId && usable(r));

/**
 * The issue-17 targets, at 32 connections: `rps` is the least req/s ratio to `of` (plain node:http,
 * the store's own limit, or the same server with one worker), `p99` the most p99 ratio to plain's.
 */
const TARGETS = [
  { server: 'serve-memory', scenario: 'cc-32', rps: 0.6, p99: 2, what: 'token issuance, memory, default config (tollgate serve)' },
  { server: 'serve-memory', scenario: 'bearer', rps: 0.7, p99: 2, what: 'bearer check, memory, default config (tollgate serve)' },
  { server: 'serve-sqlite', scenario: 'cc-32', rps: 0.5, p99: 3, what: 'token issuance, SQLite (tollgate serve)' },
  { server: 'serve-sqlite', scenario: 'bearer', rps: 0.6, p99: 3, what: 'bearer check, SQLite (tollgate serve)' },
  // Issue 17's alternative: the same targets with the durability trade documented and chosen by config.
  { server: 'serve-sqlite-normal', scenario: 'cc-32', rps: 0.5, p99: 3, what: `token issuance, SQLite, ${NORMAL} (tollgate serve; the durability trade chosen by config)` },
  { server: 'serve-sqlite-normal', scenario: 'bearer', rps: 0.6, p99: 3, what: `bearer check, SQLite, ${NORMAL} (tollgate serve; the durability trade chosen by config)` },
  { server: 'serve-jwt', scenario: 'cc-32', rps: 0.45, p99: 2, what: 'token issuance, JWT (tollgate serve)' },
  { server: 'serve-jwt', scenario: 'bearer', rps: 0.65, p99: 2, what: 'bearer check, JWT (tollgate serve)' },
  ...['postgres', 'redis'].flatMap((store) =>
    ['core', 'serve'].flatMap((kind) =>
      // The serve rows have no code row and their refresh tokens come from the password grant: issuance and checks only.
      (kind === 'core' ? DB_SCENARIOS : LIMIT_SCENARIOS).map((scenario) => ({ server: `${kind}-${store}`, scenario, of: 'limit', rps: 0.8, what: `${SCENARIOS[scenario].title}, ${store} (tollgate ${kind})` })),
    ),
  ),
  { server: 'serve-sqlite-2', scenario: 'cc-32', of: 'workers', rps: 1.5, what: 'token issuance, SQLite, --workers 2 vs 1' },
  { server: 'serve-sqlite-2', scenario: 'bearer', of: 'workers', rps: 1.5, what: 'bearer check, SQLite, --workers 2 vs 1' },
];
const OF = { plain: ['rpsRatio', 'plain'], limit: ['limitRatio', 'its own plain-<store> limit'], workers: ['workersRatio', 'one worker'] };
for (const t of TARGETS) {
  const row = measured(t.server, t.scenario);
  const [field, reference] = OF[t.of ?? 'plain'];
  if (!row || row[field] === undefined) continue;
  const p99 = t.p99 === undefined ? '' : `, p99 ${row.p99Ratio.toFixed(2)}x plain (target <= ${t.p99}x)`;
  const ok = row[field] >= t.rps && (t.p99 === undefined || row.p99Ratio <= t.p99);
  notes.push(`${ok ? 'MET ' : 'MISS'}  ${t.what}: ${row[field].toFixed(2)}x ${reference} req/s (target >= ${t.rps}x)${p99}`);
}

// Issue 17: request logging at `info` (the default config) costs at most 10% of throughput. Paired: the
// logged server's req/s from the same seconds as the unlogged one's.
for (const row of rows.filter((r) => r.loggedRatio !== undefined)) {
  const cost = 1 - row.loggedRatio;
  notes.push(`${cost <= 0.1 ? 'MET ' : 'MISS'}  request logging at info, ${SCENARIOS[row.scenarioId].title}: costs ${(100 * cost).toFixed(1)}% of req/s (serve-memory ${row.loggedRatio.toFixed(2)}x ${row.serverId}; target <= 10%)`);
}

// What a second worker gives each server, same run: the plain references show what this machine allows.
for (const row of rows.filter((r) => r.workersRatio !== undefined)) {
  notes.push(`WORK  ${row.server}, ${row.scenarioId}: ${row.workersRatio.toFixed(2)}x one worker's req/s, CPU/request ${row.cpuPerRequest?.toFixed(0) ?? '?'} us`);
}

// The price of private_key_jwt: each server's assertion-authenticated issuance beside its Basic-secret one, same run.
for (const row of rows.filter((r) => r.scenarioId === 'cc-pkjwt' && r.rps !== undefined && !r.void)) {
  const basic = measured(row.serverId, 'cc-32');
  if (basic) notes.push(`JWT   ${row.server}: private_key_jwt client_credentials ${(row.rps / basic.rps).toFixed(2)}x its client_secret_basic req/s, p99 ${(row.p99 / basic.p99).toFixed(2)}x`);
}

// The price of DPoP: each server's DPoP-bound check beside its own bearer check, same run.
for (const row of rows.filter((r) => r.scenarioId === 'dpop' && r.rps !== undefined && !r.void)) {
  const bearer = rows.find((r) => r.serverId === row.serverId && r.scenarioId === 'bearer' && !r.void && !r.skipped);
  if (bearer) notes.push(`DPoP  ${row.server}: DPoP-bound check ${(row.rps / bearer.rps).toFixed(2)}x its bearer check req/s, p99 ${(row.p99 / bearer.p99).toFixed(2)}x`);
}

console.log(`\n${textTable(rows)}\n`);
if (notes.length > 0) console.log(`targets (same run, 32 connections):\n  ${notes.join('\n  ')}\n`);

const md = [
  `# tollgate bench: latest run`,
  '',
  `${new Date().toISOString()}, node ${process.version}, ${cpu} CPUs, ${TOOL}${TOOL === 'wrk' ? ' (1 thread)' : ''}, ${WARMUP} s warm-up + ${DURATION} s per scenario${ROUNDS > 1 ? `, ${ROUNDS} rounds (each figure and ratio the median of its rounds)` : ''}${PAIRED ? ', each row measured beside its references in alternating 1 s slices and its ratios taken to them' : ''}. Errors = non-2xx + socket errors; a run with any is void. Peak RSS = the server process's VmHWM.`,
  '',
  markdownTable(rows),
  '',
  ...(notes.length > 0 ? ['Targets (same run, 32 connections):', '', ...notes.map((n) => `- ${n}`), ''] : []),
].join('\n');
mkdirSync(join(BENCH, 'results'), { recursive: true });
writeFileSync(join(BENCH, 'results', 'latest.md'), md);
writeFileSync(join(BENCH, 'results', 'latest.json'), JSON.stringify({ date: new Date().toISOString(), tool: TOOL, duration: DURATION, warmup: WARMUP, rounds: ROUNDS, paired: PAIRED, rows, measuredRows }, null, 2));
console.log('bench: wrote bench/results/latest.md and latest.json');
