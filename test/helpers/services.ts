/**
 * External services for the store tests (PostgreSQL, Redis). A missing service skips its suite with a
 * visible message on a developer's machine, and fails it under CI=true, where it must be present.
 */
import { connect } from 'node:net';
import { userInfo } from 'node:os';
import { test } from 'node:test';
import assert from 'node:assert/strict';

export const POSTGRES_URL = withDefaultUser(process.env.TOLLGATE_TEST_POSTGRES_URL ?? 'postgres://127.0.0.1:5432/test');
export const REDIS_URL = process.env.TOLLGATE_TEST_REDIS_URL ?? 'redis://127.0.0.1:6379';

/**
 * A URL without a user name gets the operating-system user's, as psql does: pg falls back only to
 * $USER, which containers and CI often leave unset.
 */
function withDefaultUser(url: string): string {
  const parsed = new URL(url);
  if (parsed.username || process.env.PGUSER) return url;
  parsed.username = userInfo().username;
  return parsed.toString();
}

const DEFAULT_PORTS: Record<string, number> = { 'postgres:': 5432, 'postgresql:': 5432, 'redis:': 6379, 'rediss:': 6379 };

/** The URL without its password, fit for a test message. */
function redact(url: URL): string {
  const copy = new URL(url);
  if (copy.password) copy.password = '***';
  return copy.toString();
}

/** Whether a TCP connection to the URL's host and port opens within `timeoutMs`. */
function canConnect(url: URL, timeoutMs: number): Promise<boolean> {
  const port = Number(url.port) || DEFAULT_PORTS[url.protocol] || 0;
  return new Promise((resolve) => {
    const socket = connect({ host: url.hostname || '127.0.0.1', port, timeout: timeoutMs });
    const done = (ok: boolean) => {
      socket.destroy();
      resolve(ok);
    };
    socket.once('connect', () => done(true));
    socket.once('timeout', () => done(false));
    socket.once('error', () => done(false));
  });
}

/**
 * Whether `name` answers at `url`. When it does not, registers a test that says so: skipped with
 * the reason, or failed when `CI=true`. Call at the top level of a test file, before its suites.
 */
export async function serviceAvailable(name: string, url: string): Promise<boolean> {
  const parsed = new URL(url);
  if (await canConnect(parsed, 2000)) return true;
  const message = `${name} not reachable at ${redact(parsed)}`;
  if (process.env.CI === 'true') {
    test(`${name} is reachable (required when CI=true)`, () => assert.fail(message));
  } else {
    test(`${name} store`, (t) => t.skip(message));
  }
  return false;
}
