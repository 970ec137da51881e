/**
 * Hashing for what a store must never hold in clear: token values, client secrets, passwords.
 * Token values and generated client secrets carry 256 random bits, so one SHA-256 is enough and
 * keeps the hot path cheap; passwords are low-entropy and get scrypt.
 */
import { hash, randomBytes, randomFillSync, scrypt, timingSafeEqual } from 'node:crypto';
import { availableParallelism } from 'node:os';
import { TemporarilyUnavailableError } from './errors.js';

/** The SHA-256 of a token value or high-entropy secret, base64url: what stores index and keep. */
export function hashToken(value: string): string {
  // The one-shot crypto.hash: a third of createHash's cost, and no Hash object for the GC, on every bearer check.
  return hash('sha256', value, 'base64url');
}

/** A client secret's stored form (SHA-256: client secrets tollgate generates carry 256 bits). */
export const hashSecret = hashToken;

/** Whether `text` has the form of a `hashSecret` value: 32 bytes (SHA-256), base64url without padding. */
export function isSecretHash(text: string): boolean {
  return /^[A-Za-z0-9_-]{42}[AEIMQUYcgkosw048]$/.test(text);
}

/** Whether `secret` matches a stored `hashSecret` value, compared in constant time. */
export function verifySecret(secret: string, storedHash: string): boolean {
  const a = Buffer.from(hashSecret(secret));
  const b = Buffer.from(storedHash);
  // Equal-length digests, so timingSafeEqual never throws on a well-formed hash.
  return a.length === b.length && timingSafeEqual(a, b);
}

/**
 * Random bytes are drawn from the CSPRNG 8 KiB at a time: one call per 256 tokens instead of one
 * per token (the same batching Node's randomUUID does). Every byte is used once.
 */
const POOL_SIZE = 8192;
const pool = Buffer.allocUnsafe(POOL_SIZE);
let poolOffset = POOL_SIZE;

/** The start of `size` unused random bytes in `pool`. */
function takeRandom(size: number): number {
  if (size > POOL_SIZE) throw new RangeError(`at most ${POOL_SIZE} random bytes at a time`);
  if (poolOffset + size > POOL_SIZE) {
    randomFillSync(pool);
    poolOffset = 0;
  }
  const start = poolOffset;
  poolOffset += size;
  return start;
}

/** `size` new random bytes, in a buffer of their own. */
export function randomBytesFromPool(size: number): Buffer {
  const start = takeRandom(size);
  return Buffer.from(pool.subarray(start, start + size));
}

/** A new random value of `bytes` bytes, base64url (256 bits by default). */
export function randomToken(bytes = 32): string {
  const start = takeRandom(bytes);
  return pool.toString('base64url', start, start + bytes);
}

const SCRYPT = { N: 16384, r: 8, p: 1, keylen: 32 } as const;
/** scrypt's memory cap here; a stored hash whose cost needs more cannot be checked at all. */
const SCRYPT_MAXMEM = 64 * 1024 * 1024;
/** p bounds CPU alone (RFC 7914 §2); beyond this a single check would hold a thread for seconds. */
const SCRYPT_MAX_P = 16;

function scryptAsync(password: string, salt: Buffer, cost: { N: number; r: number; p: number } = SCRYPT): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    scrypt(password, salt, SCRYPT.keylen, { N: cost.N, r: cost.r, p: cost.p, maxmem: SCRYPT_MAXMEM }, (err, key) =>
      err ? reject(err) : resolve(key),
    );
  });
}

/** How many scrypt computations run at once, and how many password checks may wait for one. */
export interface PasswordHashingLimits {
  concurrent: number;
  queued: number;
}

/**
 * Each scrypt takes about 16 MiB and tens of milliseconds of a libuv thread. Anyone can make the
 * server check a password (a sign-in, a password grant), so without a cap a flood of them queues
 * without bound, in memory and in time, ahead of every legitimate check. Twice the cores keeps the
 * threads busy; past a short queue a check is refused at once with 503 `temporarily_unavailable`
 * and `Retry-After` (RFC 6749 §4.1.2.1's code for an overloaded server; RFC 9110 §10.2.3).
 */
let limits: PasswordHashingLimits = { concurrent: 2 * availableParallelism(), queued: 8 * availableParallelism() };
let running = 0;
const waiting: Array<() => void> = [];

