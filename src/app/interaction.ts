/**
 * The authorization endpoint as a person meets it (RFC 6749 §3.1, §4.1.1): sign in, consent,
 * then the redirect the core builds. The request waits in the session, as its original
 * parameters, and is answered by `server.authorize(request, { user, allow })`.
 */
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { AuthorizationServer, AuthorizeResult, OAuthRequest, OAuthResponse, User } from '../index.js';
import type { Store } from '../stores/store.js';
import { AccessDeniedError, InvalidRequestError, parseScope } from '../index.js';
import type { Session, Sessions } from './session.js';
import type { RateLimiter } from './rate-limit.js';
import { sendOAuthResponse, toOAuthRequest } from '../adapters/fastify.js';
import { randomId } from './session.js';
import { consentPage, errorPage, loginPage } from './views.js';
import { sendOAuthError, sendPage } from './replies.js';

export interface InteractionOptions {
  server: AuthorizationServer;
  store: Store;
  sessions: Sessions;
  loginLimits: { perUsername: RateLimiter; perIp: RateLimiter };
  /** The SkyVault guide's resource owner credentials in HTTP Basic at `/authorize`. */
  skyvaultCompat: boolean;
}

/** A request's parameters as one form string: the query, and for a POST the body too. */
function paramsOf(request: FastifyRequest): string {
  const q = request.url.indexOf('?');
  const query = q === -1 ? '' : request.url.slice(q + 1);
  const body = request.method === 'POST' && typeof request.body === 'string' ? request.body : '';
  return [query, body].filter((part) => part !== '').join('&');
}

/** The waiting authorization request, as the core reads it. */
function pendingRequest(params: string): OAuthRequest {
  return { method: 'GET', url: `/authorize?${params}`, headers: {} };
}

/** RFC 9700 §4.12: a form POST is answered 303, so the browser never re-posts it to the client. */
function seeOther(response: OAuthResponse): OAuthResponse {
  return response.status === 302 ? { ...response, status: 303 } : response;
}

/** RFC 7617 credentials of a person (not form-encoded, unlike a client's, RFC 6749 §2.3.1). */
function basicUser(header: string | undefined): { username: string; password: string } | undefined {
  if (header === undefined || !/^basic /i.test(header)) return undefined;
  const decoded = Buffer.from(header.slice(6).trim(), 'base64').toString('utf8');
  const colon = decoded.indexOf(':');
  return colon === -1 ? undefined : { username: decoded.slice(0, colon), password: decoded.slice(colon + 1) };
}

/** The scope the person is asked for: what the client asked, or by default all it is registered for. */
function askedScope(result: Extract<AuthorizeResult, { type: 'interaction' }>): string[] {
  return result.request.scope ?? parseScope(result.request.client.scope) ?? [];
}

const clientNameOf = (result: Extract<AuthorizeResult, { type: 'interaction' }>): string =>
  result.request.client.client_name ?? result.request.client.client_id;

/** Whether a redirect carries the grant (a code or a token) rather than an error. */
function grants(response: OAuthResponse): boolean {
  const location = new URL(response.headers.Location ?? '', 'http://invalid');
  const params = new URLSearchParams(location.hash.slice(1));
  return location.searchParams.has('code') || params.has('access_token');
}

function sendProblem(reply: FastifyReply, status: number, description: string): FastifyReply {
  return sendPage(reply, status, errorPage('This request cannot be completed', description));
}

