/** The one client, user and scope every server under test is set up with, and the bench-only mint route's shape. */
import { createHash, timingSafeEqual } from 'node:crypto';
export const CLIENT_ID = 'bench';
export const CLIENT_SECRET = 'bench-secret-4bd2f0c6a1e94e0f8d6b2a7c';
/** The private_key_jwt client (tollgate rows only): its public keys come from the runner (`--client-jwks`). */
export const JWT_CLIENT_ID = 'bench-jwt';
export const REDIRECT_URI = 'https://client.example/cb';
export const SCOPE = 'read';
export const USER = { id: 'u-alice', username: 'alice', password: 'wonderland' };
/** The client's credentials as every load sends them (RFC 6749 §2.3.1: each part form-encoded first). */
export const BASIC = `Basic ${Buffer.from(`${encodeURIComponent(CLIENT_ID)}:${encodeURIComponent(CLIENT_SECRET)}`).toString('base64')}`;
/**
 * `tollgate serve`'s config under load: the default config, with only the rate limits raised (their
 * defaults, 1000 and 5000 a second, would answer 429 and void the run).
 */
export const SERVE_RATE_LIMITS = Object.fromEntries(
  ['tokenPerClient', 'tokenPerIp', 'loginPerIp', 'loginPerUsernameAndIp', 'loginPerUsername'].map((rule) => [rule, { max: 1e9, windowSeconds: 1 }]),
);

/** Servers mount their pre-minting route here (bench only: codes and refresh tokens made ahead of a run). */
export const MINT_PATH = '/__bench/mint';

/** Prints the line the runner waits for, in the shape `tollgate serve` prints: one line with the base URL. */
export function announce(server, name) {
  const { port } = server.address();
  // A worker of cluster.mjs tells its primary, which prints the line once every worker listens.
  if (process.send) process.send({ type: 'bench:listening', name });
  else process.stdout.write(`${name} listening on http://127.0.0.1:${port}\n`);
}

/** The port to listen on: cluster.mjs's shared one in a worker, else any free one. */
export const LISTEN_PORT = Number(process.env.BENCH_PORT ?? 0);

/** Reads `--name value` flags. */
export function flag(name, fallback) {
  const i = process.argv.indexOf(`--${name}`);
  return i === -1 ? fallback : process.argv[i + 1];
}

/** Collects a request body as a string. */
export function readBody(req) {
  return new Promise((resolve, reject) => {
    const chunks = [];
    req.on('data', (c) => chunks.push(c));
    req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    req.on('error', reject);
  });
}

/** Stops on SIGTERM/SIGINT after closing the server. */
export function stopOnSignal(server, cleanup = async () => {}) {
  const stop = () => {
    server.close();
    server.closeAllConnections?.();
    cleanup().finally(() => process.exit(0));
  };
  process.once('SIGTERM', stop);
  process.once('SIGINT', stop);
}

/** SHA-256 in base64url, as tollgate keeps client secrets and tokens. */
export const sha256 = (value) => createHash('sha256').update(value).digest('base64url');
const SECRET_HASH = Buffer.from(sha256(CLIENT_SECRET));

/**
 * The references write their answers as `tollgate serve` does, through the same module
 * (src/adapters/turn-end-writes.ts, built into dist/): a connection's writes wait until the turn has read
 * its requests, and leave together. A reference writing each answer at once would pay a wake-up of
 * wrk per answer that serve does not, and would no longer be a limit (bench/README.md, "Writes at
 * the turn's end"). It is the one piece of tollgate a reference loads: I/O only, no OAuth work.
 */
export { writeAtTurnEnd } from '../../dist/adapters/turn-end-writes.js';

/**
 * Writes an answer framed by its length (RFC 9112 §6.3), as tollgate and both peers do. Once
 * `writeHead` has run, node:http can no longer add the length itself and sends the body chunked:
 * that cost the references about a quarter more CPU per bearer check (bench/README.md, "Chunked
 * references"), and a slower reference is no limit.
 */
export function answer(res, status, headers = {}, body = '') {
  res.writeHead(status, { ...headers, 'Content-Length': Buffer.byteLength(body) }).end(body);
}

/** The plain servers' client check: HTTP Basic, the secret's SHA-256 compared in constant time. */
export function authenticateClient(header) {
  if (!header?.startsWith('Basic ')) return false;
  const decoded = Buffer.from(header.slice(6), 'base64').toString('utf8');
  const colon = decoded.indexOf(':');
  if (colon === -1 || decodeURIComponent(decoded.slice(0, colon)) !== CLIENT_ID) return false;
  const presented = Buffer.from(sha256(decodeURIComponent(decoded.slice(colon + 1))));
  return presented.length === SECRET_HASH.length && timingSafeEqual(presented, SECRET_HASH);
}

/** Deletes every key under `prefix` (what a bench run left in a shared Redis). */
export async function deleteRedisPrefix(url, prefix) {
  const { Redis } = await import('ioredis');
  const redis = new Redis(url);
  let cursor = '0';
  do {
    const [next, keys] = await redis.scan(cursor, 'MATCH', `${prefix}*`, 'COUNT', 1000);
    if (keys.length > 0) await redis.unlink(...keys);
    cursor = next;
  } while (cursor !== '0');
  await redis.quit();
}
