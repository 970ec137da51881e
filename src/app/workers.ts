/**
 * `tollgate serve --workers N`: N processes (node:cluster) sharing one listening port and one store.
 * The primary serves nothing itself: it forks the workers, hands each the config (with one session
 * secret for all, so a sign-in begun at one worker finishes at another), reports the URL once,
 * replaces a worker that dies, and stops them all on SIGINT/SIGTERM.
 */
import cluster from 'node:cluster';
import type { Worker } from 'node:cluster';
import { createServer } from 'node:net';
import type { AddressInfo } from 'node:net';
import type { ServerConfig } from './config.js';
import type { RunningServer } from './serve.js';
import { serve } from './serve.js';
import { randomId } from './session.js';
import { ConfigError } from '../errors.js';
import type { MetricsListener } from './metrics-listener.js';
import { serveClusterMetrics } from './cluster-metrics.js';

/** Primary to worker: what to serve. */
interface StartMessage {
  type: 'tollgate:start';
  config: ServerConfig;
  port: number;
}

/** Worker to primary. */
type WorkerMessage =
  | { type: 'tollgate:ready' }
  | { type: 'tollgate:listening'; url: string; issuer: string }
  | { type: 'tollgate:failed'; message: string };

/** More unexpected deaths than this within the window: a crash loop, so the primary gives up. */
const MAX_RESTARTS = 5;
const RESTART_WINDOW_MS = 60_000;
/** Workers get this long to finish in-flight requests after SIGTERM (serve's own grace is 5 s). */
const STOP_GRACE_MS = 10_000;

/** IPC also carries node:cluster's own messages; ours are the ones typed `tollgate:…`. */
function typed(value: unknown): string | undefined {
  const type = typeof value === 'object' && value !== null ? (value as { type?: unknown }).type : undefined;
  return typeof type === 'string' && type.startsWith('tollgate:') ? type : undefined;
}

/**
 * A port nobody listens on, picked by the kernel. The workers all listen on it: with port 0 each
 * would otherwise get a port of its own once the first had gone (node:cluster shares a port-0
 * handle only while a worker holds it), and a replaced worker must come back on the printed URL.
 */
function freePort(host: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const probe = createServer();
    probe.once('error', reject);
    probe.listen(0, host, () => {
      const { port } = probe.address() as AddressInfo;
      probe.close(() => resolve(port));
    });
  });
}

