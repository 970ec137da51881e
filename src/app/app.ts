/**
 * The runnable server as a Fastify app: the core mounted through adapters/fastify, the sign-in and
 * consent pages, the /secure demo resource and /health. Uses only tollgate's public API.
 */
import { createHmac } from 'node:crypto';
import Fastify from 'fastify';
import type { FastifyInstance, FastifyReply, FastifyRequest, FastifyServerFactory, onSendHookHandler, preHandlerHookHandler } from 'fastify';
import type { AccessTokenFormat, BuiltInGrantType, Grant, User } from '../index.js';
import type { Store } from '../stores/store.js';
import { ConfigError, createAuthorizationServer, errorResponse, InvalidRequestError, ServerError } from '../index.js';
import cluster from 'node:cluster';
import { loadUserModule, moduleClaims, withUserModule } from './user-module.js';
import type { UserModule } from './user-module.js';
import { assertedClientId } from '../client-assertion.js';
import { createJwtAccessTokenFormat, opaqueAccessTokens } from '../jwt.js';
import type { ServerConfig } from './config.js';
import { sendOAuthResponse, tollgate } from '../adapters/fastify.js';
import { externalTokenGrant } from './external-token.js';
import { createUpstreamVerifier } from './upstream.js';
import { createRateLimiter } from './rate-limit.js';
import { createPasswordGuard } from './password-guard.js';
import { createSessions } from './session.js';
import { createInteraction } from './interaction.js';
import { createLogDestination } from './log-destination.js';
import { RequestLog, requestFields } from './request-log.js';
import { createSignIn } from './sign-in.js';
import { createDocumentFetcher } from '../fetch/index.js';
import { createConsent } from './consent.js';
import { createTheme } from './views.js';
import { themePages } from './ui/pages.js';
import { SIGN_OUT_PATH, mountSignOut } from './sign-out.js';
import { DISCOVERY_PATH, USERINFO_PATH, createOpenIdProvider } from '../oidc/index.js';
import { parseScope } from '../index.js';
import { mountProtectedResources, secureHandler, secureResourceUri } from './protected-resources.js';
import { mountCors } from './cors.js';
import { TOKEN_EXCHANGE } from '../grants/token-exchange.js';
import { JWT_BEARER } from '../grants/jwt-bearer.js';
import { DEVICE_CODE } from '../grants/device-code.js';
import { createDevicePage } from './device.js';
import { observe } from './observability.js';
import { mountProbes } from './readiness.js';
import type { RateLimitedEvent, ServerEvent, ServerEvents } from './server-events.js';

/** The config once the issuer is known (the listening URL when the file names none). */
export type AppConfig = ServerConfig & { issuer: string };

export interface AppDependencies {
  store: Store;
  /** Signs session cookies: the config's `sessionSecret`, or one made at start. */
  sessionSecret: string;
  /** Serve on an http.Server made elsewhere (see `serve`). */
  serverFactory?: FastifyServerFactory;
  /** What happened at start before the app existed (removals by the config rule), for the audit trail. */
  startEvents?: readonly ServerEvent[];
}

const SESSION_TTL_SECONDS = 8 * 3600;

/** Built-in grants on when any configured client needs them; password and implicit (RFC 9700 §2.4), token exchange, JWT bearer and the device grant stay off otherwise. */
function enabledGrants(config: ServerConfig): BuiltInGrantType[] {
  const listed = new Set(config.clients.flatMap((c) => c.grant_types));
  const optional: BuiltInGrantType[] = ['password', 'implicit', TOKEN_EXCHANGE, JWT_BEARER, DEVICE_CODE];
  return [
    'authorization_code',
    'client_credentials',
    'refresh_token',
    ...optional.filter((type) => listed.has(type)),
  ];
}

/** The JWT format, when the server's tokens or any resource's are JWTs. */
function jwtFormat(config: AppConfig, store: Store): AccessTokenFormat | undefined {
  if (config.accessTokenFormat !== 'jwt' && !config.resources.some((r) => r.accessTokenFormat === 'jwt')) return undefined;
  // A retired key stays published as long as the longest-lived token it may have signed.
  const longest = Math.max(
    config.accessTokenTtl,
    ...config.clients.map((c) => c.access_token_lifetime ?? 0),
    ...config.resources.map((r) => r.accessTokenTtl ?? 0),
  );
  return createJwtAccessTokenFormat({
    issuer: config.issuer,
    audience: config.audience ?? config.issuer,
    store,
    alg: config.accessTokenSigningAlg,
    accessTokenTtl: longest,
    keyActivationDelay: config.keyActivationDelay,
  });
}

