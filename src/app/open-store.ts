/** Opens the store a config names: `memory`, `sqlite:<path>`, `postgres://…` or `redis://…`. Drivers load only when used. */
import { userInfo } from 'node:os';
import type { Store } from '../stores/store.js';
import { createMemoryStore } from '../stores/memory.js';
import { sqliteSynchronous } from '../stores/sqlite-synchronous.js';
import type { SqliteSynchronous } from '../stores/sqlite-synchronous.js';

/** A config's `store` value, read: what to open and with which options. */
export type StoreSpec =
  | { kind: 'memory' }
  | { kind: 'sqlite'; filename: string; synchronous?: SqliteSynchronous }
  | { kind: 'postgres'; connectionString: string; schema?: string; poolSize?: number }
  | { kind: 'redis'; url: string; prefix?: string };

/** PostgreSQL limits identifiers to 63 bytes (NAMEDATALEN - 1). */
const MAX_SCHEMA_BYTES = 63;
const MAX_POOL_SIZE = 1000;

/** Removes tollgate's own query parameter from the URL and returns its value, if given. */
function takeParam(url: URL, name: string): string | undefined {
  const value = url.searchParams.get(name);
  if (url.searchParams.getAll(name).length > 1) throw new Error(`?${name}= is given more than once`);
  url.searchParams.delete(name);
  if (value === '') throw new Error(`?${name}= must not be empty`);
  return value ?? undefined;
}

/**
 * A URL without a user name gets the operating-system user's, as psql does: pg falls back only to
 * $USER, which containers, systemd units and CI often leave unset, and then connects as "undefined".
 */
function withDefaultUser(url: URL, env: NodeJS.ProcessEnv): void {
  if (url.username || url.searchParams.has('user') || env.PGUSER) return;
  let username: string;
  try {
    username = userInfo().username;
  } catch {
    // A uid with no passwd entry: nothing better to offer than pg's own fallback.
    return;
  }
  // `?user=` rather than the URL's user part: it works for socket URLs too, which have no host.
  url.searchParams.set('user', username);
}

/** Never echoes the URL: it may hold a password. */
function parseUrl(text: string): URL {
  try {
    return new URL(text);
  } catch {
    throw new Error('is not a valid URL');
  }
}

function postgresSpec(text: string, env: NodeJS.ProcessEnv): StoreSpec {
  const url = parseUrl(text);
  const schema = takeParam(url, 'schema');
  if (schema !== undefined && Buffer.byteLength(schema) > MAX_SCHEMA_BYTES) {
    throw new Error(`?schema= must be at most ${MAX_SCHEMA_BYTES} bytes long (a PostgreSQL identifier)`);
  }
  const pool = takeParam(url, 'pool_size');
  if (pool !== undefined && (!/^\d{1,4}$/.test(pool) || Number(pool) < 1 || Number(pool) > MAX_POOL_SIZE)) {
    throw new Error(`?pool_size= must be a whole number from 1 to ${MAX_POOL_SIZE}`);
  }
  withDefaultUser(url, env);
  return {
    kind: 'postgres',
    connectionString: url.href,
    ...(schema !== undefined && { schema }),
    ...(pool !== undefined && { poolSize: Number(pool) }),
  };
}

/**
 * `sqlite:<path>`, optionally followed by `?synchronous=full|normal` (the store's durability, default
 * `full`). Everything before the first `?` is the path, as SQLite gets it.
 */
function sqliteSpec(text: string): StoreSpec {
  const query = text.indexOf('?');
  const filename = query === -1 ? text : text.slice(0, query);
  if (filename === '') throw new Error('"sqlite:" must be followed by the database file\'s path');
  if (query === -1) return { kind: 'sqlite', filename };
  const params = new URLSearchParams(text.slice(query + 1));
  for (const name of new Set(params.keys())) {
    if (name !== 'synchronous') throw new Error(`?${name}= is not a SQLite store parameter (only ?synchronous=full or normal)`);
  }
  const given = params.getAll('synchronous');
  if (given.length === 0) return { kind: 'sqlite', filename };
  if (given.length > 1) throw new Error('?synchronous= is given more than once');
  return { kind: 'sqlite', filename, synchronous: sqliteSynchronous(given[0], '?synchronous=') };
}

function redisSpec(text: string): StoreSpec {
  const url = parseUrl(text);
  const prefix = takeParam(url, 'prefix');
  return { kind: 'redis', url: url.href, ...(prefix !== undefined && { prefix }) };
}

/**
 * Reads a `store` value. SQLite specs may carry `?synchronous=normal` (default `full`). PostgreSQL URLs may carry `?schema=` (default `public`) and `?pool_size=`
 * (connections per process, default 10), Redis URLs `?prefix=` (default `tollgate:`); these are
 * tollgate's and are not passed to the driver. Throws an Error saying what is wrong.
 */
export function parseStoreSpec(spec: string, env: NodeJS.ProcessEnv = process.env): StoreSpec {
  if (spec === 'memory') return { kind: 'memory' };
  if (spec.startsWith('sqlite:') && spec.length > 'sqlite:'.length) return sqliteSpec(spec.slice('sqlite:'.length));
  if (/^postgres(ql)?:\/\/./.test(spec)) return postgresSpec(spec, env);
  if (/^rediss?:\/\/./.test(spec)) return redisSpec(spec);
  // Only the scheme is shown: the rest of a URL may hold a password.
  const shown = /^[a-z][a-z0-9+.-]*:/i.exec(spec)?.[0] ?? spec.slice(0, 12);
  throw new Error(`must be "memory", "sqlite:<path>", "postgres://…" or "redis://…", not "${shown}…"`);
}

export async function openStore(spec: string): Promise<Store> {
  const store = parseStoreSpec(spec);
  switch (store.kind) {
    case 'memory':
      return createMemoryStore();
    case 'sqlite': {
      // The store creates the file 0600 and a missing directory 0700 itself.
      const { createSqliteStore } = await import('../stores/sqlite.js');
      const { kind: _, ...options } = store;
      return createSqliteStore(options);
    }
    case 'postgres': {
      const { createPostgresStore } = await import('../stores/postgres.js');
      const { kind: _, ...options } = store;
      return createPostgresStore(options);
    }
    case 'redis': {
      const { createRedisStore } = await import('../stores/redis.js');
      const { kind: _, ...options } = store;
      return createRedisStore(options);
    }
  }
}
