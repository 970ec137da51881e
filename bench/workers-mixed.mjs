/**
 * `tollgate serve` on SQLite with one worker and with two, under a mixed load: bearer checks of many
 * tokens while tokens are issued (docs/stores.md, "SQLite bearer checks of recent tokens"). `npm run
 * bench` loads one kind of request at a time, and there no worker's commit ever meets another's cached
 * tokens; here every token issued by one worker is a commit the other sees.
 *
 * Both servers run at once. Each round loads one, then the other, for `--seconds` each (the order
 * alternates): wrk checks `--tokens` tokens in rotation on 32 connections while a second wrk issues
 * tokens on 2. Per server and round: checks and tokens a second, and the server's CPU (its workers
 * included) per request of either kind. The ratios are two workers to one, per round, then the median.
 *
 *   node bench/workers-mixed.mjs [--rounds 6] [--seconds 4] [--tokens 2000]
 *
 * Needs dist/ (npm run build) and wrk.
 */
import { spawn } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { fileURLToPath } from 'node:url';
import { cpuMs, startServer, stopServer } from './lib/processes.mjs';
import { BASIC, CLIENT_ID, CLIENT_SECRET, SCOPE, SERVE_RATE_LIMITS } from './servers/fixture.mjs';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const { values } = parseArgs({
  options: { rounds: { type: 'string', default: '6' }, seconds: { type: 'string', default: '4' }, tokens: { type: 'string', default: '2000' } },
});
const ROUNDS = Number(values.rounds);
const SECONDS = Number(values.seconds);
const TOKENS = Number(values.tokens);
const FORM = { authorization: BASIC, 'content-type': 'application/x-www-form-urlencoded' };

const scratch = await mkdtemp(join(tmpdir(), 'tollgate-mixed-'));
const tokensFile = join(scratch, 'tokens.txt');
const rotation = join(scratch, 'rotation.lua');
writeFileSync(
  rotation,
  `local tokens, i = {}, 0
function init(args) for line in io.lines("${tokensFile}") do tokens[#tokens + 1] = line end end
function request()
  i = i % #tokens + 1
  return wrk.format("GET", "/secure", { Authorization = "Bearer " .. tokens[i] })
end
`,
);
const issuance = join(scratch, 'issue.lua');
writeFileSync(
  issuance,
  `wrk.method = "POST"
wrk.body = "grant_type=client_credentials"
wrk.headers["Content-Type"] = "application/x-www-form-urlencoded"
wrk.headers["Authorization"] = "${BASIC}"
`,
);

/** `tollgate serve` on a new SQLite file with `workers` processes: the default config, rate limits raised. */
async function serve(workers) {
  const config = join(scratch, `workers-${workers}.json`);
  writeFileSync(
    config,
    JSON.stringify({
      store: `sqlite:${join(scratch, `workers-${workers}.db`)}`,
      clients: [{ client_id: CLIENT_ID, client_secret: CLIENT_SECRET, redirect_uris: [], grant_types: ['client_credentials'], scope: SCOPE, token_endpoint_auth_method: 'client_secret_basic' }],
      users: [],
      rateLimit: SERVE_RATE_LIMITS,
    }),
  );
  const server = await startServer({ command: process.execPath, args: [join(ROOT, 'dist', 'cli.js'), 'serve', '--config', config, '--port', '0', '--workers', String(workers)] });
  return { workers, ...server, pid: server.child.pid };
}

/** wrk for `seconds`: its requests a second and its count of non-2xx answers. */
function wrk(script, url, connections, seconds) {
  return new Promise((resolve, reject) => {
    const child = spawn('wrk', ['-t1', `-c${connections}`, `-d${seconds}s`, '-s', script, url], { stdio: ['ignore', 'pipe', 'inherit'] });
    let out = '';
    child.stdout.on('data', (chunk) => (out += chunk));
    child.once('error', reject);
    // 'close', not 'exit': the process can exit before its stdout has been read to the end.
    child.once('close', (code) => {
      const rate = Number(/Requests\/sec:\s+([\d.]+)/.exec(out)?.[1]);
      if (code !== 0 || Number.isNaN(rate)) return reject(new Error(`wrk exited ${code}: ${out}`));
      resolve({ rate, failed: Number(/Non-2xx or 3xx responses: (\d+)/.exec(out)?.[1] ?? 0) });
    });
  });
}

/** One round of the mixed load on `server`. */
async function measure(server, seconds) {
  const before = cpuMs(server.pid);
  const [checks, issued] = await Promise.all([
    wrk(rotation, `${server.url}/secure`, 32, seconds),
    wrk(issuance, `${server.url}/oauth/token`, 2, seconds),
  ]);
  const cpu = cpuMs(server.pid) - before;
  if (checks.failed + issued.failed > 0) throw new Error(`${server.workers} worker(s): ${checks.failed} checks and ${issued.failed} token requests answered other than 2xx`);
  return { checks: checks.rate, issued: issued.rate, cpuPerRequest: (cpu * 1000) / ((checks.rate + issued.rate) * seconds) };
}

function median(xs) {
  const sorted = [...xs].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 === 1 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
}

const servers = [await serve(1), await serve(2)];
try {
  // Each server's own tokens, issued through its token endpoint (each has a file of its own).
  for (const server of servers) {
    const tokens = [];
    for (let i = 0; i < TOKENS; i++) {
      const response = await fetch(`${server.url}/oauth/token`, { method: 'POST', headers: FORM, body: 'grant_type=client_credentials' });
      tokens.push((await response.json()).access_token);
    }
    server.tokens = `${tokens.join('\n')}\n`;
  }
  const rounds = [];
  for (let round = 0; round < ROUNDS; round++) {
    const order = round % 2 === 0 ? servers : [...servers].reverse();
    const figures = {};
    for (const server of order) {
      writeFileSync(tokensFile, server.tokens);
      // A first second unmeasured: the server's caches fill with the rotation's tokens.
      await measure(server, 1);
      figures[server.workers] = await measure(server, SECONDS);
    }
    rounds.push(figures);
    const [one, two] = [figures[1], figures[2]];
    console.log(
      `round ${round + 1}: 1 worker ${one.checks.toFixed(0)} checks/s + ${one.issued.toFixed(0)} tokens/s (${one.cpuPerRequest.toFixed(0)} µs CPU/request); ` +
        `2 workers ${two.checks.toFixed(0)} + ${two.issued.toFixed(0)} (${two.cpuPerRequest.toFixed(0)} µs): checks ${(two.checks / one.checks).toFixed(2)}x`,
    );
  }
  const ratio = (key) => median(rounds.map((r) => r[2][key] / r[1][key])).toFixed(2);
  console.log(`median of ${ROUNDS} rounds, 2 workers to 1: bearer checks ${ratio('checks')}x, tokens issued ${ratio('issued')}x, CPU per request ${ratio('cpuPerRequest')}x`);
} finally {
  await Promise.all(servers.map((server) => stopServer(server)));
  await rm(scratch, { recursive: true, force: true });
}