/** OpenID Connect is on when a configured client may ask for scope openid (Core §3.1.2.1); otherwise the server is plain OAuth. */
function usesOpenId(config: ServerConfig): boolean {
  return config.clients.some((client) => parseScope(client.scope)?.includes('openid') ?? false);
}

/** getUserClaims for the model (OpenID Connect Core §5.3.2): the config users' `claims`; the core releases those the scope asks for. */
function configuredClaims(config: ServerConfig): (user: User) => Readonly<Record<string, unknown>> | undefined {
  const byUsername = new Map(config.users.map((u) => [u.username, u.claims]));
  return (user) => (user.username === undefined ? undefined : byUsername.get(user.username));
}

/** The users module, refused in a worker when it cannot find a user again (`--workers` may have overridden `workers: 1`). */
async function usersFrom(file: string): Promise<UserModule> {
  const users = await loadUserModule(file);
  if (cluster.isWorker && !users.getUserById) {
    throw new ConfigError('ERR_TOLLGATE_INVALID_CONFIG', 'config.users.module', `${file} must export getUserById to serve with --workers: sessions could not find their user in another worker`);
  }
  return users;
}

/** A token request's parameters by name. */
type TokenParams = (name: string) => string | undefined;

/**
 * A token request's parameters, for its rate limits: from the raw form body, else the URL (where
 * skyvaultCompat reads them too), each parsed once however many names are asked. Not validation:
 * the core refuses repeated or misplaced ones.
 */
function tokenParams(request: FastifyRequest): TokenParams {
  let body: URLSearchParams | undefined;
  let query: URLSearchParams | null | undefined;
  return (name) => {
    body ??= new URLSearchParams(typeof request.body === 'string' ? request.body : '');
    const value = body.get(name);
    if (value) return value;
    if (query === undefined) {
      const q = request.url.indexOf('?');
      query = q === -1 ? null : new URLSearchParams(request.url.slice(q + 1));
    }
    return query?.get(name) || undefined;
  };
}

/** The client a token request names, for its rate limit: from Basic credentials, the form or the assertion. Not authentication. */
function claimedClientId(request: FastifyRequest, param: TokenParams): string | undefined {
  const header = request.headers.authorization;
  if (header !== undefined && /^basic /i.test(header)) {
    const decoded = Buffer.from(header.slice(6).trim(), 'base64').toString('utf8');
    return decoded.slice(0, Math.max(0, decoded.indexOf(':'))) || undefined;
  }
  const assertion = param('client_assertion');
  // private_key_jwt: the client the assertion claims to be (RFC 7523 §3), when no client_id is sent beside it.
  return param('client_id') ?? (assertion === undefined ? undefined : claimedAssertionClient(assertion));
}

function claimedAssertionClient(assertion: string): string | undefined {
  try {
    return assertedClientId(assertion);
  } catch {
    return undefined;
  }
}

/** Grants that check a resource owner's password, and so go through the password guard. */
const PASSWORD_GRANTS = new Set(['password', 'external_token']);
/** RFC 6749 §5.2 errors the token endpoint gives only after the client authenticated (see endpoints/token.ts). */
const AFTER_CLIENT_AUTHENTICATION = new Set(['invalid_grant', 'invalid_scope', 'unauthorized_client', 'unsupported_grant_type']);

/** The `error` of a JSON error body (RFC 6749 §5.2), if the payload is one. */
function errorCode(payload: unknown): string | undefined {
  if (typeof payload !== 'string' || !payload.startsWith('{')) return undefined;
  try {
    const { error } = JSON.parse(payload) as { error?: unknown };
    return typeof error === 'string' ? error : undefined;
  } catch {
    return undefined;
  }
}

/** A route's hooks of one kind, as a list (Fastify takes one hook or an array). */
function hookList<T>(hooks: T | T[] | undefined): T[] {
  return hooks === undefined ? [] : Array.isArray(hooks) ? hooks : [hooks];
}

function tooManyRequests(reply: FastifyReply, retryAfter: number, limiter: RateLimitedEvent['limiter'], events: ServerEvents): FastifyReply {
  events?.({ type: 'request.rate_limited', limiter });
  const error = new InvalidRequestError(`Too many requests; retry after ${retryAfter} seconds`, {
    status: 429,
    headers: { 'Retry-After': String(retryAfter) },
  });
  return sendOAuthResponse(reply, errorResponse(error));
}

