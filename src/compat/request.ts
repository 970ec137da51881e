/** node-oauth2-server's Request: a framework's request reduced to headers (lower-cased), method, query and body. */
import { InvalidArgumentError } from './errors.js';

/** What their Request is built from: a framework request's headers, method, query and parsed body. */
export interface RequestOptions {
  headers?: Readonly<Record<string, string | readonly string[] | undefined>>;
  method?: string;
  query?: Readonly<Record<string, unknown>>;
  body?: Readonly<Record<string, unknown>>;
}

/** Their Request: the framework's request as the server reads it (headers lower-cased). */
export class Request {
  body: Record<string, unknown>;
  headers: Record<string, string | readonly string[] | undefined> = {};
  method: string;
  query: Record<string, unknown>;
  [property: string]: unknown;

  constructor({ headers, method, query, body, ...otherOptions }: RequestOptions = {}) {
    if (!headers) throw new InvalidArgumentError('Missing parameter: `headers`');
    if (!method) throw new InvalidArgumentError('Missing parameter: `method`');
    if (!query) throw new InvalidArgumentError('Missing parameter: `query`');
    this.body = { ...body };
    this.method = method;
    this.query = { ...query };
    for (const [name, value] of Object.entries(headers)) this.headers[name.toLowerCase()] = value;
    // Theirs keeps the framework's other properties (e.g. `session`) without overwriting its own.
    for (const [property, value] of Object.entries(otherOptions)) if (!(property in this)) this[property] = value;
  }

  /** A header by case-insensitive name. */
  get(field: string): string | readonly string[] | undefined {
    return this.headers[field.toLowerCase()];
  }

  /** The first of `types` the Content-Type matches (`type/*` wildcards allowed), or false. */
  is(...types: Array<string | readonly string[]>): string | false {
    const header = this.get('content-type');
    if (typeof header !== 'string') return false;
    const mime = header.split(';')[0]?.trim().toLowerCase() ?? '';
    for (const type of types.flat()) {
      const wanted = type.toLowerCase();
      if (wanted === mime || (wanted.endsWith('/*') && mime.startsWith(wanted.slice(0, -1)))) return type;
    }
    return false;
  }
}
