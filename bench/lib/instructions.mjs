/**
 * `--instructions`: what one request costs a server, in machine instructions, counted by valgrind's
 * callgrind. On this shared machine req/s and even CPU time per request move by half within minutes
 * (the same server at 26 and at 45 µs of CPU per request); a count, one server at a time, moved by 1% at
 * most between runs of the same build (`tollgate serve`'s bearer check 107.8k, 108.0k, 108.9k), so a
 * change worth 3% of a request can be seen, which no timed run here can show. It is not proof against
 * load: with four servers counted at once on two cores the same build's count moved by up to 15% (when
 * V8's compiler threads deliver optimised code depends on the time they get), so the runner counts one
 * server at a time.
 *
 * What it counts: the server's main thread (the event loop, where a request's JavaScript runs), from
 * after a warm-up to the end of a counted run of requests, divided by their number. What it leaves out:
 * the kernel (the socket writes and reads a request costs, the same for every server), and the other
 * threads (GC helpers, the JIT's compiler threads, libuv's pool), whose share valgrind distorts: they run
 * slower there, and optimised code arrives later. So it is a measure of the JavaScript and native work a
 * request does on the event loop, for comparing builds and servers, not a prediction of req/s.
 */
import { readFileSync } from 'node:fs';
import { Agent, request as httpRequest } from 'node:http';
import { capture } from './processes.mjs';

/**
 * Requests before counting starts: enough for V8 to have optimised the hot paths, even under valgrind,
 * where its compiler threads run slowly. After 6,000 they had not: the same build's bearer check
 * counted between 115k and 131k, and after 20,000 between 107.8k and 108.9k.
 */
export const WARMUP_REQUESTS = 20000;
/** Requests counted. */
export const COUNTED_REQUESTS = 4000;
/** Requests in flight at once (keep-alive connections). */
const CONCURRENCY = 8;

/** `command` run under callgrind, one output file per thread (`<out>-01` is the main thread's). */
export function underCallgrind({ command, args, ...rest }, out) {
  return {
    ...rest,
    command: 'valgrind',
    args: ['--tool=callgrind', '--separate-threads=yes', `--callgrind-out-file=${out}`, command, ...args],
  };
}

/** Whether valgrind can run here. */
export async function hasValgrind() {
  return capture('valgrind', ['--version']).then(() => true, () => false);
}

/** Starts counting afresh: everything before (start-up, warm-up) is dropped. */
export async function zeroCounts(pid) {
  await capture('callgrind_control', ['--zero', String(pid)]);
}

/**
 * `n` requests to `url`, `CONCURRENCY` at a time on keep-alive connections; fails on any answer but 2xx.
 * node:http rather than fetch: it sends the scenario's headers and no others, as wrk does, where fetch
 * adds its own (Accept, User-Agent, Sec-Fetch-Mode, …) for the server to parse.
 */
export async function send(url, { method, path, headers = {}, body }, n) {
  const agent = new Agent({ keepAlive: true, maxSockets: CONCURRENCY });
  const { hostname, port } = new URL(url);
  const one = () =>
    new Promise((resolve, reject) => {
      const req = httpRequest({ hostname, port, method, path, headers, agent }, (res) => {
        let text = '';
        res.setEncoding('utf8');
        res.on('data', (chunk) => (text += chunk));
        res.on('end', () => (res.statusCode < 300 ? resolve() : reject(new Error(`${method} ${path} answered ${res.statusCode}: ${text.slice(0, 200)}`))));
      });
      req.once('error', reject);
      req.end(body);
    });
  let left = n;
  const worker = async () => {
    while (left-- > 0) await one();
  };
  try {
    await Promise.all(Array.from({ length: CONCURRENCY }, worker));
  } finally {
    agent.destroy();
  }
}

/** The instructions callgrind counted on each thread since the last zeroing: the main thread's and all threads'. */
export function readCounts(out, pid) {
  const threads = [];
  for (let thread = 1; ; thread++) {
    const file = `${out}-${String(thread).padStart(2, '0')}`;
    let text;
    try {
      text = readFileSync(file, 'utf8');
    } catch {
      break;
    }
    const summary = /^summary: (\d+)/m.exec(text)?.[1];
    if (summary === undefined) throw new Error(`callgrind's ${file} has no summary line`);
    threads.push(Number(summary));
  }
  if (threads.length === 0) throw new Error(`callgrind wrote no counts for process ${pid} (${out}-01)`);
  return { main: threads[0], all: threads.reduce((sum, n) => sum + n, 0) };
}