/** Replaces the limits (tests use tiny ones); returns the previous ones. */
export function setPasswordHashingLimits(next: PasswordHashingLimits): PasswordHashingLimits {
  const previous = limits;
  limits = next;
  return previous;
}

/**
 * Runs `work` in one of the scrypt slots. `refuseWhenBusy`: the caller may be anyone (a password
 * check), so a full queue refuses it; otherwise (hashing a password the operator registers) it waits.
 */
async function inScryptSlot<T>(work: () => Promise<T>, refuseWhenBusy: boolean): Promise<T> {
  if (running < limits.concurrent) running++;
  else {
    if (refuseWhenBusy && waiting.length >= limits.queued) {
      throw new TemporarilyUnavailableError('Too many password checks in progress; retry shortly', { retryAfter: 1 });
    }
    // The slot is handed over by the one finishing, so `running` already counts this caller.
    await new Promise<void>((resolve) => waiting.push(resolve));
  }
  try {
    return await work();
  } finally {
    const next = waiting.shift();
    if (next) next();
    else running--;
  }
}

/** A password's stored form: `scrypt$N$r$p$salt$hash`. */
export async function hashPassword(password: string): Promise<string> {
  const salt = randomBytes(16);
  const key = await inScryptSlot(() => scryptAsync(password, salt), false);
  return ['scrypt', SCRYPT.N, SCRYPT.r, SCRYPT.p, salt.toString('base64url'), key.toString('base64url')].join('$');
}

/**
 * Why `text` is not a `hashPassword` value tollgate can check, or null when it is one:
 * `scrypt$N$r$p$salt$hash` with N a power of two (RFC 7914 §2), a cost at least tollgate's own (so a
 * pre-hashed password is never weaker than one hashed here) and within the memory cap (OpenSSL needs
 * 128·r·(N+2) + 128·r·p bytes), a salt of at least 16 bytes and a 32-byte key, base64url.
 */
export function passwordHashProblem(text: string): string | null {
  const parts = text.split('$');
  if (parts.length !== 6 || parts[0] !== 'scrypt') return 'must be scrypt$N$r$p$salt$hash, as `tollgate hash-password` prints';
  const [, nText, rText, pText, salt, key] = parts as [string, string, string, string, string, string];
  if (![nText, rText, pText].every((n) => /^[1-9]\d{0,7}$/.test(n))) return 'N, r and p must be positive whole numbers';
  const [N, r, p] = [Number(nText), Number(rText), Number(pText)];
  if ((N & (N - 1)) !== 0) return `N must be a power of two, not ${N}`;
  if (N < SCRYPT.N || r < SCRYPT.r) return `the cost must be at least N=${SCRYPT.N}, r=${SCRYPT.r}`;
  if (p > SCRYPT_MAX_P) return `p must be at most ${SCRYPT_MAX_P}`;
  if (128 * r * (N + 2) + 128 * r * p > SCRYPT_MAXMEM) return `N and r need more than the ${SCRYPT_MAXMEM / 1024 / 1024} MiB scrypt may use here`;
  if (!/^[A-Za-z0-9_-]{22,}$/.test(salt)) return 'the salt must be at least 16 bytes, base64url';
  if (!/^[A-Za-z0-9_-]{42}[AEIMQUYcgkosw048]$/.test(key)) return `the hash must be ${SCRYPT.keylen} bytes, base64url`;
  return null;
}

/** A stored form that no password matches, so an unknown user costs the same scrypt as a known one. */
export const DUMMY_PASSWORD_HASH = `scrypt$${SCRYPT.N}$${SCRYPT.r}$${SCRYPT.p}$${'A'.repeat(22)}$${'A'.repeat(43)}`;

/** Whether `password` matches a `hashPassword` value, in constant time. */
export async function verifyPassword(password: string, stored: string): Promise<boolean> {
  const [scheme, N, r, p, salt, hash] = stored.split('$');
  if (scheme !== 'scrypt' || salt === undefined || hash === undefined) return false;
  const expected = Buffer.from(hash, 'base64url');
  const actual = await inScryptSlot(() => scryptAsync(password, Buffer.from(salt, 'base64url'), { N: Number(N), r: Number(r), p: Number(p) }), true);
  // scrypt keys its HMAC with the password, and HMAC pads a short key with zero bytes (RFC 2104 §2):
  // `tiger\0` would match `tiger`. No password holds U+0000; the check comes after the hash, so it costs the same.
  return !password.includes('\u0000') && expected.length === actual.length && timingSafeEqual(expected, actual);
}
