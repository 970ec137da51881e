/**
 * Loads a server for a bounded time with wrk (one thread) when it is installed, else autocannon,
 * and returns the same figures either way. A scenario is static (one request repeated), a list
 * (single-use items, each sent once: codes), a header list (single-use items sent once in a header:
 * DPoP proofs) or a chain (each answer carries the next item: refresh rotation).
 */
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { capture } from './processes.mjs';

const WRK = ['/usr/bin/wrk', '/usr/local/bin/wrk'].find((path) => existsSync(path));
const LUA = readFileSync(new URL('./wrk.lua', import.meta.url), 'utf8');

export function loadTool(preferred) {
  if (preferred === 'autocannon' || !WRK) return 'autocannon';
  return 'wrk';
}

/** A Lua long-bracket string literal, safe for any content without `]==]`. */
const lua = (value) => `[==[${value}]==]`;

async function withWrk({ url, request, items, connections, seconds }) {
  const dir = mkdtempSync(join(tmpdir(), 'tollgate-bench-'));
  try {
    const datafile = items ? join(dir, 'items.txt') : '';
    if (items) writeFileSync(datafile, items.join('\n') + '\n');
    const headers = Object.entries(request.headers ?? {}).map(([k, v]) => `[ ${lua(k)} ] = ${lua(v)}`).join(', ');
    const globals = [
      `METHOD = ${lua(request.method)}`,
      `PATH = ${lua(request.path)}`,
      `HEADERS = { ${headers} }`,
      `MODE = ${lua(request.mode ?? 'static')}`,
      `PREFIX = ${request.body === undefined ? 'nil' : lua(request.body)}`,
      `SUFFIX = ${lua(request.suffix ?? '')}`,
      `DATAFILE = ${lua(datafile)}`,
      `ITEMHEADER = ${lua(request.itemHeader ?? '')}`,
    ].join('\n');
    const script = join(dir, 'scenario.lua');
    writeFileSync(script, `${globals}\n${LUA}`);
    const out = await capture(WRK, ['-t1', `-c${connections}`, `-d${seconds}s`, '--timeout', '10s', '-s', script, url]);
    const json = /^BENCH_RESULT (.*)$/m.exec(out)?.[1];
    if (!json) throw new Error(`wrk printed no result:\n${out}`);
    const r = JSON.parse(json);
    return {
      requests: r.requests,
      rps: r.requests / (r.duration_us / 1e6),
      p50: r.p50_us / 1000,
      p99: r.p99_us / 1000,
      max: r.max_us / 1000,
      non2xx: r.non2xx,
      exhausted: r.exhausted,
      socketErrors: r.socket_errors,
      firstBad: /^BENCH_FIRSTBAD (.*)$/m.exec(out)?.[1],
    };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

async function withAutocannon({ url, request, items, connections, seconds }) {
  const { default: autocannon } = await import('autocannon');
  const mode = request.mode ?? 'static';
  const queue = items ? [...items] : [];
  let exhausted = 0;
  let firstBad;
  const take = () => {
    const item = queue.shift();
    if (item === undefined) exhausted++;
    return item ?? 'exhausted';
  };
  const base = { method: request.method, path: request.path, headers: request.headers };
  const requests =
    mode === 'static'
      ? [{ ...base, ...(request.body === undefined ? {} : { body: request.body }) }]
      : [
          {
            ...base,
            setupRequest: (req) =>
              mode === 'header' ? { ...req, headers: { ...req.headers, [request.itemHeader]: take() } } : { ...req, body: request.body + take() + (request.suffix ?? '') },
            onResponse: (status, body) => {
              if (status < 200 || status > 299) firstBad ??= `${status} ${String(body).slice(0, 160)}`;
              else if (mode === 'chain') {
                const token = /"refresh_token":"([^"]+)"/.exec(body)?.[1];
                if (token) queue.push(token);
              }
            },
          },
        ];
  const result = await autocannon({ url, connections, duration: seconds, requests, timeout: 10 });
  return {
    requests: result.requests.total,
    rps: result.requests.total / result.duration,
    p50: result.latency.p50,
    p99: result.latency.p99,
    max: result.latency.max,
    non2xx: result.non2xx,
    exhausted,
    socketErrors: result.errors + result.timeouts,
    firstBad,
  };
}

/** Loads `url` with `request` for `seconds`; `items` feeds list and chain scenarios. */
export function load(tool, options) {
  return tool === 'wrk' ? withWrk(options) : withAutocannon(options);
}
