/**
 * The device verification page (RFC 8628 §3.3) as a person meets it at `/device`: enter (or
 * confirm) the code the device shows, sign in, allow or deny, then return to the device. The
 * core looks the code up and records the decision (`interaction.device`); this shows the pages.
 * Codes are confirmed by submitting, never taken from the URL alone (§5.4, remote phishing), and
 * every entry counts against a limit per IP address and per session (§5.1, brute forcing).
 */
import type { OAuthRequest, OAuthResponse, User } from '../index.js';
import type { DeviceInteractionContext, PendingDeviceAuthorization } from '../interaction.js';
import type { Store } from '../stores/store.js';
import { parseScope } from '../index.js';
import type { PendingAuthorization, Session, Sessions } from './session.js';
import type { SignIn } from './sign-in.js';
import type { RateLimiter } from './rate-limit.js';
import type { ServerEvents } from './server-events.js';
import { randomId } from './session.js';
import { bodyParams, header } from './form.js';
import { formExpired, problemPage } from './problem.js';
import { format } from './ui/messages.js';
import { requestPages, withHeaders } from './ui/pages.js';
import type { Pages } from './ui/pages.js';

export interface DevicePageOptions {
  store: Store;
  sessions: Sessions;
  signIn: SignIn;
  /** The verification page's path, where every form of the flow posts. */
  path: string;
  /** "Not you? Sign out" on the consent page posts here, and comes back to the code form. */
  signOutAction?: string | undefined;
  /** The pages in the config's look. */
  pages: Pages;
  /** User-code entries per IP address and per session. */
  limits: { perIp: RateLimiter; perSession: RateLimiter };
  /** Where refusals are reported (audit log, metrics). */
  events?: ServerEvents;
}


/** The user code a waiting device flow keeps in the session (form-encoded, as an authorization request's parameters are). */
function pendingUserCode(session: Session): string | undefined {
  return new URLSearchParams(session.pending?.params ?? '').get('user_code') ?? undefined;
}

