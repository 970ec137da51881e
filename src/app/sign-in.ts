/**
 * Signing the resource owner in (RFC 6749 §3.1 leaves how to the server): the sign-in page, its
 * form, and the SkyVault guide's Basic credentials at the authorization endpoint. Every password
 * check here is rate-limited, and a wrong password and an unknown user look the same.
 */
import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { Client, InteractionOutcome, OAuthRequest, OAuthResponse, User } from '../index.js';
import type { Store } from '../stores/store.js';
import { AccessDeniedError, InvalidClientError, InvalidRequestError, errorResponse } from '../index.js';
import type { PendingAuthorization, Session, Sessions } from './session.js';
import type { PasswordGuard } from './password-guard.js';
import { sendOAuthResponse } from '../adapters/fastify.js';
import { DEFAULT_PAGES, requestPages, withHeaders } from './ui/pages.js';
import type { Pages } from './ui/pages.js';
import { formExpired, problemPage } from './problem.js';
import { format } from './ui/messages.js';
import { header } from './form.js';
import { MAX_USERNAME_LENGTH } from './password-guard.js';
import type { ServerEvents } from './server-events.js';

export interface SignInOptions {
  store: Store;
  /** The server's client lookup, which knows clients from metadata documents too (the store alone does not). */
  getClient: (clientId: string) => Promise<Client | undefined>;
  sessions: Sessions;
  /** The one limiter every password check goes through (the token endpoint's grants too). */
  passwordGuard: PasswordGuard;
  /** The authorization endpoint, where a signed-in person is sent back. */
  authorizationPath: string;
  /** The pages in the config's look; tollgate's own when absent. */
  pages?: Pages | undefined;
  /** Hears of every sign-in, failed or not (never the password). */
  events?: ServerEvents;
}

/** The path the sign-in form posts to. */
export const SIGN_IN_PATH = '/authorize/login';


/** RFC 7617 credentials of a person (not form-encoded, unlike a client's, RFC 6749 §2.3.1). */
export function basicUser(header: string | undefined): { username: string; password: string } | undefined {
  if (header === undefined || !/^basic /i.test(header)) return undefined;
  const decoded = Buffer.from(header.slice(6).trim(), 'base64').toString('utf8');
  const colon = decoded.indexOf(':');
  return colon === -1 ? undefined : { username: decoded.slice(0, colon), password: decoded.slice(colon + 1) };
}

export interface SignIn {
  /**
   * The sign-in page for a waiting request, with the cookie that keeps it; `username` prefilled (OpenID Connect
   * `login_hint`), in the language the request and the browser's `Accept-Language` ask for.
   */
  page(session: Session, pending: PendingAuthorization, hint?: { username?: string | undefined; acceptLanguage?: string | undefined }): OAuthResponse;
  /**
   * Checks a person's password through the password guard (per IP address first, then per
   * username and address); answers the user, null for wrong credentials, or the seconds to wait.
   */
  check(ip: string | undefined, username: string, password: string, client: Client): Promise<User | null | { retryAfter: number }>;
  /**
   * The SkyVault guide's Basic credentials as sign-in and consent in one (seed 002; only with
   * skyvaultCompat): the decision, or the refusal; undefined when the request carries none.
   */
  basic(request: OAuthRequest, client: Client): Promise<InteractionOutcome | undefined>;
}

