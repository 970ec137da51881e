/** Grant identifiers: UUIDv7 (RFC 9562 §5.7), time-ordered so that stores index new grants at the end of a B-tree, not at random pages. */
import { randomBytesFromPool } from './secrets.js';

/** A new grant id: 48 bits of Unix milliseconds, then 74 random bits, in the UUID text form. */
export function newGrantId(now = Date.now()): string {
  const bytes = randomBytesFromPool(16);
  bytes.writeUIntBE(now, 0, 6);
  bytes[6] = 0x70 | (bytes[6]! & 0x0f); // version 7
  bytes[8] = 0x80 | (bytes[8]! & 0x3f); // variant 10
  const hex = bytes.toString('hex');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}
