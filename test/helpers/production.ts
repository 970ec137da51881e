/**
 * Production set-ups for the tests in test/production: `tollgate serve` with any arguments, its
 * worker processes, requests on a connection of their own, and a PostgreSQL schema or Redis key
 * prefix per test file, removed afterwards.
 */
import { execFile, spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { once } from 'node:events';
import { request as httpRequest } from 'node:http';
import { createInterface } from 'node:readline';
import { promisify } from 'node:util';
import pg from 'pg';
import { Redis } from 'ioredis';
import { CLI, REDIRECT_URI } from './app-server.js';
import { admin, skyvault } from './fixtures.js';
import { basicAuth } from './http.js';
import { POSTGRES_URL, REDIS_URL } from './services.js';

export interface Served {
  url: string;
  pid: number;
  child: ChildProcess;
  /** Every line written to stdout and stderr so far. */
  lines: string[];
  /** Resolves with the exit code (null when a signal ended it). */
  exited: Promise<number | null>;
  /** Sends the signal (unless it has exited) and resolves with the exit code. */
  stop(signal?: NodeJS.Signals): Promise<number | null>;
}

/** `tollgate serve --config <file> --port 0 …extra`, resolved once it printed its URL line. */
export async function serve(configFile: string, extra: readonly string[] = []): Promise<Served> {
  const child = spawn(process.execPath, [CLI, 'serve', '--config', configFile, '--port', '0', ...extra], { stdio: ['ignore', 'pipe', 'pipe'] });
  const lines: string[] = [];
  const exited = once(child, 'exit').then(([code]) => code as number | null);
  const url = new Promise<string>((resolve, reject) => {
    for (const stream of [child.stdout, child.stderr]) {
      createInterface({ input: stream }).on('line', (line) => {
        lines.push(line);
        const match = /^tollgate listening on (http:\/\/\S+)/.exec(line);
        if (match?.[1]) resolve(match[1]);
      });
    }
    exited.then((code) => reject(new Error(`tollgate exited (${code}) before listening:\n${lines.join('\n')}`)), reject);
  });
  return {
    url: await url,
    pid: child.pid as number,
    child,
    lines,
    exited,
    async stop(signal = 'SIGTERM') {
      if (child.exitCode === null && child.signalCode === null) child.kill(signal);
      return exited;
    },
  };
}

/** The pids of a process's children (its workers). */
export async function childPids(pid: number): Promise<number[]> {
  try {
    const { stdout } = await promisify(execFile)('pgrep', ['-P', String(pid)]);
    return stdout.split('\n').filter(Boolean).map(Number);
  } catch {
    // pgrep exits 1 when nothing matches.
    return [];
  }
}

export function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

/** For after(), whatever state the test left: SIGTERM each server, then SIGKILL it and its workers if it lingers. */
export async function stopServers(servers: readonly Served[]): Promise<void> {
  await Promise.all(
    servers.map(async (server) => {
      const workers = await childPids(server.pid);
      const kill = (): void => {
        for (const pid of [server.pid, ...workers]) if (isAlive(pid)) process.kill(pid, 'SIGKILL');
      };
      const timer = setTimeout(kill, 10_000);
      await server.stop('SIGTERM');
      clearTimeout(timer);
      kill();
    }),
  );
}

/** Polls `check` every 100 ms until it holds, at most `attempts` times; the last result. */
export async function eventually<T>(check: () => Promise<T> | T, accept: (value: T) => boolean, attempts = 100): Promise<T> {
  let value = await check();
  for (let i = 1; i < attempts && !accept(value); i++) {
    await new Promise((resolve) => setTimeout(resolve, 100));
    value = await check();
  }
  return value;
}

export interface Reply {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: string;
}

/**
 * One request on a connection of its own (no keep-alive): node:cluster hands out connections, not
 * requests, so this is how consecutive requests reach different workers.
 */
export function send(url: string, init: { method?: string; headers?: Record<string, string>; body?: string } = {}): Promise<Reply> {
  return new Promise((resolve, reject) => {
    const req = httpRequest(url, { method: init.method ?? 'GET', headers: init.headers ?? {}, agent: false }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => (body += chunk));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body }));
      res.on('error', reject);
    });
    req.on('error', reject);
    req.end(init.body);
  });
}

export const CLIENT = [skyvault.client_id, skyvault.client_secret as string] as const;

/** A form POST authenticated as the demo client. */
export function postForm(baseUrl: string, path: string, params: Record<string, string>): Promise<Reply> {
  return send(new URL(path, baseUrl).href, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded', authorization: basicAuth(...CLIENT) },
    body: new URLSearchParams(params).toString(),
  });
}

