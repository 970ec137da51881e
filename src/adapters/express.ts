/**
 * The Express host: Request -> OAuthRequest, OAuthResponse -> Response, a middleware mounting the
 * endpoints, and bearer middleware. Only types come from express: nothing here loads it, so this
 * entry works with whichever Express 4 or 5 the app installed, and importing it never fails for a
 * missing package.
 */
import type { NextFunction, Request, RequestHandler, Response } from 'express';
import type { AuthorizationServer } from '../authorization-server.js';
import type { AuthenticateOptions } from '../endpoints/authenticate.js';
import type { HandleOptions } from '../interaction.js';
import type { AccessToken, OAuthRequest, OAuthResponse } from '../types.js';
import { toOAuthRequest as readNodeRequest } from './node.js';

/** What `authenticate` leaves in `res.locals.oauth` for the routes after it. */
export interface ExpressOAuthLocals {
  /** The access token the bearer check accepted. */
  token: AccessToken;
}

/** The middleware `express(server)` returns, with the bearer middleware bound to the same server. */
export interface OAuthRouter extends RequestHandler {
  /** RFC 6750 bearer check: answers the challenge itself, or sets `res.locals.oauth` and calls `next()`. */
  authenticate(options?: AuthenticateOptions): RequestHandler;
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
  return { ...request, url: req.originalUrl, ip: req.ip };
}

/** Writes an OAuthResponse as it is (no ETag, no content negotiation). */
export function sendOAuthResponse(res: Response, response: OAuthResponse): void {
  res.status(response.status).set(response.headers).end(response.body);
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
        if (result.headers) res.set(result.headers);
        const locals: ExpressOAuthLocals = { token: result.token };
        res.locals.oauth = locals;
        next();
      })
      .catch(next);
  };
}

/**
 * A middleware serving the core's endpoints through `server.handle` (the authorization endpoint too,
 * with an `interaction`); other paths go to `next`. Every method reaches the endpoints, so the
 * core answers a wrong one itself.
 * @example app.use(oauth = express(server, { interaction })); app.get('/me', oauth.authenticate({ scope: ['read'] }), handler)
 */
export function express(server: AuthorizationServer, options: HandleOptions = {}): OAuthRouter {
  const { maxBodyBytes } = server.options;
  // Express 5 forwards a rejected promise to `next`, but Express 4 does not: forward it here for both.
  const middleware = (req: Request, res: Response, next: NextFunction): void => {
    if (!server.serves(req.originalUrl)) return next();
    toOAuthRequest(req, maxBodyBytes)
      .then((request) => server.handle(request, options))
      .then((response) => (response ? sendOAuthResponse(res, response) : next()))
      .catch(next);
  };
  return Object.assign(middleware, {
    authenticate: (required?: AuthenticateOptions) => authenticate(server, required),
  });
}