/**
 * The key of DPoP nonces (RFC 9449 §8), derived from the session secret so every worker shares it
 * without the nonces and the cookies sharing a key.
 */
function dpopNonceSecret(sessionSecret: string): string {
  return createHmac('sha256', sessionSecret).update('tollgate dpop nonce').digest('base64url');
}

export async function buildApp(config: AppConfig, deps: AppDependencies): Promise<FastifyInstance> {
  const logs = createLogDestination();
  const app = Fastify({
    bodyLimit: config.bodyLimit,
    ...(deps.serverFactory && { serverFactory: deps.serverFactory }),
    // X-Forwarded-For/-Proto/-Host count only from these hops (request.ip, request.protocol, request.host).
    trustProxy: config.trustProxy,
    // What Fastify refuses before routing (a malformed request-target or header) is answered in the
    // RFC 6749 §5.2 shape too, never with Fastify's own body, which would echo the request back.
    frameworkErrors: (err, _request, reply) => {
      const status = err.statusCode !== undefined && err.statusCode < 500 ? err.statusCode : 400;
      void sendOAuthResponse(reply, errorResponse(new InvalidRequestError('The request is malformed', { status })));
    },
    logger: {
      level: config.logLevel,
      stream: logs.stream,
      // No redact paths: they cost about a third of each request line (issue 17) and could never
      // match, since the serializer below never logs headers. test/app/logs.test.ts is the fence:
      // it runs every flow at `trace` and finds none of the secrets sent in headers or bodies.
      serializers: {
        req: requestFields,
      },
    },
    logController: new RequestLog(logs.stream),
  });

  // Buffered lines reach stdout before the app is gone (close, SIGTERM, a crash).
  app.addHook('onClose', async () => logs.close());
  // Audit events and metrics; the store is timed when metrics are on.
  const { store, events } = observe(app, config, config.usersModule === undefined ? deps.store : withUserModule(deps.store, await usersFrom(config.usersModule)));
  for (const event of deps.startEvents ?? []) events?.(event);

  const grants: Grant[] = [];
  if (config.clients.some((c) => c.grant_types.includes('external_token'))) {
    grants.push(externalTokenGrant(config.upstream ? { verifyUpstream: createUpstreamVerifier(config.upstream) } : {}));
  }
  const jwt = jwtFormat(config, store);
  const format = config.accessTokenFormat === 'jwt' ? jwt : undefined;
  const formats = { jwt, opaque: opaqueAccessTokens };
  // RFC 8707: tokens asked for a resource are bound to it, in its format.
  const resources = config.resources.map((r) => ({
    uri: r.uri,
    scope: r.scope.split(' '),
    accessTokenFormat: r.accessTokenFormat === undefined ? undefined : formats[r.accessTokenFormat],
    accessTokenTtl: r.accessTokenTtl,
  }));
  // The demo resource /secure may be asked for too (its metadata names it): every scope a client has.
  if (!resources.some((r) => r.uri === secureResourceUri(config.issuer))) {
    const scope = [...new Set(config.clients.flatMap((c) => c.scope?.split(' ') ?? []))];
    resources.push({ uri: secureResourceUri(config.issuer), scope, accessTokenFormat: undefined, accessTokenTtl: undefined });
  }
  // RFC 8414 §2: the scopes this server issues, from its clients and resources.
  const scopesSupported = [...new Set([...config.clients.flatMap((c) => c.scope?.split(' ') ?? []), ...resources.flatMap((r) => r.scope)])];
  const openid = usesOpenId(config)
    ? createOpenIdProvider({ keys: store, keyActivationDelay: config.keyActivationDelay, endSessionPath: SIGN_OUT_PATH })
    : undefined;
  const server = createAuthorizationServer({
    issuer: config.issuer,
    grantTypes: enabledGrants(config),
    model: openid ? { ...store, getUserClaims: config.usersModule === undefined ? configuredClaims(config) : moduleClaims(store) } : store,
    ...(openid && { openid }),
    grants,
    accessTokenTtl: config.accessTokenTtl,
    refreshTokenTtl: config.refreshTokenTtl,
    authorizationCodeTtl: config.authorizationCodeTtl,
    deviceCodeTtl: config.deviceCodeTtl,
    ...(format && { accessTokenFormat: format }),
    resources,
    ...(scopesSupported.length > 0 && { scopesSupported }),
    ...(config.registration.enabled && { registration: { initialAccessToken: config.registration.initialAccessToken } }),
    skyvaultCompat: config.skyvaultCompat,
    maxBodyBytes: config.bodyLimit,
    trustedIssuers: config.trustedIssuers,
    ...(config.requirePushedAuthorizationRequests && { requirePushedAuthorizationRequests: true }),
    ...(config.profile && { profile: config.profile }),
    // jwks_uri and client ID metadata documents, fetched SSRF-safe (private networks only when the config says so).
    fetchDocument: createDocumentFetcher({ allowPrivateNetworks: config.clientIdMetadataDocuments.allowPrivateNetworks }),
    clientIdMetadataDocuments: config.clientIdMetadataDocuments.enabled,
    dpop: {
      ...(config.dpop.algorithms && { algorithms: config.dpop.algorithms }),
      ...(config.dpop.nonce && { nonce: { secret: dpopNonceSecret(deps.sessionSecret) } }),
    },
    onError: (err) => app.log.error({ err }, 'unexpected error in the OAuth core'),
    events,
    tracing: config.tracing,
  });

  // Fastify's own refusals (a body over the limit, a malformed header) answered as RFC 6749 §5.2
  // errors; anything else is the core's generic server_error, never Fastify's own error body.
  app.setErrorHandler((err: { statusCode?: number; message: string }, _request, reply) => {
    const status = err.statusCode ?? 500;
    if (status >= 500) {
      app.log.error({ err }, 'unexpected error');
      // Headers set before the failure go: one that could not be written (a raw CR/LF) would fail
      // this answer too, and Fastify would fall back to its own body with the exception's message.
      for (const name of Object.keys(reply.getHeaders())) reply.removeHeader(name);
      return sendOAuthResponse(reply, errorResponse(new ServerError('The authorization server encountered an unexpected condition')));
    }
    return sendOAuthResponse(reply, errorResponse(new InvalidRequestError(err.message, { status })));
  });
  app.setNotFoundHandler((_request, reply) => reply.code(404).type('text/plain; charset=utf-8').send('Not found'));

  // RFC 7591 §5 (denial of service): registrations are counted per IP address.
  const registrationLimit = createRateLimiter(config.rateLimit.registrationPerIp);
  const countRegistration: preHandlerHookHandler = (request, reply, done) => {
    if (request.method !== 'POST') return done();
    const verdict = registrationLimit.hit(request.ip);
    if (!verdict.allowed) return void tooManyRequests(reply, verdict.retryAfter, 'registration_per_ip', events);
    done();
  };

  const tokenLimits = { perClient: createRateLimiter(config.rateLimit.tokenPerClient), perIp: createRateLimiter(config.rateLimit.tokenPerIp) };
  const passwordGuard = createPasswordGuard({
    perIp: config.rateLimit.loginPerIp,
    perUsernameAndIp: config.rateLimit.loginPerUsernameAndIp,
    perUsername: config.rateLimit.loginPerUsername,
  });
  // RFC 8628 §3.1, RFC 9126 §2: each device authorization or pushed request stores a record; they count per IP like token requests.
  const countRecordRequest: preHandlerHookHandler = (request, reply, done) => {
    const verdict = tokenLimits.perIp.hit(request.ip);
    if (!verdict.allowed) return void tooManyRequests(reply, verdict.retryAfter, 'token_per_ip', events);
    done();
  };
  /** What each token request let through still has to count once its answer is known. */
  const pendingTokenRequests = new WeakMap<FastifyRequest, { clientId: string | undefined; username: string | undefined }>();
  // Every request counts per IP. The client_id a request names is not yet authenticated, so it is
  // only checked here and counted once the answer shows it authenticated (onSend): otherwise
  // anyone could exhaust a client's limit by naming it.
  const checkTokenRequest: preHandlerHookHandler = (request, reply, done) => {
    const param = tokenParams(request);
    const clientId = claimedClientId(request, param);
    const byIp = tokenLimits.perIp.hit(request.ip);
    if (!byIp.allowed) return void tooManyRequests(reply, byIp.retryAfter, 'token_per_ip', events);
    const byClient = clientId === undefined ? undefined : tokenLimits.perClient.check(clientId);
    if (byClient && !byClient.allowed) return void tooManyRequests(reply, byClient.retryAfter, 'token_per_client', events);
    const username = PASSWORD_GRANTS.has(param('grant_type') ?? '') ? param('username') : undefined;
    if (username !== undefined) {
      const verdict = passwordGuard.check({ username, ip: request.ip });
      if (!verdict.allowed) return void tooManyRequests(reply, verdict.retryAfter, 'password_grant', events);
    }
    pendingTokenRequests.set(request, { clientId, username });
    done();
  };
  const countTokenRequest: onSendHookHandler = (request, reply, payload, done) => {
    const pending = pendingTokenRequests.get(request);
    if (pending === undefined) return done(null, payload);
    pendingTokenRequests.delete(request);
    const ok = reply.statusCode === 200;
    const error = ok ? undefined : errorCode(payload);
    if (pending.clientId !== undefined && (ok || AFTER_CLIENT_AUTHENTICATION.has(error ?? ''))) tokenLimits.perClient.hit(pending.clientId);
    if (pending.username !== undefined) {
      // invalid_grant is a wrong username or password (RFC 6749 §5.2); anything else never got to compare it.
      const outcome = ok ? 'success' : error === 'invalid_grant' ? 'failure' : 'unchecked';
      passwordGuard.record({ username: pending.username, ip: request.ip, outcome });
    }
    done(null, payload);
  };
  // The limits hang on the routes they count, not on every request: a bearer check or a page runs none of them.
  const limited = new Map<string, { preHandler: preHandlerHookHandler; onSend?: onSendHookHandler }>([
    [server.options.endpoints.token, { preHandler: checkTokenRequest, onSend: countTokenRequest }],
    [server.options.endpoints.deviceAuthorization, { preHandler: countRecordRequest }],
    [server.options.endpoints.pushedAuthorizationRequest, { preHandler: countRecordRequest }],
    [server.options.endpoints.registration, { preHandler: countRegistration }],
  ]);
  app.addHook('onRoute', (route) => {
    const hooks = limited.get(route.url);
    if (hooks === undefined) return;
    route.preHandler = [hooks.preHandler, ...hookList(route.preHandler)];
    if (hooks.onSend) route.onSend = [...hookList(route.onSend), hooks.onSend];
  });

  const sessions = createSessions({ store, secret: deps.sessionSecret, secure: config.issuer.startsWith('https:'), ttlSeconds: SESSION_TTL_SECONDS });
  const authorizationPath = server.options.endpoints.authorization;
  // One set of pages for the process (tollgate/pages' own): its stylesheet hash and CSP are computed once.
  const pages = themePages(createTheme(config.branding));
  const signIn = createSignIn(app, {
    store,
    getClient: server.getClient,
    sessions,
    passwordGuard,
    authorizationPath,
    pages,
    events,
  });
  const consent = createConsent({ store, sessions, action: authorizationPath, signOutAction: SIGN_OUT_PATH, pages, events });
  const authorizationInteraction = createInteraction({ store, sessions, signIn, consent, skyvaultCompat: config.skyvaultCompat, pages });
  // RFC 8628 §3.3: the device page, when the grant is on.
  const device = createDevicePage({
    store,
    sessions,
    signIn,
    path: server.options.endpoints.deviceVerification,
    signOutAction: SIGN_OUT_PATH,
    pages,
    limits: { perIp: createRateLimiter(config.rateLimit.userCodePerIp), perSession: createRateLimiter(config.rateLimit.userCodePerSession) },
    events,
  });
  const interaction = { ...authorizationInteraction, device };
  const { endpoints } = server.options;
  mountCors(app, {
    origins: config.cors.origins,
    issuer: config.issuer,
    paths: [
      '/.well-known/oauth-authorization-server', endpoints.jwks, endpoints.token, endpoints.revocation, endpoints.registration,
      // A browser relying party (an SPA) reads discovery and UserInfo too (OpenID Connect Core §5.3).
      ...(openid ? [DISCOVERY_PATH, USERINFO_PATH] : []),
    ],
    stateChanging: [endpoints.token, endpoints.revocation, endpoints.registration],
  });
  await app.register(tollgate, { server, bodyLimit: config.bodyLimit, interaction });
  mountSignOut(app, { store, getClient: server.getClient, sessions, openid: openid && { provider: openid, issuer: config.issuer }, events, pages, authorizationPath, devicePath: server.options.endpoints.deviceVerification });

  // RFC 9728: /secure's challenges name its metadata, so a client can discover this server from it.
  const secure = mountProtectedResources(app, config.issuer, config.resources, server.options.dpop?.algorithms);
  app.get('/secure', secureHandler(server, secure));

  // Load balancers and orchestrators: /health (the store answers) and /ready (and the signing keys are loaded).
  const signs = jwt !== undefined || openid !== undefined;
  mountProbes(app, { store, signingKeys: signs ? async () => (JSON.parse((await server.jwks()).body) as { keys: unknown[] }).keys : undefined });

  return app;
}
