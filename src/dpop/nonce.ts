/**
 * Server-provided DPoP nonces (RFC 9449 §8, §9): stateless, so every process sharing the secret
 * accepts every other's. A nonce names its time slot and carries an HMAC of it; the current and the
 * previous slot are accepted, so a nonce lives between one and two `lifetime`s.
 */
import { createHmac, timingSafeEqual } from 'node:crypto';

/** Issues and checks DPoP nonces. */
export interface DpopNonces {
  /** The nonce to hand out now (the `DPoP-Nonce` header). */
  current(now: number): string;
  /** Whether the proof's `nonce` is one this server handed out recently (RFC 9449 §4.3 item 10). */
  isValid(nonce: unknown, now: number): boolean;
}

function mac(secret: string, slot: number): string {
  return createHmac('sha256', secret).update(`dpop-nonce:${slot}`).digest('base64url');
}

/** Nonces keyed by `secret`, each slot `lifetime` seconds long. */
export function createDpopNonces(secret: string, lifetime: number): DpopNonces {
  const slotOf = (now: number): number => Math.floor(now / 1000 / lifetime);
  // The last nonces made, by slot: every proof check and every answer that hands one out needs the
  // current slot's (and sometimes the previous one's), and an HMAC each time is work already done.
  const made = new Map<number, string>();
  const nonceFor = (slot: number): string => {
    let nonce = made.get(slot);
    if (nonce === undefined) {
      nonce = `${slot.toString(36)}.${mac(secret, slot)}`;
      if (made.size >= 4) made.clear();
      made.set(slot, nonce);
    }
    return nonce;
  };
  return {
    current: (now) => nonceFor(slotOf(now)),
    isValid(nonce, now) {
      if (typeof nonce !== 'string' || nonce.length > 128) return false;
      const slot = slotOf(now);
      // RFC 9449 §8: nonces MUST be unpredictable; compared in constant time like any MAC.
      return [slot, slot - 1].some((candidate) => {
        const expected = Buffer.from(nonceFor(candidate));
        const given = Buffer.from(nonce);
        return given.length === expected.length && timingSafeEqual(given, expected);
      });
    },
  };
}

/**
 * RFC 9449 §8.2: a server may hand out a fresh nonce in any answer, so a client's next proof carries
 * a current one without a `use_dpop_nonce` round trip. The header for a successful DPoP answer, when
 * nonces are on.
 */
export function freshNonceHeaders(nonces: DpopNonces | undefined, now = Date.now()): Record<string, string> | undefined {
  return nonces === undefined ? undefined : { 'DPoP-Nonce': nonces.current(now) };
}
