/**
 * The authorization endpoint as a person meets it (RFC 6749 §3.1, §4.1.1): the server's
 * `Interaction` for the core's `handle`. The core validates each request once and decides; this
 * says who is signed in (the session), which page to show (sign-in, consent) and what the person
 * decided. The request waits in the signed session cookie while the pages are shown; who is
 * signed in is the session's server-side record.
 */
import type { Interaction, InteractionContext, InteractionOutcome, User } from '../index.js';
import type { OpenIdAuthorizationRequest } from '../oidc/index.js';
import { ConsentRequiredError, LoginRequiredError } from '../oidc/index.js';
import type { Store } from '../stores/store.js';
import { InvalidRequestError, errorResponse } from '../index.js';
import type { Session, Sessions } from './session.js';
import type { SignIn } from './sign-in.js';
import type { Consent } from './consent.js';
import { randomId } from './session.js';
import { bodyParams, header } from './form.js';
import { queryString } from '../request.js';
import { formExpired, problemPage } from './problem.js';
import { DEFAULT_PAGES, requestPages } from './ui/pages.js';
import type { Pages } from './ui/pages.js';

export interface InteractionOptions {
  store: Store;
  sessions: Sessions;
  signIn: SignIn;
  consent: Consent;
  /** The SkyVault guide's resource owner credentials in HTTP Basic at the authorization endpoint. */
  skyvaultCompat: boolean;
  /** The pages in the config's look, for the error pages; tollgate's own when absent. */
  pages?: Pages | undefined;
}

/** A browser keeps cookies to about 4 KB: a waiting request that would not fit is refused, not cut. */
const MAX_PENDING = 3000;

/** Whether a POST is one of the pages' forms (they all carry the CSRF token) rather than an authorization request. */
function isPageForm(request: Parameters<NonNullable<Interaction['resume']>>[0]): boolean {
  return bodyParams(request).has('csrf_token');
}

/**
 * OpenID Connect Core §3.1.2.1: `prompt=login` and `max_age` ask for a sign-in more recent than
 * the session's, unless the person signed in for this very request (then it is fresh enough).
 */
function needsFreshSignIn(session: Session, params: string, openid: OpenIdAuthorizationRequest | undefined): boolean {
  if (!openid || (session.pending?.params === params && session.pending.signedIn === true)) return false;
  if (openid.prompt.includes('login')) return true;
  // A session from before auth_time was kept is as old as can be.
  return openid.maxAge !== undefined && (session.authTime === undefined || Date.now() / 1000 - session.authTime > openid.maxAge);
}

export function createInteraction(options: InteractionOptions): Interaction {
  const { store, sessions, signIn, consent, skyvaultCompat, pages = DEFAULT_PAGES } = options;

  async function signedInUser(session: Session | undefined): Promise<User | null> {
    return session?.userId === undefined ? null : store.getUserById(session.userId);
  }

  async function basicCredentials({ request, authorization }: InteractionContext): Promise<InteractionOutcome | undefined> {
    if (!/^basic /i.test(header(request, 'authorization') ?? '')) return undefined;
    if (skyvaultCompat) return signIn.basic(request, authorization.client);
    const refusal = new InvalidRequestError(
      'Resource owner credentials in an Authorization header are not accepted here (only with skyvaultCompat); sign in on the page',
    );
    return { type: 'response', response: errorResponse(refusal) };
  }

  return {
    async resume(request) {
      if (!isPageForm(request)) return undefined;
      // A page's form with no request waiting: an empty one, which the core refuses (and errorPage explains).
      return (await sessions.read(header(request, 'cookie')))?.pending?.params ?? '';
    },

    async authorize(context) {
      const compat = await basicCredentials(context);
      if (compat) return compat;
      const { request, authorization, params } = context;
      const acceptLanguage = header(request, 'accept-language');
      const shown = requestPages(pages, new URLSearchParams(params).toString(), acceptLanguage);
      const session = (await sessions.read(header(request, 'cookie'))) ?? sessions.create();
      const user = await signedInUser(session);
      const authTime = session.authTime === undefined ? undefined : new Date(session.authTime * 1000);
      const { amr } = session;

      if (isPageForm(request)) {
        // The consent form, resumed by the core: a decision only for this session and the request it was shown.
        const decision = user && (await consent.decision(request, session, user));
        if (!decision) return { type: 'response', response: formExpired(requestPages(pages, session.pending?.params, acceptLanguage)) };
        return { type: 'decision', decision: { ...decision, authTime, amr }, headers: { 'Set-Cookie': sessions.cookie({ ...session, pending: undefined }) } };
      }
      // Re-encoded from the parsed parameters: a raw CR, LF or non-Latin-1 byte never reaches a header.
      const encoded = new URLSearchParams(params).toString();
      const { openid } = authorization;
      // OpenID Connect Core §3.1.2.1, §3.1.2.6: with prompt=none, what would need a page goes back to the client as an error.
      const silent = openid?.prompt.includes('none') ?? false;
      const signInNeeded = !user || needsFreshSignIn(session, encoded, openid);
      if (signInNeeded && silent) return { type: 'error', error: new LoginRequiredError('The end-user is not signed in (or not recently enough for max_age)') };
      const consentForced = openid?.prompt.includes('consent') ?? false;
      if (user && !signInNeeded && !consentForced && (await consent.remembered(user, authorization))) {
        // The request's sign-in is used up with it: the same URL again must not skip a prompt=login.
        const headers = session.pending ? { 'Set-Cookie': sessions.cookie({ ...session, pending: undefined }) } : undefined;
        return { type: 'decision', decision: { user, allow: true, authTime, amr }, headers };
      }
      if (silent) return { type: 'error', error: new ConsentRequiredError('The end-user has not consented to this client and scope') };

      const pending = {
        params: encoded,
        clientName: authorization.client.client_name ?? authorization.client.client_id,
        nonce: randomId(),
        // Kept while the same request is shown again (a reloaded consent page), so its sign-in still counts.
        ...(session.pending?.params === encoded && session.pending.signedIn === true && { signedIn: true }),
      };
      if (pending.params.length > MAX_PENDING) return { type: 'response', response: problemPage(400, 'The authorization request is too long.', shown) };
      if (user && !signInNeeded) return { type: 'response', response: consent.page(session, user, pending, authorization, acceptLanguage) };
      return { type: 'response', response: signIn.page(session, pending, { username: openid?.loginHint, acceptLanguage }) };
    },

    async granted({ request, authorization, user }) {
      // Only an Allow pressed on the consent page is remembered.
      if (isPageForm(request)) await consent.remember(user, authorization);
    },

    errorPage(error, request) {
      // The request's own ui_locales, when it has any (a GET's query), else the browser's languages.
      const shown = requestPages(pages, queryString(request.url), header(request, 'accept-language'));
      // A page's form whose request is gone (an expired session) is told so, not "missing client_id".
      if (request.method.toUpperCase() === 'POST' && isPageForm(request)) return formExpired(shown);
      // The server's own failure (a store that cannot serve: 503 with Retry-After) keeps its status
      // and headers, so browsers and monitors see it as such (RFC 9110 §15.6.4), not as a bad request.
      if (error.status >= 500) {
        const page = problemPage(error.status, error.description, shown);
        return { ...page, headers: { ...page.headers, ...error.headers } };
      }
      return problemPage(400, error.description, shown);
    },
  };
}
