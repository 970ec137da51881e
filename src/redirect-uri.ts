/** Redirect URI validation: exact matching (RFC 6749 §3.1.2, RFC 9700 §2.1), loopback ports (RFC 8252 §7.3). */
import type { Client } from './types.js';

const LOOPBACK_HOSTS = new Set(['127.0.0.1', '[::1]']);

/** Whether a URI is a loopback IP literal over http, the only case where any port matches. */
function loopback(uri: string): URL | undefined {
  if (!uri.startsWith('http://')) return undefined;
  try {
    const url = new URL(uri);
    return LOOPBACK_HOSTS.has(url.hostname) ? url : undefined;
  } catch {
    return undefined;
  }
}

/** Whether `requested` matches `registered`: the same string, or the same loopback URI on another port. */
export function matchesRedirectUri(requested: string, registered: string): boolean {
  if (requested === registered) return true;
  const a = loopback(requested);
  const b = loopback(registered);
  if (!a || !b) return false;
  // RFC 8252 §7.3: the port is chosen at run time, everything else must match.
  a.port = '';
  b.port = '';
  return a.href === b.href && !requested.includes('#');
}

/**
 * The redirect URI to use for this request, or undefined when it is missing or not registered.
 * Without one in the request, the client must have exactly one registered (§3.1.2.3).
 */
export function resolveRedirectUri(client: Client, requested: string | undefined): string | undefined {
  if (requested === undefined) return client.redirect_uris.length === 1 ? client.redirect_uris[0] : undefined;
  return client.redirect_uris.some((registered) => matchesRedirectUri(requested, registered)) ? requested : undefined;
}
