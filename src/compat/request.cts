/**
 * node-oauth2-server's Request: a framework's request reduced to headers (lower-cased), method,
 * query and body. CommonJS for the reason given in errors.cts.
 */
import type { OAuthErrorClass } from './errors.cjs';

const { InvalidArgumentError } = require('./errors.cjs') as { InvalidArgumentError: OAuthErrorClass };

/** What their Request is built from: a framework's request, or these fields. */
interface RequestOptions {
  /** The request headers. */
  headers?: Readonly<Record<string, string | readonly string[] | undefined>>;
  /** The HTTP method. */
  method?: string;
  /** The parsed query string. */
  query?: Record<string, unknown>;
  /** The parsed form body. */
  body?: Record<string, unknown>;
}

/** type-is's shorthands, as their `is()` accepts them: `is('json')`, `is('urlencoded')`. */
const SHORTHANDS: Readonly<Record<string, string>> = {
  json: 'application/json',
  urlencoded: 'application/x-www-form-urlencoded',
  multipart: 'multipart/*',
  html: 'text/html',
  text: 'text/plain',
  xml: 'application/xml',
};

/** Whether a media type matches a wanted one: exact, `type/*`, `*\/subtype`, or a `+suffix` (`+json`). */
function matches(mime: string, wanted: string): boolean {
  const full = wanted.startsWith('+') ? `*/*${wanted}` : (SHORTHANDS[wanted] ?? wanted);
  const [type = '', subtype = ''] = full.split('/');
  const [actualType = '', actualSubtype = ''] = mime.split('/');
  if (type !== '*' && type !== actualType) return false;
  if (subtype === '*') return true;
  if (subtype.startsWith('*+')) return actualSubtype.endsWith(subtype.slice(1));
  return subtype === actualSubtype;
}

/** node-oauth2-server's Request: method, query, headers and body, read from a framework's request. */
class Request {
  /** The parsed body as the framework gave it (not a copy); empty when it had none. */
  body: Record<string, unknown>;
  /** The request headers by lower-cased name. */
  headers: Record<string, string | readonly string[] | undefined> = {};
  /** The HTTP method, as given. */
  method: string;
  /** The parsed query string as the framework gave it (not a copy). */
  query: Record<string, unknown>;
  [property: string]: unknown;

  constructor({ headers, method, query, body, ...otherOptions }: RequestOptions = {}) {
    if (!headers) throw new InvalidArgumentError('Missing parameter: `headers`');
    if (!method) throw new InvalidArgumentError('Missing parameter: `method`');
    if (!query) throw new InvalidArgumentError('Missing parameter: `query`');
    // Kept as given, as theirs (a framework's parsed body and query, not copies).
    this.body = body || {};
    this.method = method;
    this.query = query;
    for (const [name, value] of Object.entries(headers)) this.headers[name.toLowerCase()] = value;
    // Theirs keeps the framework's other properties (e.g. `session`) without overwriting its own.
    for (const [property, value] of Object.entries(otherOptions)) if (!this[property]) this[property] = value;
  }

  /** A header by case-insensitive name. */
  get(field: string): string | readonly string[] | undefined {
    return this.headers[field.toLowerCase()];
  }

  /** The first of `types` the Content-Type matches (type-is rules: shorthands, wildcards, `+json`), or false. */
  is(...types: Array<string | readonly string[]>): string | false {
    const header = this.get('content-type');
    if (typeof header !== 'string') return false;
    const mime = header.split(';')[0]?.trim().toLowerCase() ?? '';
    for (const type of types.flat()) if (matches(mime, type.toLowerCase())) return type;
    return false;
  }
}

module.exports = { Request };
export type { Request, RequestOptions };
