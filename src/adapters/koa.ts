/** The Koa host: Context -> OAuthRequest, OAuthResponse -> Context, middleware mounting the endpoints, and bearer middleware. */
import type { Context, Middleware, Next } from 'koa';
import type { AuthorizationServer } from '../authorization-server.js';
import type { AuthenticateOptions } from '../endpoints/authenticate.js';
import type { HandleOptions } from '../interaction.js';
import type { AccessToken, OAuthRequest, OAuthResponse } from '../types.js';
import { toOAuthRequest as readNodeRequest } from './node.js';

/** What `authenticate` leaves in `ctx.state.oauth` for the middleware after it. */
export interface KoaOAuthState {
  /** The access token the bearer check accepted. */
  token: AccessToken;
}

/** The middleware `koa(server)` returns, with the bearer middleware bound to the same server. */
export interface OAuthMiddleware extends Middleware {
  /** RFC 6750 bearer check: answers the challenge itself, or sets `ctx.state.oauth` and calls `next()`. */
  authenticate(options?: AuthenticateOptions): Middleware;
}

/**
 * The request as the core sees it. A body a parser already read (`ctx.request.body`, e.g. from
 * @koa/bodyparser) is passed as parsed; otherwise the raw body is read, up to `maxBodyBytes + 1`.
 */
export async function toOAuthRequest(ctx: Context, maxBodyBytes?: number): Promise<OAuthRequest> {
  const parsed = (ctx.request as { body?: OAuthRequest['body'] | null }).body;
  if (parsed !== undefined && parsed !== null) return { method: ctx.method, url: ctx.originalUrl, headers: ctx.headers, body: parsed, ip: ctx.ip };
  return { ...(await readNodeRequest(ctx.req, maxBodyBytes)), url: ctx.originalUrl, ip: ctx.ip };
}

/** Writes an OAuthResponse as it is: the core's headers are set first, so Koa keeps their Content-Type. */
export function sendOAuthResponse(ctx: Context, response: OAuthResponse): void {
  ctx.status = response.status;
  ctx.set(response.headers);
  ctx.body = response.body;
}

/**
 * RFC 6750 bearer middleware. The body is read only when the server accepts tokens in it
 * (`allowBearerTokensInBody`), so the middleware after it can still read theirs.
 */
export function authenticate(server: AuthorizationServer, options?: AuthenticateOptions): Middleware {
  const { allowBearerTokensInBody, maxBodyBytes } = server.options;
  return async (ctx: Context, next: Next) => {
    const request = allowBearerTokensInBody
      ? await toOAuthRequest(ctx, maxBodyBytes)
      : { method: ctx.method, url: ctx.originalUrl, headers: ctx.headers };
    const result = await server.authenticate(request, options);
    if (result.type === 'error') return sendOAuthResponse(ctx, result.response);
    if (result.headers) ctx.set(result.headers);
    const state: KoaOAuthState = { token: result.token };
    ctx.state.oauth = state;
    await next();
  };
}

/**
 * Middleware serving the core's endpoints through `server.handle` (the authorization endpoint too,
 * with an `interaction`); other paths go to `next`. Every method reaches the endpoints, so the
 * core answers a wrong one itself.
 * @example const oauth = koa(server, { interaction }); app.use(oauth); router.get('/me', oauth.authenticate({ scope: ['read'] }), handler)
 */
export function koa(server: AuthorizationServer, options: HandleOptions = {}): OAuthMiddleware {
  const { maxBodyBytes } = server.options;
  const middleware: Middleware = async (ctx, next) => {
    if (!server.serves(ctx.originalUrl)) return next();
    const response = await server.handle(await toOAuthRequest(ctx, maxBodyBytes), options);
    return response ? sendOAuthResponse(ctx, response) : next();
  };
  return Object.assign(middleware, {
    authenticate: (required?: AuthenticateOptions) => authenticate(server, required),
  });
}
