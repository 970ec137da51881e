/** Redirect URI validation: exact matching (RFC 6749 §3.1.2, RFC 9700 §2.1), loopback ports (RFC 8252 §7.3). */
import type { Client } from './types.js';

// RFC 8252 §7.3: http on a loopback IP literal, an optional port, then the rest of the URI.
const LOOPBACK = /^http:\/\/(127\.0\.0\.1|\[::1\])(?::(\d{1,5}))?([/?].*)?$/;
// The same with `localhost`, for native apps (RFC 8252 §7.3, §8.3: the IP literal is preferred).
const NATIVE_LOOPBACK = /^http:\/\/(127\.0\.0\.1|\[::1\]|localhost)(?::(\d{1,5}))?([/?].*)?$/;

/**
 * A loopback URI with its port taken out, or undefined for any other URI. The rest stays the
 * string it was: parsing would normalise `/x/../cb` or `%63b` into a match, and the exact-match
 * rule (RFC 9700 §4.1.3) allows no normalisation beyond the port.
 */
function withoutPort(uri: string, native: boolean): string | undefined {
  const match = (native ? NATIVE_LOOPBACK : LOOPBACK).exec(uri);
  if (!match || Number(match[2] ?? 0) > 65535 || uri.includes('#')) return undefined;
  return `http://${match[1]}${match[3] ?? ''}`;
}

/**
 * Whether `requested` matches `registered`: the same string, or the same loopback URI on another
 * port; for a native app (`application_type: native`), `http://localhost` too.
 */
export function matchesRedirectUri(requested: string, registered: string, native = false): boolean {
  if (requested === registered) return true;
  const a = withoutPort(requested, native);
  return a !== undefined && a === withoutPort(registered, native);
}

/**
 * The redirect URI to use for this request, or undefined when it is missing or not registered.
 * Without one in the request, the client must have exactly one registered (§3.1.2.3).
 */
export function resolveRedirectUri(client: Client, requested: string | undefined): string | undefined {
  if (requested === undefined) return client.redirect_uris.length === 1 ? client.redirect_uris[0] : undefined;
  const native = client.application_type === 'native';
  return client.redirect_uris.some((registered) => matchesRedirectUri(requested, registered, native)) ? requested : undefined;
}
