/**
 * Signing out: `GET /logout` asks to confirm (a page anyone can link to must not end a session by
 * itself), `POST /logout` with the session's CSRF token ends it. OpenID Connect RP-Initiated
 * Logout 1.0 builds on this path: a relying party sends the person here (GET, or a POST without
 * the CSRF token) with `id_token_hint`, `client_id`, `post_logout_redirect_uri` and `state`.
 */
import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { Client, OAuthResponse } from '../index.js';
import { OAuthError } from '../index.js';
import type { IdTokenHint, OidcProvider } from '../oidc/index.js';
import type { Store } from '../stores/store.js';
import type { Session, Sessions } from './session.js';
import { sendOAuthResponse } from '../adapters/fastify.js';
import { DEFAULT_PAGES, requestPages, withHeaders } from './ui/pages.js';
import type { Pages } from './ui/pages.js';
import { formExpired, problemPage } from './problem.js';
import type { ServerEvents } from './server-events.js';

export const SIGN_OUT_PATH = '/logout';

export interface SignOutOptions {
  store: Store;
  /**
   * Finds a client as the endpoints do (`server.getClient`): a client ID metadata document's
   * client too, whose post-logout redirect URIs are in its document, not in the store.
   */
  getClient(clientId: string): Promise<Client | undefined>;
  sessions: Sessions;
  /** With OpenID Connect on: RP-Initiated Logout (id_token_hint, post_logout_redirect_uri). */
  openid?: { provider: Pick<OidcProvider, 'verifyIdTokenHint'>; issuer: string } | undefined;
  /** Hears of every session ended here. */
  events?: ServerEvents;
  /** The pages in the config's look; tollgate's own when absent. */
  pages?: Pages | undefined;
  /** The authorization endpoint: "Not you? Sign out" on the consent page goes back there, to sign in again for the same request. */
  authorizationPath?: string | undefined;
  /** The device page (RFC 8628 §3.3): "Not you? Sign out" on its consent goes back to its code form, the code prefilled. */
  devicePath?: string | undefined;
}

/** A checked RP-initiated logout request (RP-Initiated Logout 1.0 §2), or the reason it is refused. */
interface LogoutRequest {
  hint: IdTokenHint | undefined;
  clientId: string | undefined;
  /** A post_logout_redirect_uri the client registered. */
  target: string | undefined;
  state: string | undefined;
}

/** The parameters a GET carries in its query and a POST in its form body. */
function paramsOf(request: FastifyRequest): URLSearchParams {
  if (request.method === 'POST') return new URLSearchParams(typeof request.body === 'string' ? request.body : '');
  const q = request.url.indexOf('?');
  return new URLSearchParams(q === -1 ? '' : request.url.slice(q + 1));
}

