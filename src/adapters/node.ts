/** The node:http host: IncomingMessage -> OAuthRequest, OAuthResponse -> ServerResponse, and a request listener. */
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { AuthorizationServer } from '../authorization-server.js';
import type { HandleOptions } from '../interaction.js';
import type { OAuthRequest, OAuthResponse } from '../types.js';

export { writeAtTurnEnd } from './turn-end-writes.js';

/**
 * Reads a request into an OAuthRequest. The body is read up to `maxBodyBytes + 1` bytes only:
 * an oversized body reaches the core still oversized, and the core refuses it.
 */
export function toOAuthRequest(req: IncomingMessage, maxBodyBytes = 64 * 1024): Promise<OAuthRequest> {
  const request = { method: req.method ?? 'GET', url: req.url ?? '/', headers: req.headers, ip: req.socket.remoteAddress };
  if (req.method === 'GET' || req.method === 'HEAD') return Promise.resolve({ ...request, body: '' });
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (chunk: Buffer) => {
      if (size > maxBodyBytes) return;
      chunks.push(chunk);
      size += chunk.length;
    });
    req.on('end', () => resolve({ ...request, body: Buffer.concat(chunks).subarray(0, maxBodyBytes + 1).toString('utf8') }));
    req.on('error', reject);
  });
}

/** Statuses whose answers carry no body and must not carry a Content-Length (RFC 9110 §8.6, §15.4.5). */
const NO_BODY = new Set([204, 304]);

/**
 * Writes an OAuthResponse as it is, framed by its length (RFC 9112 §6.3). `writeHead` fixes the
 * framing before `end` sees the body, so without a Content-Length node:http would send every answer
 * chunked: more bytes, and about a quarter more CPU per bearer check (issue 17).
 */
export function sendOAuthResponse(res: ServerResponse, response: OAuthResponse): void {
  const { status, headers, body } = response;
  res.writeHead(status, NO_BODY.has(status) ? headers : { ...headers, 'Content-Length': Buffer.byteLength(body) });
  res.end(body);
}

/** Options of `createRequestListener`: the `handle` options, and what answers the other paths. */
export interface NodeHandlerOptions extends HandleOptions {
  /** Called for paths that are not OAuth endpoints. Default: 404. */
  fallback?(req: IncomingMessage, res: ServerResponse): void | Promise<void>;
}

/**
 * A node:http request listener: the core's endpoints through `server.handle` (the authorization
 * endpoint too, with an `interaction`), everything else to `fallback`.
 */
export function createRequestListener(server: AuthorizationServer, options: NodeHandlerOptions = {}) {
  const { maxBodyBytes } = server.options;
  const { fallback, ...handleOptions } = options;

  return (req: IncomingMessage, res: ServerResponse): void => {
    const notFound = (): void | Promise<void> => {
      if (fallback) return fallback(req, res);
      res.writeHead(404, { 'Content-Type': 'text/plain' }).end('Not found');
    };
    // Transport failures and a failing fallback (handle answers every protocol error itself): a 500,
    // never an unhandled rejection that would end the process.
    const failed = (err: unknown): void => {
      server.options.onError(err);
      if (!res.headersSent) res.writeHead(500, { 'Content-Type': 'text/plain' });
      res.end();
    };
    if (!server.serves(req.url ?? '/')) {
      Promise.resolve().then(notFound).catch(failed);
      return;
    }
    toOAuthRequest(req, maxBodyBytes)
      .then(async (request) => {
        const response = await server.handle(request, handleOptions);
        return response ? sendOAuthResponse(res, response) : notFound();
      })
      .catch(failed);
  };
}
