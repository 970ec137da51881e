/**
 * The user code of a device authorization (RFC 8628 §6.1): short enough to type from a TV screen,
 * from an alphabet with no vowels (no words) and no look-alikes (no 0/O, 1/I/L, 5/S confusion by
 * case), compared case-insensitively with dashes and spaces ignored.
 */
import { randomInt } from 'node:crypto';

/** §6.1's example: 20 consonants; 8 characters give 20^8 ≈ 2^34.6 codes. */
const ALPHABET = 'BCDFGHJKLMNPQRSTVWXZ';
const LENGTH = 8;

/** A new user code in its stored (normalised) form, e.g. `WDJBMJHT`. */
export function generateUserCode(): string {
  let code = '';
  for (let i = 0; i < LENGTH; i++) code += ALPHABET[randomInt(ALPHABET.length)];
  return code;
}

/** How a person sees the code: `WDJB-MJHT` (§6.1: a separator makes it easier to read and type). */
export function displayUserCode(code: string): string {
  return `${code.slice(0, LENGTH / 2)}-${code.slice(LENGTH / 2)}`;
}

/**
 * The code a person typed, normalised (§6.1: case-insensitive, dashes and spaces ignored), or
 * undefined when it cannot be a user code at all (so a malformed entry never reaches the store).
 */
export function normaliseUserCode(typed: string): string | undefined {
  if (typed.length > 64) return undefined;
  const code = typed.replace(/[\s-]/g, '').toUpperCase();
  if (code.length !== LENGTH) return undefined;
  for (const c of code) if (!ALPHABET.includes(c)) return undefined;
  return code;
}