/** An access token from client_credentials (RFC 6749 §4.4). */
export async function clientToken(baseUrl: string): Promise<string> {
  const reply = await postForm(baseUrl, '/oauth/token', { grant_type: 'client_credentials' });
  if (reply.status !== 200) throw new Error(`token request: ${reply.status} ${reply.body}`);
  return (JSON.parse(reply.body) as { access_token: string }).access_token;
}

/** The status /secure answers for this bearer token. */
export async function secureStatus(baseUrl: string, token: string): Promise<number> {
  return (await send(`${baseUrl}/secure`, { headers: { authorization: `Bearer ${token}` } })).status;
}

/** A code for the demo client, through the SkyVault compat path: the resource owner's Basic credentials at /authorize. */
export async function mintCode(baseUrl: string): Promise<string> {
  const query = new URLSearchParams({ response_type: 'code', client_id: skyvault.client_id, redirect_uri: REDIRECT_URI, state: 'x' });
  const reply = await send(`${baseUrl}/authorize?${query}`, { method: 'POST', headers: { authorization: basicAuth(admin.username, admin.password) } });
  const location = reply.headers.location;
  const code = typeof location === 'string' ? new URL(location).searchParams.get('code') : null;
  if (reply.status !== 302 || code === null) throw new Error(`authorize: ${reply.status} ${String(location)} ${reply.body}`);
  return code;
}

/** A schema of its own in the test database: its store URL (`?schema=`), and `drop()` for after(). */
/** How many token and code rows a store holds, and how many of them keep a copy of their client. */
export interface ClientCopies {
  rows: number;
  copies: number;
}

export function postgresSchema(): { url: string; drop(): Promise<void>; clientCopies(): Promise<ClientCopies> } {
  const schema = `tollgate_prod_${randomUUID().replaceAll('-', '')}`;
  const url = new URL(POSTGRES_URL);
  url.searchParams.set('schema', schema);
  return {
    url: url.href,
    async clientCopies() {
      const client = new pg.Client({ connectionString: POSTGRES_URL });
      await client.connect();
      try {
        const s = pg.escapeIdentifier(schema);
        const union = ['access_tokens', 'refresh_tokens', 'authorization_codes'].map((table) => `SELECT data ? 'client' AS copy FROM ${s}.${table}`).join(' UNION ALL ');
        const { rows } = await client.query<{ rows: number; copies: number }>(`SELECT count(*)::int AS rows, count(*) FILTER (WHERE copy)::int AS copies FROM (${union}) t`);
        return rows[0]!;
      } finally {
        await client.end();
      }
    },
    async drop() {
      const client = new pg.Client({ connectionString: POSTGRES_URL });
      await client.connect();
      try {
        await client.query(`DROP SCHEMA IF EXISTS ${pg.escapeIdentifier(schema)} CASCADE`);
      } finally {
        await client.end();
      }
    },
  };
}

/** A key prefix of its own in Redis: its store URL (`?prefix=`), and `clear()` for after(). */
export function redisPrefix(): { url: string; clear(): Promise<void>; clientCopies(): Promise<ClientCopies> } {
  const prefix = `tollgate-prod:${randomUUID()}:`;
  const url = new URL(REDIS_URL);
  url.searchParams.set('prefix', prefix);
  return {
    url: url.href,
    async clientCopies() {
      const redis = new Redis(REDIS_URL);
      const counted = { rows: 0, copies: 0 };
      try {
        for (const kind of ['at', 'rt', 'code']) {
          let cursor = '0';
          do {
            const [next, keys] = await redis.scan(cursor, 'MATCH', `${prefix}${kind}:*`, 'COUNT', 1000);
            for (const key of keys) {
              counted.rows++;
              if ((JSON.parse((await redis.hget(key, 'data')) ?? '{}') as { client?: unknown }).client !== undefined) counted.copies++;
            }
            cursor = next;
          } while (cursor !== '0');
        }
        return counted;
      } finally {
        await redis.quit();
      }
    },
    async clear() {
      const redis = new Redis(REDIS_URL);
      try {
        let cursor = '0';
        do {
          const [next, keys] = await redis.scan(cursor, 'MATCH', `${prefix}*`, 'COUNT', 1000);
          if (keys.length > 0) await redis.del(...keys);
          cursor = next;
        } while (cursor !== '0');
      } finally {
        await redis.quit();
      }
    },
  };
}
