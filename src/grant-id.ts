/** Grant identifiers: UUIDv7 (RFC 9562 §5.7), time-ordered so that stores index new grants at the end of a B-tree, not at random pages. */
import { randomBytesFromPool } from './secrets.js';

/** Where RFC 9562 §4 puts the hyphens: before these bytes. */
const HYPHEN_BEFORE = new Set([4, 6, 8, 10]);
const HEX_DIGITS = Buffer.from('0123456789abcdef', 'latin1');

/** A new grant id: 48 bits of Unix milliseconds, then 74 random bits, in the UUID text form. */
export function newGrantId(now = Date.now()): string {
  const bytes = randomBytesFromPool(16);
  bytes.writeUIntBE(now, 0, 6);
  bytes[6] = 0x70 | (bytes[6]! & 0x0f); // version 7
  bytes[8] = 0x80 | (bytes[8]! & 0x3f); // variant 10
  // The text is written into one buffer and decoded once: pieces joined with `-` would stay a rope of
  // nine small strings (about 370 bytes of heap instead of 56) for as long as a store keeps the grant.
  const text = Buffer.allocUnsafe(36);
  let at = 0;
  for (let i = 0; i < 16; i++) {
    if (HYPHEN_BEFORE.has(i)) text[at++] = 0x2d;
    const byte = bytes[i]!;
    text[at++] = HEX_DIGITS[byte >> 4]!;
    text[at++] = HEX_DIGITS[byte & 0x0f]!;
  }
  return text.toString('latin1');
}
