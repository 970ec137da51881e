/** The node:http host: IncomingMessage -> OAuthRequest, OAuthResponse -> ServerResponse, and a request listener. */
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { AuthorizationServer } from '../authorization-server.js';
import type { AuthorizationDecision, AuthorizationRequest } from '../endpoints/authorize.js';
import type { OAuthRequest, OAuthResponse } from '../types.js';
import { pathOf } from '../request.js';
import { endpointRoutes } from './routes.js';

/**
 * Reads a request into an OAuthRequest. The body is read up to `maxBodyBytes + 1` bytes only:
 * an oversized body reaches the core still oversized, and the core refuses it.
 */
export function toOAuthRequest(req: IncomingMessage, maxBodyBytes = 64 * 1024): Promise<OAuthRequest> {
  const request = { method: req.method ?? 'GET', url: req.url ?? '/', headers: req.headers };
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

/** Writes an OAuthResponse as it is. */
export function sendOAuthResponse(res: ServerResponse, response: OAuthResponse): void {
  res.writeHead(response.status, response.headers);
  res.end(response.body);
}

export interface NodeHandlerOptions {
  /**
   * Logs the person in and asks consent for a valid authorization request; resolves to the
   * decision, or to undefined after writing a page (a login form) to `res` itself.
   */
  interact?(req: IncomingMessage, res: ServerResponse, request: AuthorizationRequest): Promise<AuthorizationDecision | undefined>;
  /** Called for paths that are not OAuth endpoints. Default: 404. */
  fallback?(req: IncomingMessage, res: ServerResponse): void;
}

/** A node:http request listener serving the token, authorization, revocation, introspection, metadata and JWKS endpoints. */
export function createRequestListener(server: AuthorizationServer, handlerOptions: NodeHandlerOptions = {}) {
  const { endpoints, maxBodyBytes } = server.options;
  const routes = endpointRoutes(server);

  async function authorize(req: IncomingMessage, res: ServerResponse, request: OAuthRequest): Promise<void> {
    const result = await server.authorize(request);
    if (result.type !== 'interaction') return sendOAuthResponse(res, result.response);
    if (!handlerOptions.interact) return sendOAuthResponse(res, { status: 501, headers: { 'Content-Type': 'text/plain' }, body: 'No login handler configured' });
    const decision = await handlerOptions.interact(req, res, result.request);
    if (decision === undefined) return;
    const answered = await server.authorize(request, decision);
    sendOAuthResponse(res, answered.response);
  }

  return (req: IncomingMessage, res: ServerResponse): void => {
    const path = pathOf(req.url ?? '/');
    const route = routes.get(path);
    if (!route && path !== endpoints.authorization) {
      if (handlerOptions.fallback) return handlerOptions.fallback(req, res);
      res.writeHead(404, { 'Content-Type': 'text/plain' }).end('Not found');
      return;
    }
    toOAuthRequest(req, maxBodyBytes)
      .then((request) => (route ? Promise.resolve(route(request)).then((response) => sendOAuthResponse(res, response)) : authorize(req, res, request)))
      .catch((err: unknown) => {
        // Only transport failures reach here (the core answers every protocol error itself).
        server.options.onError(err);
        if (!res.headersSent) res.writeHead(500, { 'Content-Type': 'text/plain' });
        res.end();
      });
  };
}