export function createDevicePage(options: DevicePageOptions): (context: DeviceInteractionContext) => Promise<OAuthResponse> {
  const { store, sessions, signIn, path, signOutAction, pages, limits, events } = options;

  // Every page below is in `shown`: the pages in the language the request's Accept-Language asks for.
  function withSession(page: OAuthResponse, session: Session, headers: Record<string, string> = {}, status = page.status): OAuthResponse {
    return withHeaders(page, { 'Set-Cookie': sessions.cookie(session), ...headers }, status);
  }

  function codePage(shown: Pages, session: Session, view: { userCode?: string | undefined; error?: string; status?: number; headers?: Record<string, string> } = {}): OAuthResponse {
    const { status = 200, headers, ...filled } = view;
    return withSession(shown.deviceCode({ action: path, csrf: session.csrf, ...filled }), session, headers, status);
  }

  function consent(shown: Pages, session: Session, user: User, found: PendingDeviceAuthorization): OAuthResponse {
    const pending = session.pending as PendingAuthorization;
    const view = {
      action: path,
      clientName: pending.clientName,
      username: user.username ?? user.id ?? '',
      // What the device asked, or by default all its client is registered for (as the consent page at /authorize says).
      scopes: found.scope ?? parseScope(found.client.scope) ?? [],
      csrf: session.csrf,
      nonce: pending.nonce,
      resources: found.resources,
      signOutAction,
      signOutResume: 'device' as const,
    };
    return withSession(shown.consent(view), session);
  }

  function signInPage(shown: Pages, session: Session, extra: { username?: string; error?: string; status?: number; headers?: Record<string, string> } = {}): OAuthResponse {
    const { status = 200, headers, ...filled } = extra;
    const view = { action: path, clientName: session.pending?.clientName ?? '', csrf: session.csrf, ...filled };
    return withSession(shown.signIn(view), session, headers, status);
  }

  async function signedInUser(session: Session): Promise<User | null> {
    return session.userId === undefined ? null : store.getUserById(session.userId);
  }

  /** The code form: counted, looked up, then sign-in or consent for the device it names. */
  async function enterCode(shown: Pages, request: OAuthRequest, session: Session, form: URLSearchParams, lookup: DeviceInteractionContext['lookup']): Promise<OAuthResponse> {
    const typed = (form.get('user_code') ?? '').slice(0, 64);
    const verdicts = [['user_code_per_ip', limits.perIp.hit(request.ip ?? '')], ['user_code_per_session', limits.perSession.hit(session.csrf)]] as const;
    for (const [limiter, verdict] of verdicts) {
      if (!verdict.allowed) {
        events?.({ type: 'request.rate_limited', limiter });
        const error = format(shown.messages.tooManyCodes, { seconds: verdict.retryAfter });
        return codePage(shown, session, { userCode: typed, error, status: 429, headers: { 'Retry-After': String(verdict.retryAfter) } });
      }
    }
    const found = await lookup(typed);
    if (!found) return codePage(shown, session, { userCode: typed, error: shown.messages.wrongCode });
    const pending: PendingAuthorization = {
      params: new URLSearchParams({ user_code: found.userCode }).toString(),
      clientName: found.client.client_name ?? found.client.client_id,
      nonce: randomId(),
    };
    const waiting = { ...session, pending };
    const user = await signedInUser(session);
    return user ? consent(shown, waiting, user, found) : signInPage(shown, waiting);
  }

  /** The sign-in form, for the device the entered code names (its client is the one the password check is for). */
  async function submitSignIn(shown: Pages, request: OAuthRequest, session: Session, form: URLSearchParams, lookup: DeviceInteractionContext['lookup']): Promise<OAuthResponse> {
    const userCode = pendingUserCode(session);
    const found = userCode === undefined ? null : await lookup(userCode);
    if (!found) return codePage(shown, { ...session, pending: undefined }, { error: shown.messages.codeGone });
    const username = form.get('username') ?? '';
    const user = await signIn.check(request.ip, username, form.get('password') ?? '', found.client);
    if (user !== null && 'retryAfter' in user) {
      const error = format(shown.messages.tooManyAttempts, { seconds: String(user.retryAfter) });
      return signInPage(shown, session, { username, error, status: 429, headers: { 'Retry-After': String(user.retryAfter) } });
    }
    // One message for an unknown user and a wrong password: nothing to enumerate accounts with.
    if (user?.id === undefined) return signInPage(shown, session, { username, error: shown.messages.incorrectCredentials });
    // A new session (a new id and CSRF token with the new identity, its record in the store), as the authorization endpoint's sign-in makes.
    const signedIn: Session = { ...(await sessions.signIn(session, user.id, ['pwd'])), pending: session.pending };
    return consent(shown, signedIn, user, found);
  }

  /** The consent form: Allow or Deny, for the code this session was shown, recorded once by the core. */
  async function submitDecision(shown: Pages, session: Session, form: URLSearchParams, decide: DeviceInteractionContext['decide']): Promise<OAuthResponse> {
    const user = await signedInUser(session);
    const userCode = pendingUserCode(session);
    const choice = form.get('decision');
    const clientName = session.pending?.clientName ?? '';
    if (!user || userCode === undefined || form.get('request') !== session.pending?.nonce || (choice !== 'allow' && choice !== 'deny')) {
      return formExpired(shown);
    }
    const authTime = session.authTime === undefined ? undefined : new Date(session.authTime * 1000);
    const result = await decide(userCode, { user, allow: choice === 'allow', authTime });
    const done = { ...session, pending: undefined };
    if (result === 'gone') return codePage(shown, done, { error: shown.messages.codeGone });
    return withSession(shown.deviceDone({ approved: result === 'approved', clientName }), done);
  }

  return async ({ request, lookup, decide }) => {
    const method = request.method.toUpperCase();
    const session = await sessions.read(header(request, 'cookie'));
    const shown = requestPages(pages, undefined, header(request, 'accept-language'));
    if (method === 'GET' || method === 'HEAD') {
      // §3.3.1: verification_uri_complete prefills the code; the person still has to submit it (§5.4).
      const prefilled = new URLSearchParams(request.url.split('?')[1] ?? '').get('user_code')?.slice(0, 64);
      return codePage(shown, session ?? sessions.create(), { userCode: prefilled });
    }
    if (method !== 'POST') {
      const refused = problemPage(405, shown.messages.useTheForm, shown);
      return { ...refused, headers: { ...refused.headers, Allow: 'GET, POST' } };
    }
    const form = bodyParams(request);
    // RFC 9700 §4.7: only a form from this session's own page counts.
    if (!session || !sessions.checkCsrf(session, form.get('csrf_token'))) return formExpired(shown);
    if (form.has('decision')) return submitDecision(shown, session, form, decide);
    if (form.has('password')) return submitSignIn(shown, request, session, form, lookup);
    return enterCode(shown, request, session, form, lookup);
  };
}
