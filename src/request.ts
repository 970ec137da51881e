/**
 * Reading an OAuthRequest: headers, query and form parameters (RFC 6749 §3.1, §3.2), and the
 * client's HTTP Basic credentials (§2.3.1).
 */
import type { HeaderMap, OAuthRequest } from './types.js';
import { InvalidRequestError } from './errors.js';

/** Request parameters with every value a string: a repeated parameter has already been refused (or, if repeatable, joined). */
export type Params = Readonly<Record<string, string>>;

/** A header's value, by case-insensitive name; a repeated header is joined as HTTP allows. */
export function getHeader(headers: HeaderMap, name: string): string | undefined {
  const direct = headers[name];
  const value = direct !== undefined ? direct : findHeader(headers, name);
  if (value === undefined) return undefined;
  return typeof value === 'string' ? value : value.join(', ');
}

function findHeader(headers: HeaderMap, name: string): string | readonly string[] | undefined {
  for (const key in headers) if (key.toLowerCase() === name) return headers[key];
  return undefined;
}

/** The query part of a request URL, without parsing a full URL (the path may be relative). */
export function queryString(url: string): string {
  const q = url.indexOf('?');
  if (q === -1) return '';
  const hash = url.indexOf('#', q);
  return url.slice(q + 1, hash === -1 ? undefined : hash);
}

/**
 * The path of a request URL, without its query; undefined for a request-target that has none
 * (`*` of `OPTIONS *`, a malformed absolute URL). Total: it never throws on what a client sent.
 */
export function pathOf(url: string): string | undefined {
  const q = url.indexOf('?');
  const path = q === -1 ? url : url.slice(0, q);
  if (path.startsWith('/')) return path;
  // RFC 9112 §3.2.2: the absolute-form, as proxies send it.
  return URL.canParse(path) ? new URL(path).pathname : undefined;
}

/**
 * Parameters that may be sent more than once. RFC 8707 §2: `resource` may be repeated. Its values
 * are kept joined by single spaces, which no URI contains (RFC 3986 §2), so a value holding
 * whitespace is malformed: it could otherwise pass for two. It is kept as an empty value, which no
 * URI is either, so the endpoint's own check refuses it with its error (`invalid_target`) at its
 * point: at the authorization endpoint only once the redirect URI is trusted, and then to the
 * client (RFC 6749 §4.1.2.1), rather than on a page here.
 */
const REPEATABLE: ReadonlySet<string> = new Set(['resource']);

/** The values of a repeatable parameter (see REPEATABLE); undefined when absent. */
export function paramValues(params: Params, name: string): string[] | undefined {
  const value = params[name];
  return value === undefined ? undefined : value.split(' ');
}

/**
 * Parameters from one or more `application/x-www-form-urlencoded` sources (RFC 6749 §3.1, §3.2):
 * a parameter sent twice is refused, and one sent without a value counts as omitted.
 */
export function parseParams(...sources: Array<string | Readonly<Record<string, unknown>>>): Params {
  const params: Record<string, string> = Object.create(null);
  const add = (name: string, value: unknown): void => {
    if (Array.isArray(value)) {
      if (REPEATABLE.has(name)) {
        for (const one of value) add(name, one);
        return;
      }
      if (value.length > 1) throw duplicate(name);
      value = value[0];
    }
    if (value === undefined || value === null || value === '') return;
    if (typeof value !== 'string') throw new InvalidRequestError(`Parameter "${name}" must be a string`);
    if (!REPEATABLE.has(name)) {
      if (name in params) throw duplicate(name);
      params[name] = value;
      return;
    }
    const kept = /\s/.test(value) ? '' : value;
    params[name] = name in params ? `${params[name]} ${kept}` : kept;
  };
  for (const source of sources) {
    if (typeof source === 'string') {
      if (source === '') continue;
      const seen = new Set<string>();
      for (const [name, value] of new URLSearchParams(source)) {
        // RFC 6749 §3.1: "Request and response parameters MUST NOT be included more than once."
        if (seen.has(name) && !REPEATABLE.has(name)) throw duplicate(name);
        seen.add(name);
        add(name, value);
      }
    } else {
      for (const name in source) add(name, source[name]);
    }
  }
  return params;
}

function duplicate(name: string): InvalidRequestError {
  return new InvalidRequestError(`Parameter "${name}" must not be included more than once`);
}

/** The body as text, or the already-parsed object a framework produced. */
export function bodyOf(request: OAuthRequest): string | Readonly<Record<string, unknown>> {
  const { body } = request;
  if (body === undefined) return '';
  if (typeof body === 'string') return body;
  if (body instanceof Uint8Array) return Buffer.from(body.buffer, body.byteOffset, body.byteLength).toString('utf8');
  return body;
}

/** Byte length of a raw body, or 0 for a parsed one (its host already limited it). */
export function bodyLength(request: OAuthRequest): number {
  const { body } = request;
  if (typeof body === 'string') return Buffer.byteLength(body);
  if (body instanceof Uint8Array) return body.byteLength;
  return 0;
}

/** Whether the request declares a form body (RFC 6749 §3.2, Appendix B). */
export function isFormRequest(request: OAuthRequest): boolean {
  const type = getHeader(request.headers, 'content-type');
  if (type === undefined) return false;
  const semi = type.indexOf(';');
  return (semi === -1 ? type : type.slice(0, semi)).trim().toLowerCase() === 'application/x-www-form-urlencoded';
}

export interface BasicCredentials {
  clientId: string;
  clientSecret: string;
  /**
   * The id and secret exactly as sent, when they differ from the form-decoded ones above. Many
   * clients (`curl -u`, the MCP SDK, several fetch-based ones) skip the RFC 6749 §2.3.1
   * form-encoding, so a secret holding `+` or `%` reaches us raw; client authentication tries
   * this form when the decoded one fails.
   */
  asSent?: { clientId: string; clientSecret: string };
}

/**
 * HTTP Basic credentials from the Authorization header, or undefined when another scheme (or
 * none) is used. RFC 6749 §2.3.1: id and secret are form-urlencoded before Base64; values that
 * cannot be form-decoded (a stray `%`) were evidently sent raw and are returned as sent.
 * `malformed` when the header says Basic but cannot be decoded (bad Base64, no colon).
 */
export function basicCredentials(request: OAuthRequest): BasicCredentials | undefined | 'malformed' {
  const header = getHeader(request.headers, 'authorization');
  if (header === undefined || !/^basic(\s|$)/i.test(header)) return undefined;
  const encoded = header.slice(6).trim();
  if (!/^[A-Za-z0-9+/]+={0,2}$/.test(encoded)) return 'malformed';
  const decoded = Buffer.from(encoded, 'base64').toString('utf8');
  const colon = decoded.indexOf(':');
  if (colon === -1) return 'malformed';
  const sent = { clientId: decoded.slice(0, colon), clientSecret: decoded.slice(colon + 1) };
  const clientId = formDecode(sent.clientId);
  const clientSecret = formDecode(sent.clientSecret);
  if (clientId === undefined || clientSecret === undefined) return sent;
  if (clientId === sent.clientId && clientSecret === sent.clientSecret) return sent;
  return { clientId, clientSecret, asSent: sent };
}

/** application/x-www-form-urlencoded decoding of one value (`+` is a space); undefined when it is not validly encoded. */
function formDecode(value: string): string | undefined {
  // Most ids and secrets have nothing encoded: skip the decoding on the token endpoint's hot path.
  if (!value.includes('%') && !value.includes('+')) return value;
  try {
    return decodeURIComponent(value.replace(/\+/g, ' '));
  } catch {
    return undefined;
  }
}
