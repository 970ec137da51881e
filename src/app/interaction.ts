/**
 * The authorization endpoint as a person meets it (RFC 6749 §3.1, §4.1.1): the server's
 * `Interaction` for the core's `handle`. The core validates each request once and decides; this
 * says who is signed in (the session), which page to show (sign-in, consent) and what the person
 * decided. The request waits in the signed session cookie while the pages are shown.
 */
import type { Interaction, InteractionContext, InteractionOutcome, User } from '../index.js';
import type { Store } from '../stores/store.js';
import { InvalidRequestError, errorResponse } from '../index.js';
import type { Session, Sessions } from './session.js';
import type { SignIn } from './sign-in.js';
import type { Consent } from './consent.js';
import { randomId } from './session.js';
import { bodyParams, header } from './form.js';
import { FORM_EXPIRED, problemPage } from './problem.js';

export interface InteractionOptions {
  store: Store;
  sessions: Sessions;
  signIn: SignIn;
  consent: Consent;
  /** The SkyVault guide's resource owner credentials in HTTP Basic at the authorization endpoint. */
  skyvaultCompat: boolean;
}

/** A browser keeps cookies to about 4 KB: a waiting request that would not fit is refused, not cut. */
const MAX_PENDING = 3000;

/** Whether a POST is one of the pages' forms (they all carry the CSRF token) rather than an authorization request. */
function isPageForm(request: Parameters<NonNullable<Interaction['resume']>>[0]): boolean {
  return bodyParams(request).has('csrf_token');
}

export function createInteraction(options: InteractionOptions): Interaction {
  const { store, sessions, signIn, consent, skyvaultCompat } = options;

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
    resume(request) {
      if (!isPageForm(request)) return undefined;
      // A page's form with no request waiting: an empty one, which the core refuses (and errorPage explains).
      return sessions.read(header(request, 'cookie'))?.pending?.params ?? '';
    },

    async authorize(context) {
      const compat = await basicCredentials(context);
      if (compat) return compat;
      const { request, authorization, params } = context;
      const session = sessions.read(header(request, 'cookie')) ?? sessions.create();
      const user = await signedInUser(session);

      if (isPageForm(request)) {
        // The consent form, resumed by the core: a decision only for this session and the request it was shown.
        const decision = user && (await consent.decision(request, session, user));
        if (!decision) return { type: 'response', response: problemPage(403, FORM_EXPIRED) };
        return { type: 'decision', decision, headers: { 'Set-Cookie': sessions.cookie({ ...session, pending: undefined }) } };
      }
      if (user && (await consent.remembered(user, authorization))) return { type: 'decision', decision: { user, allow: true } };

      // Re-encoded from the parsed parameters: a raw CR, LF or non-Latin-1 byte never reaches a header.
      const pending = {
        params: new URLSearchParams(params).toString(),
        clientName: authorization.client.client_name ?? authorization.client.client_id,
        nonce: randomId(),
      };
      if (pending.params.length > MAX_PENDING) return { type: 'response', response: problemPage(400, 'The authorization request is too long.') };
      return { type: 'response', response: user ? consent.page(session, user, pending, authorization) : signIn.page(session, pending) };
    },

    async granted({ request, authorization, user }) {
      // Only an Allow pressed on the consent page is remembered.
      if (isPageForm(request)) await consent.remember(user, authorization);
    },

    errorPage(error, request) {
      // A page's form whose request is gone (an expired session) is told so, not "missing client_id".
      if (request.method.toUpperCase() === 'POST' && isPageForm(request)) return problemPage(403, FORM_EXPIRED);
      // The server's own failure (a store that cannot serve: 503 with Retry-After) keeps its status
      // and headers, so browsers and monitors see it as such (RFC 9110 §15.6.4), not as a bad request.
      if (error.status >= 500) {
        const page = problemPage(error.status, error.description);
        return { ...page, headers: { ...page.headers, ...error.headers } };
      }
      return problemPage(400, error.description);
    },
  };
}
