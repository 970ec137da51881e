/** The Fastify host: FastifyRequest -> OAuthRequest, OAuthResponse -> FastifyReply, and a plugin mounting the endpoints. */
import type { FastifyInstance, FastifyReply, FastifyRequest, preHandlerAsyncHookHandler } from 'fastify';
import type { AuthorizationServer } from '../authorization-server.js';
import type { AuthenticateOptions } from '../endpoints/authenticate.js';
import type { HandleOptions } from '../interaction.js';
import type { AccessToken, OAuthRequest, OAuthResponse } from '../types.js';

declare module 'fastify' {
  interface FastifyRequest {
    /** Set by the `authenticate` preHandler: the bearer token that authenticated the request. */
    oauth: { token: AccessToken } | null;
  }
  interface FastifyInstance {
    /** A preHandler answering RFC 6750 challenges itself and setting `request.oauth` for a valid token. */
    authenticate(options?: AuthenticateOptions): preHandlerAsyncHookHandler;
  }
}

/** The request as the core sees it; a form body stays the raw string the parser below kept. */
export function toOAuthRequest(request: FastifyRequest): OAuthRequest {
  const body = request.body;
  return {
    method: request.method,
    url: request.url,
    headers: request.headers,
    ip: request.ip,
    body: typeof body === 'string' || body instanceof Uint8Array ? body : undefined,
  };
}

/** Writes an OAuthResponse as it is. */
export function sendOAuthResponse(reply: FastifyReply, response: OAuthResponse): FastifyReply {
  return reply.code(response.status).headers(response.headers).send(response.body);
}

/** Options of the `tollgate` Fastify plugin: the server, its body limit, and the `handle` options. */
export interface TollgatePluginOptions extends HandleOptions {
  /** The authorization server whose endpoints the plugin serves. */
  server: AuthorizationServer;
  /** Largest body Fastify reads. Default: the server's `maxBodyBytes`. */
  bodyLimit?: number;
}

/** Keeps bodies of this content type as their raw text, so the core sees repeated parameters (RFC 6749 §3.2). */
function keepRaw(app: FastifyInstance, contentType: string, bodyLimit: number): void {
  app.addContentTypeParser(contentType, { parseAs: 'string', bodyLimit }, (_request, body, done) => done(null, body));
}

/**
 * Mounts the core's endpoints at the server's paths, answered by `server.handle` (the
 * authorization endpoint too, with an `interaction`), and decorates the instance with
 * `authenticate` (and requests with `oauth`) for the caller's routes.
 * @example app.register(tollgate, { server, interaction }); app.get('/me', { preHandler: app.authenticate() }, handler)
 */
export async function tollgate(app: FastifyInstance, options: TollgatePluginOptions): Promise<void> {
  const { server, bodyLimit = server.options.maxBodyBytes, ...handleOptions } = options;

  app.decorateRequest('oauth', null);
  app.decorate('authenticate', (required?: AuthenticateOptions): preHandlerAsyncHookHandler => {
    return async (request, reply) => {
      const result = await server.authenticate(toOAuthRequest(request), required);
      if (result.type === 'error') return sendOAuthResponse(reply, result.response);
      if (result.headers) void reply.headers(result.headers);
      request.oauth = { token: result.token };
    };
  });

  // Forms reach every route raw, the caller's too (a login form may repeat a field as well).
  keepRaw(app, 'application/x-www-form-urlencoded', bodyLimit);

  await app.register(async (scope) => {
    // The endpoints see every body raw, so the core, not a parser, decides what a bad content type gets.
    scope.removeAllContentTypeParsers();
    keepRaw(scope, 'application/x-www-form-urlencoded', bodyLimit);
    keepRaw(scope, '*', bodyLimit);
    const answer = async (request: OAuthRequest, reply: FastifyReply) => {
      const response = await server.handle(request, handleOptions);
      return response ? sendOAuthResponse(reply, response) : reply.callNotFound();
    };
    // Every method reaches the core, which answers a wrong one itself.
    for (const path of server.paths) scope.all(path, async (request, reply) => answer(toOAuthRequest(request), reply));
    // Fastify stops reading a body over its limit; the core is handed one byte too many, as the node
    // adapter does, so the refusal is the core's own (RFC 6749 §5.2 body), not Fastify's.
    scope.setErrorHandler(async (err: { code?: string }, request, reply) => {
      if (err.code !== 'FST_ERR_CTP_BODY_TOO_LARGE') throw err;
      return answer({ ...toOAuthRequest(request), body: new Uint8Array(server.options.maxBodyBytes + 1) }, reply);
    });
  });
}
// Like fastify-plugin: the decorators belong to the instance that registers the plugin, not to a child scope.
Object.defineProperty(tollgate, Symbol.for('skip-override'), { value: true });