export function mountSignOut(app: FastifyInstance, options: SignOutOptions): void {
  const { store, getClient, sessions, openid, events, pages = DEFAULT_PAGES, authorizationPath, devicePath } = options;
  // "Not you?": the form names which flow it came from; the place it goes back to is this server's own path.
  const resumePaths: Record<string, string | undefined> = { authorization: authorizationPath, device: devicePath };
  // RP-Initiated Logout 1.0 §2: the relying party may send ui_locales too.
  const pagesFor = (request: FastifyRequest): Pages => requestPages(pages, paramsOf(request).toString(), request.headers['accept-language']);

  /** The client, or undefined when there is none to compare with (unknown, or a document that cannot be used: invalid_client). */
  async function clientNamed(clientId: string): Promise<Client | undefined> {
    try {
      return await getClient(clientId);
    } catch (err) {
      if (err instanceof OAuthError) return undefined;
      throw err;
    }
  }

  /** §2, §3: the hint must be this server's ID token; the redirect URI one the client registered, compared exactly. */
  async function logoutRequest(params: URLSearchParams): Promise<LogoutRequest | string> {
    const hintToken = params.get('id_token_hint') ?? undefined;
    const hint = hintToken === undefined || !openid ? undefined : await openid.provider.verifyIdTokenHint(hintToken, openid.issuer);
    if (hintToken !== undefined && !hint) return 'The id_token_hint is not an ID token issued by this server.';
    const named = params.get('client_id') ?? undefined;
    if (hint && named !== undefined && named !== hint.clientId) return 'The client_id does not match the id_token_hint.';
    const clientId = hint?.clientId ?? named;
    const target = params.get('post_logout_redirect_uri') ?? undefined;
    if (target !== undefined) {
      // Without the client there is nothing to compare with: never an open redirector.
      const client = clientId === undefined ? undefined : await clientNamed(clientId);
      if (!client || !client.post_logout_redirect_uris?.includes(target)) return 'The post_logout_redirect_uri is not registered for this client.';
    }
    return { hint, clientId, target, state: params.get('state') ?? undefined };
  }

  /**
   * Ends the session, its server-side record first (so a copy of the cookie used elsewhere is
   * signed out too): back to the client's registered URI with its state (§3), or the signed-out page.
   */
  async function finish(session: Session | undefined, logout: LogoutRequest | undefined, shown: Pages): Promise<OAuthResponse> {
    await sessions.end(session);
    const headers = { 'Set-Cookie': sessions.clear() };
    if (logout?.target === undefined) return withHeaders(shown.signedOut(), headers);
    const location = new URL(logout.target);
    if (logout.state !== undefined) location.searchParams.append('state', logout.state);
    return { status: 303, headers: { ...headers, Location: location.href }, body: '' };
  }

  async function confirmation(session: Session | undefined, logout: LogoutRequest | undefined, shown: Pages): Promise<OAuthResponse> {
    const user = session?.userId === undefined ? null : await store.getUserById(session.userId);
    // Nobody signed in: nothing to end, and nothing to confirm.
    if (!user || !session) return finish(session, logout, shown);
    const carry: Record<string, string> = {};
    if (logout?.clientId !== undefined) carry.client_id = logout.clientId;
    if (logout?.target !== undefined) carry.post_logout_redirect_uri = logout.target;
    if (logout?.state !== undefined) carry.state = logout.state;
    return shown.signOut({ action: SIGN_OUT_PATH, csrf: session.csrf, username: user.username ?? user.id, carry });
  }

  /** A logout request from a relying party, or a person opening the page. */
  async function requested(request: FastifyRequest): Promise<OAuthResponse> {
    const session = await sessions.read(request.headers.cookie);
    const logout = await logoutRequest(paramsOf(request));
    const shown = pagesFor(request);
    if (typeof logout === 'string') return problemPage(400, logout, shown);
    // §2: without confirmation only when the hint names the person signed in here; otherwise ask.
    if (logout.hint !== undefined && session?.userId !== undefined && logout.hint.subject === session.userId) {
      events?.({ type: 'logout', userId: session.userId, clientId: logout.clientId });
      return finish(session, logout, shown);
    }
    return confirmation(session, logout, shown);
  }

  app.get(SIGN_OUT_PATH, async (request, reply) => sendOAuthResponse(reply, await requested(request)));

  app.post(SIGN_OUT_PATH, async (request, reply) => {
    const form = paramsOf(request);
    // A relying party's POST (§2 allows it) carries no CSRF token: it is a request, confirmed like a GET.
    if (!form.has('csrf_token')) return sendOAuthResponse(reply, await requested(request));
    const session = await sessions.read(request.headers.cookie);
    const shown = pagesFor(request);
    // RFC 9700 §4.7: another site must not be able to sign the person out (or in) with a forged form.
    if (session && !sessions.checkCsrf(session, form.get('csrf_token'))) return sendOAuthResponse(reply, formExpired(shown));
    // The carried parameters are checked again: the form is the person's, its fields could be anyone's.
    const logout = await logoutRequest(form);
    if (typeof logout === 'string') return sendOAuthResponse(reply, problemPage(400, logout, shown));
    if (session?.userId !== undefined) events?.({ type: 'logout', userId: session.userId, clientId: logout.clientId });
    const ended = await finish(session, logout, shown);
    // "Not you?" on a consent page: the waiting request (this session's own, never a URL from the form)
    // starts again where it came from: the authorization endpoint, which now asks someone to sign in, or
    // the device page with its code prefilled, which the person confirms again (RFC 8628 §5.4).
    const waiting = session?.pending?.params;
    const resumeAt = Object.hasOwn(resumePaths, form.get('resume') ?? '') ? resumePaths[form.get('resume') as string] : undefined;
    if (resumeAt !== undefined && waiting !== undefined && logout.target === undefined) {
      return sendOAuthResponse(reply, { status: 303, headers: { 'Set-Cookie': sessions.clear(), Location: `${resumeAt}?${waiting}` }, body: '' });
    }
    return sendOAuthResponse(reply, ended);
  });
}