export function createSignIn(app: FastifyInstance, options: SignInOptions): SignIn {
  const { store, getClient, sessions, passwordGuard, authorizationPath, pages = DEFAULT_PAGES, events } = options;

  async function check(ip: string | undefined, username: string, password: string, client: Client) {
    const attempt = { username, ip: ip ?? '' };
    const verdict = passwordGuard.check(attempt);
    if (!verdict.allowed) events?.({ type: 'login.failed', username, clientId: client.client_id, ip, reason: 'rate_limited' });
    if (!verdict.allowed) return { retryAfter: verdict.retryAfter };
    // An over-long name is no account's: refused before scrypt (the guard caps what it keeps too).
    const user = username.length > MAX_USERNAME_LENGTH ? null : (await store.getUser(username, password, client)) || null;
    passwordGuard.record({ ...attempt, outcome: user ? 'success' : 'failure' });
    events?.(user ? { type: 'login.succeeded', username, userId: user.id, clientId: client.client_id, ip } : { type: 'login.failed', username, clientId: client.client_id, ip, reason: 'invalid_credentials' });
    return user;
  }

  function page(
    session: Session,
    pending: PendingAuthorization,
    shown: Pages,
    extra: { username?: string; error?: string; status?: number; headers?: Record<string, string> } = {},
  ): OAuthResponse {
    const { status = 200, headers, ...filled } = extra;
    const view = { action: SIGN_IN_PATH, clientName: pending.clientName, csrf: session.csrf, ...filled };
    return withHeaders(shown.signIn(view), { 'Set-Cookie': sessions.cookie({ ...session, pending }), ...headers }, status);
  }

  /** POST /authorize/login: on success a new session (a new CSRF token with the new identity) and 303 back. */
  async function submit(request: FastifyRequest): Promise<OAuthResponse> {
    const contentType = request.headers['content-type']?.split(';')[0]?.trim().toLowerCase();
    if (contentType !== 'application/x-www-form-urlencoded') {
      const shown = requestPages(pages, undefined, request.headers['accept-language']);
      return problemPage(415, 'The sign-in form must be sent as application/x-www-form-urlencoded.', shown);
    }
    const form = new URLSearchParams(typeof request.body === 'string' ? request.body : '');
    const session = await sessions.read(request.headers.cookie);
    const pending = session?.pending;
    const shown = requestPages(pages, pending?.params, request.headers['accept-language']);
    // RFC 9700 §4.7: only a form from this session's page counts.
    if (!session || !pending || !sessions.checkCsrf(session, form.get('csrf_token'))) return formExpired(shown);

    const username = (form.get('username') ?? '').slice(0, MAX_USERNAME_LENGTH + 1);
    // A metadata document that can no longer be fetched ends the request like an unknown client.
    const client = await getClient(new URLSearchParams(pending.params).get('client_id') ?? '').catch((err: unknown) => {
      if (err instanceof InvalidClientError) return undefined;
      throw err;
    });
    if (!client) return formExpired(shown);
    const user = await check(request.ip, username, form.get('password') ?? '', client);
    if (user !== null && 'retryAfter' in user) {
      const error = format(shown.messages.tooManyAttempts, { seconds: String(user.retryAfter) });
      return page(session, pending, shown, { username, error, status: 429, headers: { 'Retry-After': String(user.retryAfter) } });
    }
    if (user?.id === undefined) {
      // One message for an unknown user and a wrong password: nothing to enumerate accounts with.
      return page(session, pending, shown, { username, error: shown.messages.incorrectCredentials });
    }
    // A new server-side session with auth_time and amr "pwd" (OpenID Connect Core §2), and this
    // request's prompt=login / max_age now satisfied.
    const signedIn: Session = { ...(await sessions.signIn(session, user.id, ['pwd'])), pending: { ...pending, signedIn: true } };
    // 303, never 307: the browser must not re-post the password anywhere (RFC 9700 §4.12).
    return { status: 303, headers: { Location: `${authorizationPath}?${pending.params}`, 'Set-Cookie': sessions.cookie(signedIn) }, body: '' };
  }

  async function basic(request: OAuthRequest, client: Client): Promise<InteractionOutcome | undefined> {
    const owner = basicUser(header(request, 'authorization'));
    if (!owner) return undefined;
    const user = await check(request.ip, owner.username, owner.password, client);
    if (user !== null && 'retryAfter' in user) {
      const error = new InvalidRequestError(`Too many sign-in attempts; retry after ${user.retryAfter} seconds`, {
        status: 429,
        headers: { 'Retry-After': String(user.retryAfter) },
      });
      return { type: 'response', response: errorResponse(error) };
    }
    if (!user) {
      const refusal = new AccessDeniedError('The resource owner credentials are invalid', {
        status: 401,
        headers: { 'WWW-Authenticate': 'Basic realm="tollgate", charset="UTF-8"' },
      });
      return { type: 'response', response: errorResponse(refusal) };
    }
    return { type: 'decision', decision: { user, allow: true, authTime: new Date() } };
  }

  app.post(SIGN_IN_PATH, async (request, reply) => sendOAuthResponse(reply, await submit(request)));
  return {
    page: (session, pending, hint) =>
      page(session, pending, requestPages(pages, pending.params, hint?.acceptLanguage), { ...(hint?.username !== undefined && { username: hint.username }) }),
    check,
    basic,
  };
}
