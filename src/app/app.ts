/**
 * The runnable server as a Fastify app: the core mounted through adapters/fastify, the sign-in and
 * consent pages, the /secure demo resource and /health. Uses only tollgate's public API.
 */
import Fastify from 'fastify';
import type { FastifyInstance, FastifyRequest, FastifyServerFactory } from 'fastify';
import type { AccessTokenFormat, BuiltInGrantType, Grant } from '../index.js';
import type { Store } from '../stores/store.js';
import { createAuthorizationServer, createJwtAccessTokenFormat, InvalidRequestError, ServerError } from '../index.js';
import type { ServerConfig } from './config.js';
import { tollgate } from '../adapters/fastify.js';
import { externalTokenGrant } from './external-token.js';
import { createUpstreamVerifier } from './upstream.js';
import { createRateLimiter } from './rate-limit.js';
import { createSessions } from './session.js';
import { mountInteraction } from './interaction.js';
import { sendOAuthError } from './replies.js';

/** The config once the issuer is known (the listening URL when the file names none). */
export type AppConfig = ServerConfig & { issuer: string };

export interface AppDependencies {
  store: Store;
  /** Signs session cookies: the config's `sessionSecret`, or one made at start. */
  sessionSecret: string;
  /** Serve on an http.Server made elsewhere (see `serve`). */
  serverFactory?: FastifyServerFactory;
}

const SESSION_TTL_SECONDS = 8 * 3600;

/** The path of a URL, never its query: authorization requests and SkyVault-style token requests carry secrets there. */
function pathOnly(url: string | undefined): string {
  const q = url?.indexOf('?') ?? -1;
  return q === -1 ? (url ?? '') : (url ?? '').slice(0, q);
}

/** Built-in grants on when any configured client needs them; password and implicit stay off otherwise (RFC 9700 §2.4). */
function enabledGrants(config: ServerConfig): BuiltInGrantType[] {
  const listed = new Set(config.clients.flatMap((c) => c.grant_types));
  const optional: BuiltInGrantType[] = ['password', 'implicit'];
  return [
    'authorization_code',
    'client_credentials',
    'refresh_token',
    ...optional.filter((type) => listed.has(type)),
  ];
}

function accessTokenFormat(config: AppConfig, store: Store): AccessTokenFormat | undefined {
  if (config.accessTokenFormat !== 'jwt') return undefined;
  // A retired key stays published as long as the longest-lived token it may have signed.
  const longest = Math.max(config.accessTokenTtl, ...config.clients.map((c) => c.access_token_lifetime ?? 0));
  return createJwtAccessTokenFormat({
    issuer: config.issuer,
    audience: config.audience ?? config.issuer,
    store,
    accessTokenTtl: longest,
    keyActivationDelay: config.keyActivationDelay,
  });
}

/** The client a token request names, for its rate limit: from Basic credentials or the form. Not authentication. */
function claimedClientId(request: FastifyRequest): string | undefined {
  const header = request.headers.authorization;
  if (header !== undefined && /^basic /i.test(header)) {
    const decoded = Buffer.from(header.slice(6).trim(), 'base64').toString('utf8');
    return decoded.slice(0, Math.max(0, decoded.indexOf(':'))) || undefined;
  }
  const body = typeof request.body === 'string' ? request.body : '';
  const q = request.url.indexOf('?');
  return new URLSearchParams(body).get('client_id') ?? (q === -1 ? undefined : new URLSearchParams(request.url.slice(q + 1)).get('client_id') ?? undefined);
}

export async function buildApp(config: AppConfig, deps: AppDependencies): Promise<FastifyInstance> {
  const { store } = deps;
  const app = Fastify({
    bodyLimit: config.bodyLimit,
    ...(deps.serverFactory && { serverFactory: deps.serverFactory }),
    logger: {
      level: config.logLevel,
      // Secrets travel in these headers; the serializer below never logs headers, this is the second fence.
      redact: { paths: ['req.headers.authorization', 'req.headers.cookie', 'headers.authorization', 'headers.cookie'], censor: '[redacted]' },
      serializers: {
        req: (req: FastifyRequest) => ({ method: req.method, path: pathOnly(req.url), remoteAddress: req.ip }),
      },
    },
  });

  const grants: Grant[] = [];
  if (config.clients.some((c) => c.grant_types.includes('external_token'))) {
    grants.push(externalTokenGrant(config.upstream ? { verifyUpstream: createUpstreamVerifier(config.upstream) } : {}) as Grant);
  }
  const format = accessTokenFormat(config, store);
  const server = createAuthorizationServer({
    issuer: config.issuer,
    grantTypes: enabledGrants(config),
    model: store,
    grants,
    accessTokenTtl: config.accessTokenTtl,
    refreshTokenTtl: config.refreshTokenTtl,
    authorizationCodeTtl: config.authorizationCodeTtl,
    ...(format && { accessTokenFormat: format }),
    skyvaultCompat: config.skyvaultCompat,
    maxBodyBytes: config.bodyLimit,
    onError: (err) => app.log.error({ err }, 'unexpected error in the OAuth core'),
  });

  // Fastify's own refusals (a body over the limit, a malformed header) answered as RFC 6749 §5.2 errors.
  app.setErrorHandler((err: { statusCode?: number; message: string }, _request, reply) => {
    const status = err.statusCode ?? 500;
    if (status >= 500) {
      app.log.error({ err }, 'unexpected error');
      return sendOAuthError(reply, 500, new ServerError('The authorization server encountered an unexpected condition'));
    }
    return sendOAuthError(reply, status, new InvalidRequestError(err.message));
  });
  app.setNotFoundHandler((_request, reply) => reply.code(404).type('text/plain; charset=utf-8').send('Not found'));

  const tokenLimits = { perClient: createRateLimiter(config.rateLimit.tokenPerClient), perIp: createRateLimiter(config.rateLimit.tokenPerIp) };
  app.addHook('preHandler', async (request, reply) => {
    if (request.routeOptions.url !== server.options.endpoints.token) return;
    const clientId = claimedClientId(request);
    const verdicts = [tokenLimits.perIp.hit(request.ip), ...(clientId === undefined ? [] : [tokenLimits.perClient.hit(clientId)])];
    const refused = verdicts.find((v) => !v.allowed);
    if (refused && !refused.allowed) {
      const error = new InvalidRequestError(`Too many requests; retry after ${refused.retryAfter} seconds`);
      return sendOAuthError(reply, 429, error, { 'Retry-After': String(refused.retryAfter) });
    }
  });

  await app.register(tollgate, { server, bodyLimit: config.bodyLimit });
  mountInteraction(app, {
    server,
    store,
    sessions: createSessions({ secret: deps.sessionSecret, secure: config.issuer.startsWith('https:'), ttlSeconds: SESSION_TTL_SECONDS }),
    loginLimits: { perUsername: createRateLimiter(config.rateLimit.loginPerUsername), perIp: createRateLimiter(config.rateLimit.loginPerIp) },
    skyvaultCompat: config.skyvaultCompat,
  });

  app.get('/secure', { preHandler: app.authenticate() }, async (_request, reply) => reply.type('text/plain; charset=utf-8').send('Secure Hello!'));

  app.get('/health', async (_request, reply) => {
    try {
      // A read that must reach the store: a dead connection fails here, not on the next token request.
      await store.getClient('\u0000health', null);
      return reply.send({ status: 'ok' });
    } catch (err) {
      app.log.error({ err }, 'health check: the store did not answer');
      return reply.code(503).send({ status: 'unavailable' });
    }
  });

  return app;
}
