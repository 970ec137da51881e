/**
 * node-oauth2-server's Response: what the host writes back, status, headers (lower-cased) and a
 * body object. CommonJS for the reason given in errors.cts.
 */
/** What their Response is built from: these fields, or a framework's response object. */
interface ResponseOptions {
  /** Headers to start with. */
  headers?: Readonly<Record<string, string>>;
  /** A body to start with. */
  body?: Record<string, unknown>;
}

/** Their Response: status, headers and body the server fills in for the host to write back. */
class Response {
  /** The HTTP status to send: 200 until the server sets another (302 for `redirect`, an error's status). */
  status = 200;
  /** The body to send as JSON: the token response (RFC 6749 §5.1) or the error (§5.2). */
  body: Record<string, unknown>;
  /** The headers to send, by lower-cased name. */
  headers: Record<string, string> = {};
  [property: string]: unknown;

  /** Takes their options, or a framework's response object whose other properties are kept. */
  constructor(options: ResponseOptions | object = {}) {
    const { headers = {}, body = {}, ...otherOptions } = options as ResponseOptions;
    this.body = body;
    for (const [name, value] of Object.entries(headers)) this.headers[name.toLowerCase()] = value;
    for (const [property, value] of Object.entries(otherOptions)) if (!this[property]) this[property] = value;
  }

  /** A header by case-insensitive name. */
  get(field: string): string | undefined {
    return this.headers[field.toLowerCase()];
  }

  /** Sets a header, by case-insensitive name. */
  set(field: string, value: string): void {
    this.headers[field.toLowerCase()] = value;
  }

  /** A 302 to `url`. */
  redirect(url: string): void {
    this.set('Location', url);
    this.status = 302;
  }
}

module.exports = { Response };
export type { Response, ResponseOptions };
