/** The Koa host: Context -> OAuthRequest, OAuthResponse -> Context, middleware mounting the endpoints, and bearer middleware. */
import type { Context, Middleware, Next } from 'koa';
import type { AuthorizationServer } from '../authorization-server.js';
import type { AuthenticateOptions } from '../endpoints/authenticate.js';
import type { AuthorizationDecision, AuthorizationRequest } from '../endpoints/authorize.js';
import type { AccessToken, OAuthRequest, OAuthResponse } from '../types.js';
import { endpointRoutes } from './routes.js';
import { toOAuthRequest as readNodeRequest } from './node.js';

/** What `authenticate` leaves in `ctx.state.oauth` for the middleware after it. */
export interface KoaOAuthState {
  token: AccessToken;
}

/**
 * Logs the person in and asks consent for a valid authorization request; resolves to the
 * decision, or to undefined after answering through `ctx` itself (a login form, a consent page).
 */
export type KoaInteract = (ctx: Context, request: AuthorizationRequest) => Promise<AuthorizationDecision | undefined>;

export interface KoaOptions {
  /** Serves the authorization endpoint too, with this login and consent step. */
  interact?: KoaInteract;
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
  if (parsed !== undefined && parsed !== null) return { method: ctx.method, url: ctx.originalUrl, headers: ctx.headers, body: parsed };
  return { ...(await readNodeRequest(ctx.req, maxBodyBytes)), url: ctx.originalUrl };
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
    const state: KoaOAuthState = { token: result.token };
    ctx.state.oauth = state;
    await next();
  };
}

/**
 * Middleware serving the token, revocation, introspection, metadata and JWKS endpoints at the
 * server's paths (and the authorization endpoint with `interact`); other paths go to `next`.
 * Every method reaches the endpoints, so the core answers a wrong one itself.
 * @example const oauth = koa(server); app.use(oauth); router.get('/me', oauth.authenticate({ scope: ['read'] }), handler)
 */
export function koa(server: AuthorizationServer, options: KoaOptions = {}): OAuthMiddleware {
  const { endpoints, maxBodyBytes } = server.options;
  const routes = endpointRoutes(server);
  const { interact } = options;

  const middleware: Middleware = async (ctx, next) => {
    const route = routes.get(ctx.path);
    if (route) return sendOAuthResponse(ctx, await route(await toOAuthRequest(ctx, maxBodyBytes)));
    if (!interact || ctx.path !== endpoints.authorization) return next();
    const request = await toOAuthRequest(ctx, maxBodyBytes);
    const result = await server.authorize(request);
    if (result.type !== 'interaction') return sendOAuthResponse(ctx, result.response);
    const decision = await interact(ctx, result.request);
    if (decision === undefined) return;
    sendOAuthResponse(ctx, (await server.authorize(request, decision)).response);
  };
  return Object.assign(middleware, {
    authenticate: (required?: AuthenticateOptions) => authenticate(server, required),
  });
}
