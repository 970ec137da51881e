/** The Express host: Request -> OAuthRequest, OAuthResponse -> Response, a Router mounting the endpoints, and bearer middleware. */
import { Router } from 'express';
import type { NextFunction, Request, RequestHandler, Response } from 'express';
import type { AuthorizationServer } from '../authorization-server.js';
import type { AuthenticateOptions } from '../endpoints/authenticate.js';
import type { AuthorizationDecision, AuthorizationRequest } from '../endpoints/authorize.js';
import type { AccessToken, OAuthRequest, OAuthResponse } from '../types.js';
import { toOAuthRequest as readNodeRequest } from './node.js';
import { endpointRoutes } from './routes.js';

/** What `authenticate` leaves in `res.locals.oauth` for the routes after it. */
export interface ExpressOAuthLocals {
  token: AccessToken;
}

/**
 * Logs the person in and asks consent for a valid authorization request; resolves to the
 * decision, or to undefined after answering `res` itself (a login form, a consent page).
 */
export type ExpressInteract = (req: Request, res: Response, request: AuthorizationRequest) => Promise<AuthorizationDecision | undefined>;

export interface ExpressOptions {
  /** Mounts the authorization endpoint too, with this login and consent step. */
  interact?: ExpressInteract;
}

/** The Router `express(server)` returns, with the middleware factories bound to the same server. */
export interface OAuthRouter extends Router {
  /** RFC 6750 bearer check: answers the challenge itself, or sets `res.locals.oauth` and calls `next()`. */
  authenticate(options?: AuthenticateOptions): RequestHandler;
  /** The authorization endpoint as a handler, for mounting at a path of your choosing. */
  authorize(interact: ExpressInteract): RequestHandler;
}

/**
 * The request as the core sees it. A body a parser already read (`express.urlencoded()`) is passed
 * as parsed, arrays for repeated fields; otherwise the raw body is read, up to `maxBodyBytes + 1`.
 */
export async function toOAuthRequest(req: Request, maxBodyBytes?: number): Promise<OAuthRequest> {
  const parsed: unknown = req.body;
  const request = parsed !== undefined && parsed !== null
    ? { method: req.method, url: req.originalUrl, headers: req.headers, body: parsed as OAuthRequest['body'] }
    : await readNodeRequest(req, maxBodyBytes);
  // originalUrl keeps the query and the mount path a sub-router strips from `req.url`.
  return { ...request, url: req.originalUrl };
}

/** Writes an OAuthResponse as it is (no ETag, no content negotiation). */
export function sendOAuthResponse(res: Response, response: OAuthResponse): void {
  res.status(response.status).set(response.headers).end(response.body);
}

type Handler = (req: Request, res: Response) => Promise<void>;

/** Express 5 forwards a rejected promise to `next`, but Express 4 does not: forward it here for both. */
function handle(fn: Handler): RequestHandler {
  return (req, res, next: NextFunction) => {
    fn(req, res).catch(next);
  };
}

/**
 * RFC 6750 bearer middleware. The body is read only when the server accepts tokens in it
 * (`allowBearerTokensInBody`), so the routes after it can still read theirs.
 */
export function authenticate(server: AuthorizationServer, options?: AuthenticateOptions): RequestHandler {
  const { allowBearerTokensInBody, maxBodyBytes } = server.options;
  return (req, res, next) => {
    const reading = allowBearerTokensInBody
      ? toOAuthRequest(req, maxBodyBytes)
      : Promise.resolve({ method: req.method, url: req.originalUrl, headers: req.headers });
    reading
      .then((request) => server.authenticate(request, options))
      .then((result) => {
        if (result.type === 'error') return sendOAuthResponse(res, result.response);
        const locals: ExpressOAuthLocals = { token: result.token };
        res.locals.oauth = locals;
        next();
      })
      .catch(next);
  };
}

/** The authorization endpoint (RFC 6749 §3.1): validate, let `interact` decide, answer with the redirect. */
export function authorize(server: AuthorizationServer, interact: ExpressInteract): RequestHandler {
  return handle(async (req, res) => {
    const request = await toOAuthRequest(req, server.options.maxBodyBytes);
    const result = await server.authorize(request);
    if (result.type !== 'interaction') return sendOAuthResponse(res, result.response);
    const decision = await interact(req, res, result.request);
    if (decision === undefined) return;
    sendOAuthResponse(res, (await server.authorize(request, decision)).response);
  });
}

/**
 * A Router serving the token, revocation, introspection, metadata and JWKS endpoints at the
 * server's paths (and the authorization endpoint with `interact`). Every method reaches the
 * endpoints, so the core answers a wrong one itself.
 * @example app.use(oauth = express(server)); app.get('/me', oauth.authenticate({ scope: ['read'] }), handler)
 */
export function express(server: AuthorizationServer, options: ExpressOptions = {}): OAuthRouter {
  const { endpoints, maxBodyBytes } = server.options;
  const router = Router();
  for (const [path, endpoint] of endpointRoutes(server)) {
    router.all(path, handle(async (req, res) => sendOAuthResponse(res, await endpoint(await toOAuthRequest(req, maxBodyBytes)))));
  }
  if (options.interact) router.all(endpoints.authorization, authorize(server, options.interact));
  return Object.assign(router, {
    authenticate: (required?: AuthenticateOptions) => authenticate(server, required),
    authorize: (interact: ExpressInteract) => authorize(server, interact),
  });
}