/** Runs in the primary: forks `count` workers and resolves once every one of them listens. */
export async function serveWorkers(config: ServerConfig, options: { port?: number; count: number }): Promise<RunningServer> {
  if (config.metrics === true) {
    throw new ConfigError('ERR_TOLLGATE_INVALID_CONFIG', 'config.metrics', 'with --workers, must be { "port": n }: the primary serves the sum of every worker there (on the main port a scrape would reach one worker)');
  }
  const requested = options.port ?? config.port;
  const port = requested === 0 ? await freePort(config.host) : requested;
  const workerConfig: ServerConfig = { ...config, sessionSecret: config.sessionSecret ?? randomId() };
  const start: StartMessage = { type: 'tollgate:start', config: workerConfig, port };

  const live = new Set<Worker>();
  const restarts: number[] = [];
  let stopping: Promise<void> | undefined;
  let started = false;
  let metrics: MetricsListener | undefined;

  function stopAll(): Promise<void> {
    stopping ??= Promise.all(
      [...live].map(async (worker) => {
        if (worker.isDead()) return;
        const exited = new Promise<void>((resolve) => worker.once('exit', () => resolve()));
        worker.process.kill('SIGTERM');
        const force = setTimeout(() => worker.process.kill('SIGKILL'), STOP_GRACE_MS);
        await exited;
        clearTimeout(force);
      }),
    ).then(() => metrics?.close());
    return stopping;
  }

  /** Forks one worker; resolves with its URL and issuer once it listens, rejects if it fails first. */
  function fork(): Promise<{ url: string; issuer: string }> {
    const worker = cluster.fork();
    live.add(worker);
    // A message to a worker that has just died fails here; its 'exit' below deals with the death.
    worker.on('error', () => {});
    return new Promise((resolve, reject) => {
      let failure: string | undefined;
      worker.on('message', (value: unknown) => {
        if (typed(value) === undefined) return;
        const message = value as WorkerMessage;
        if (message.type === 'tollgate:ready') worker.send(start);
        else if (message.type === 'tollgate:listening') resolve(message);
        else failure = message.message;
      });
      worker.once('exit', (code, signal) => {
        live.delete(worker);
        const how = `${signal ? `signal ${signal}` : `code ${code}`}${failure === undefined ? '' : `: ${failure}`}`;
        reject(new Error(failure ?? `a worker exited (${how}) before listening`));
        // Exit code 0 is a worker that was told to stop; anything else died.
        if (stopping || !started || (code === 0 && !signal)) return;
        const now = Date.now();
        restarts.push(now);
        while ((restarts[0] ?? now) <= now - RESTART_WINDOW_MS) restarts.shift();
        if (restarts.length > MAX_RESTARTS) {
          // A crash loop (a store gone, a bad deploy): restarting faster will not help; stop and say why.
          process.stderr.write(
            `tollgate: workers died ${restarts.length} times within ${RESTART_WINDOW_MS / 1000} s (last: pid ${worker.process.pid}, ${how}); stopping\n`,
          );
          stopAll().finally(() => process.exit(1));
          return;
        }
        process.stderr.write(`tollgate: worker pid ${worker.process.pid} died (${how}); starting another\n`);
        // A replacement that fails to start is one more death, counted here when it exits.
        fork().catch(() => {});
      });
    });
  }

  // One at a time: the first migrates the store, registers the config's clients and users and makes
  // the first JWT signing key; the others then find all that done instead of racing to do it too.
  let first: { url: string; issuer: string } | undefined;
  try {
    if (config.metrics !== false) {
      metrics = await serveClusterMetrics(config.host, config.metrics.port, () => live.size);
      process.stdout.write(`tollgate metrics on ${metrics.url}\n`);
    }
    for (let i = 0; i < options.count; i++) {
      const listening = await fork();
      first ??= listening;
    }
  } catch (err) {
    await stopAll();
    throw err;
  }
  started = true;
  if (!first) throw new Error('no worker started');
  return { url: first.url, issuer: first.issuer, close: stopAll };
}

/** Runs in a worker: asks the primary for its config, serves it, and stops on SIGTERM or when the primary goes. */
export function runWorker(): void {
  let server: RunningServer | undefined;
  let stopped = false;
  const stop = (): void => {
    if (stopped) return;
    stopped = true;
    (server?.close() ?? Promise.resolve()).then(
      () => process.exit(0),
      () => process.exit(1),
    );
  };
  process.once('SIGTERM', stop);
  // Ctrl-C reaches the whole process group: the primary alone decides, and stops the workers with SIGTERM.
  process.on('SIGINT', () => {});
  // The primary is gone (killed, crashed): a worker must not outlive it.
  process.once('disconnect', stop);
  process.on('message', (value: unknown) => {
    if (typed(value) !== 'tollgate:start' || server || stopped) return;
    const { config, port } = value as StartMessage;
    serve(config, { port }).then(
      (running) => {
        server = running;
        send({ type: 'tollgate:listening', url: running.url, issuer: running.issuer });
      },
      (err: unknown) => {
        // Exits once the message is on its way, so the primary can say why.
        send({ type: 'tollgate:failed', message: err instanceof Error ? err.message : String(err) }, () => process.exit(1));
      },
    );
  });
  send({ type: 'tollgate:ready' });
}

function send(message: WorkerMessage, then?: () => void): void {
  if (!process.send) return then?.();
  process.send(message, undefined, {}, () => then?.());
}