export function mountInteraction(app: FastifyInstance, options: InteractionOptions): void {
  const { server, store, sessions, loginLimits, skyvaultCompat } = options;

  /** The answer to anything but a valid request: never a redirect for an untrusted client or URI (RFC 6749 §4.1.2.1). */
  function sendNonInteraction(reply: FastifyReply, result: Exclude<AuthorizeResult, { type: 'interaction' }>, post: boolean): FastifyReply {
    if (result.type === 'error') return sendProblem(reply, 400, result.error.description);
    return sendOAuthResponse(reply, post ? seeOther(result.response) : result.response);
  }

  /** Counts a sign-in attempt; the seconds to wait when over the limit. */
  function loginThrottled(request: FastifyRequest, username: string): number | undefined {
    const byIp = loginLimits.perIp.hit(request.ip);
    const byName = loginLimits.perUsername.hit(username);
    if (!byIp.allowed) return byIp.retryAfter;
    if (!byName.allowed) return byName.retryAfter;
    return undefined;
  }

  async function signedInUser(session: Session | undefined): Promise<User | null> {
    return session?.userId === undefined ? null : store.getUserById(session.userId);
  }

  async function consentRemembered(user: User, result: Extract<AuthorizeResult, { type: 'interaction' }>): Promise<boolean> {
    if (user.id === undefined) return false;
    const granted = await store.getConsent(user.id, result.request.client.client_id);
    return granted !== null && askedScope(result).every((scope) => granted.includes(scope));
  }

  /** seed 002: `curl -XPOST -u admin:tiger '/authorize?…'`, the credentials standing for sign-in and consent. */
  async function compatAuthorize(request: FastifyRequest, reply: FastifyReply, owner: { username: string; password: string }) {
    const retryAfter = loginThrottled(request, owner.username);
    if (retryAfter !== undefined) {
      const error = new InvalidRequestError(`Too many sign-in attempts; retry after ${retryAfter} seconds`);
      return sendOAuthError(reply, 429, error, { 'Retry-After': String(retryAfter) });
    }
    // The seed's request carries everything in the URL; answered as the GET it stands for (302, as the guide shows).
    const oauthRequest = pendingRequest(paramsOf(request));
    const result = await server.authorize(oauthRequest);
    if (result.type !== 'interaction') return sendNonInteraction(reply, result, false);
    const user = await store.getUser(owner.username, owner.password, result.request.client);
    if (!user) {
      return sendOAuthError(reply, 401, new AccessDeniedError('The resource owner credentials are invalid'), {
        'WWW-Authenticate': 'Basic realm="tollgate", charset="UTF-8"',
      });
    }
    return sendOAuthResponse(reply, (await server.authorize(oauthRequest, { user, allow: true })).response);
  }

  async function authorize(request: FastifyRequest, reply: FastifyReply) {
    const owner = basicUser(request.headers.authorization);
    if (owner) {
      if (skyvaultCompat) return compatAuthorize(request, reply, owner);
      return sendOAuthError(
        reply,
        400,
        new InvalidRequestError('Resource owner credentials in an Authorization header are not accepted here (only with skyvaultCompat); sign in on the page'),
      );
    }
    const oauthRequest = toOAuthRequest(request);
    const result = await server.authorize(oauthRequest);
    if (result.type !== 'interaction') return sendNonInteraction(reply, result, false);

    const session = sessions.read(request.headers.cookie) ?? sessions.create();
    const user = await signedInUser(session);
    if (user && (await consentRemembered(user, result))) {
      return sendOAuthResponse(reply, (await server.authorize(oauthRequest, { user, allow: true })).response);
    }
    const pending = { params: paramsOf(request), nonce: randomId() };
    // A browser keeps cookies to about 4 KB; a request that would not fit is refused, not silently cut.
    if (pending.params.length > 3000) return sendProblem(reply, 400, 'The authorization request is too long.');
    const cookie = sessions.cookie({ ...session, pending });
    const clientName = clientNameOf(result);
    const page = user
      ? consentPage({ clientName, username: user.username ?? user.id ?? '', scopes: askedScope(result), csrf: session.csrf, nonce: pending.nonce })
      : loginPage({ clientName, csrf: session.csrf });
    return sendPage(reply, 200, page, { 'Set-Cookie': cookie });
  }

  /** The session a form belongs to, if its CSRF token matches (RFC 9700 §4.7). */
  function formSession(request: FastifyRequest, form: URLSearchParams): (Session & { pending: NonNullable<Session['pending']> }) | undefined {
    const session = sessions.read(request.headers.cookie);
    if (!session?.pending || !sessions.checkCsrf(session, form.get('csrf_token'))) return undefined;
    return session as Session & { pending: NonNullable<Session['pending']> };
  }

  const expired = 'This form has expired or was not sent from this site. Go back to the application and start again.';

  async function login(request: FastifyRequest, reply: FastifyReply) {
    const form = new URLSearchParams(typeof request.body === 'string' ? request.body : '');
    const session = formSession(request, form);
    if (!session) return sendProblem(reply, 403, expired);
    const result = await server.authorize(pendingRequest(session.pending.params));
    if (result.type !== 'interaction') return sendNonInteraction(reply, result, true);

    const username = form.get('username') ?? '';
    const clientName = clientNameOf(result);
    const retryAfter = loginThrottled(request, username);
    if (retryAfter !== undefined) {
      const error = `Too many sign-in attempts. Try again in ${retryAfter} seconds.`;
      return sendPage(reply, 429, loginPage({ clientName, csrf: session.csrf, username, error }), { 'Retry-After': String(retryAfter) });
    }
    const user = await store.getUser(username, form.get('password') ?? '', result.request.client);
    const userId = user ? user.id : undefined;
    if (userId === undefined) {
      // One message for an unknown user and a wrong password: nothing to enumerate accounts with.
      return sendPage(reply, 200, loginPage({ clientName, csrf: session.csrf, username, error: 'Incorrect username or password.' }));
    }
    // A new CSRF token with the new identity: nothing learnt before sign-in carries over. 303, never 307 (RFC 9700 §4.12).
    const signedIn: Session = { ...sessions.create(), userId, pending: session.pending };
    return reply.code(303).header('Location', `/authorize?${session.pending.params}`).header('Set-Cookie', sessions.cookie(signedIn)).send();
  }

  async function consent(request: FastifyRequest, reply: FastifyReply) {
    const form = new URLSearchParams(typeof request.body === 'string' ? request.body : '');
    const session = formSession(request, form);
    const user = await signedInUser(session);
    if (!session || !user?.id || form.get('request') !== session.pending.nonce) return sendProblem(reply, 403, expired);
    const decision = form.get('decision');
    if (decision !== 'allow' && decision !== 'deny') return sendProblem(reply, 400, 'Choose Allow or Deny.');

    const oauthRequest = pendingRequest(session.pending.params);
    const result = await server.authorize(oauthRequest);
    if (result.type !== 'interaction') return sendNonInteraction(reply, result, true);
    const allow = decision === 'allow';
    const answer = await server.authorize(oauthRequest, { user, allow });
    if (answer.type === 'redirect' && grants(answer.response)) {
      const before = (await store.getConsent(user.id, result.request.client.client_id)) ?? [];
      await store.saveConsent(user.id, result.request.client.client_id, [...new Set([...before, ...askedScope(result)])]);
    }
    reply.header('Set-Cookie', sessions.cookie({ ...session, pending: undefined }));
    return sendNonInteraction(reply, answer, true);
  }

  app.route({ method: ['GET', 'POST'], url: '/authorize', handler: authorize });
  app.post('/authorize/login', login);
  app.post('/authorize/consent', consent);
}
