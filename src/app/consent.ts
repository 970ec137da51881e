/**
 * Asking the resource owner's consent (RFC 6749 §3.1, §10.2): the consent page, its decision, and
 * remembered consent, which is never applied to a public client (RFC 8252 §8.6): anyone can
 * claim a public client's id, so a page must show whom the person is authorizing.
 */
import type { AuthorizationDecision, AuthorizationRequest, OAuthRequest, OAuthResponse, User } from '../index.js';
import type { Store } from '../stores/store.js';
import { parseScope } from '../index.js';
import { isUrlClientId } from '../client-id-metadata.js';
import { bodyParams } from './form.js';
import type { PendingAuthorization, Session, Sessions } from './session.js';
import { DEFAULT_PAGES, requestPages, withHeaders } from './ui/pages.js';
import type { Pages } from './ui/pages.js';
import type { ServerEvents } from './server-events.js';

/** The scope the person is asked for: what the client asked, or by default all it is registered for. */
export function askedScope(authorization: AuthorizationRequest): string[] {
  return authorization.scope ?? parseScope(authorization.client.scope) ?? [];
}

/** The host a redirect URI sends the person to; for a private-use scheme (RFC 8252 §7.1), the scheme. */
function redirectHost(redirectUri: string): string {
  const url = new URL(redirectUri);
  return url.host === '' ? url.protocol : url.host;
}

export interface Consent {
  /** Whether this user already granted this client every scope asked (public clients: never). */
  remembered(user: User, authorization: AuthorizationRequest): Promise<boolean>;
  /** The consent page for a waiting request, with the cookie that keeps it, in the language the request and `Accept-Language` ask for. */
  page(session: Session, user: User, pending: PendingAuthorization, authorization: AuthorizationRequest, acceptLanguage?: string): OAuthResponse;
  /**
   * The decision a consent form carries, when it belongs to this session (CSRF token) and to the
   * request the person was shown (its nonce), the first time it is sent; undefined otherwise.
   */
  decision(request: OAuthRequest, session: Session, user: User): Promise<AuthorizationDecision | undefined>;
  /** Remembers the scopes granted, added to what this user granted this client before. */
  remember(user: User, authorization: AuthorizationRequest): Promise<void>;
}

export interface ConsentOptions {
  store: Store;
  sessions: Sessions;
  /** Where the consent form posts: the authorization endpoint. */
  action: string;
  /** The sign-out path, for "Not you? Sign out" (which comes back to the same request's sign-in). */
  signOutAction?: string | undefined;
  /** The pages in the config's look; tollgate's own when absent. */
  pages?: Pages | undefined;
  events?: ServerEvents;
}

export function createConsent(options: ConsentOptions): Consent {
  const { store, sessions, action, signOutAction, pages = DEFAULT_PAGES, events } = options;

  return {
    async remembered(user, authorization) {
      if (user.id === undefined || authorization.client.token_endpoint_auth_method === 'none') return false;
      const granted = await store.getConsent(user.id, authorization.client.client_id);
      return granted !== null && askedScope(authorization).every((scope) => granted.includes(scope));
    },

    page(session, user, pending, authorization, acceptLanguage) {
      const view = {
        action,
        signOutAction,
        clientName: pending.clientName,
        username: user.username ?? user.id ?? '',
        scopes: askedScope(authorization),
        csrf: session.csrf,
        nonce: pending.nonce,
        // The person sees which servers the access is for (RFC 8707), e.g. an MCP server's URL.
        resources: authorization.resources,
        ...(isUrlClientId(authorization.client.client_id) && { redirectHost: redirectHost(authorization.redirectUri) }),
      };
      return withHeaders(requestPages(pages, pending.params, acceptLanguage).consent(view), { 'Set-Cookie': sessions.cookie({ ...session, pending }) });
    },

    async decision(request, session, user) {
      const form = bodyParams(request);
      const nonce = session.pending?.nonce;
      if (!sessions.checkCsrf(session, form.get('csrf_token')) || nonce === undefined || form.get('request') !== nonce) return undefined;
      const choice = form.get('decision');
      if (choice !== 'allow' && choice !== 'deny') return undefined;
      // The cookie holds its own state, so a saved copy of it could post the same form again: the
      // store remembers each decided request, so a decision counts once (RFC 9700 §4.7).
      if (!(await store.useOnce(`consent:${nonce}`, new Date(session.exp)))) return undefined;
      events?.({ type: choice === 'allow' ? 'consent.granted' : 'consent.denied', userId: user.id, clientId: new URLSearchParams(session.pending?.params).get('client_id') ?? undefined });
      return { user, allow: choice === 'allow' };
    },

    async remember(user, authorization) {
      if (user.id === undefined) return;
      const clientId = authorization.client.client_id;
      const before = (await store.getConsent(user.id, clientId)) ?? [];
      await store.saveConsent(user.id, clientId, [...new Set([...before, ...askedScope(authorization)])]);
    },
  };
}
