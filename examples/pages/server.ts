/**
 * tollgate's own sign-in and consent pages (tollgate/pages) on a node:http host: the same pages,
 * languages and Content-Security-Policy as `tollgate serve`, from the app's `Interaction`.
 *
 * The waiting authorization request is kept under a random id; the pages carry that id in their
 * hidden `csrf_token` (and, on consent, `request`) field, and a second random value goes in a
 * cookie: a form counts only with both (RFC 9700 §4.7, login CSRF).
 */
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Interaction, OAuthRequest, OAuthResponse, User } from '../../src/index.js';
import { createRequestListener, sendOAuthResponse, toOAuthRequest } from '../../src/adapters/node.js';
import { createPages } from '../../src/pages.js';
import type { Pages } from '../../src/pages.js';
import { PORT, announce, createDemo } from '../shared/demo.js';
import type { Kept, PasswordCheck } from '../shared/pages.js';
import { TTL_MS, form, header, random, waitingRequest } from '../shared/pages.js';

const COOKIE = 'pages_example';

// Checked once, here: a bad option throws a ConfigError naming it.
const pages = createPages({
  productName: 'Acme Files',
  primaryColor: '#0f766e',
  scopes: { read: { en: 'Read your files', de: 'Ihre Dateien lesen' } },
});

interface Pending extends Kept {
  params: Record<string, string>;
  user?: User;
}

/** A page with more headers (the cookie that binds the waiting request to this browser). */
const withHeaders = (page: OAuthResponse, headers: Record<string, string>): OAuthResponse => ({ ...page, headers: { ...page.headers, ...headers } });

function builtInPages(users: PasswordCheck, action: string): Interaction {
  const pending = new Map<string, Pending>();

  // The pages' forms carry the waiting request's id as their csrf_token.
  const waiting = (request: OAuthRequest) => waitingRequest(pending, request, 'csrf_token', COOKIE);

  /** The pages in the language the request asks for: its ui_locales, else the browser's Accept-Language. */
  const shownFor = (request: OAuthRequest, params: Record<string, string> = {}): Pages =>
    pages.forRequest({ uiLocales: params.ui_locales, acceptLanguage: header(request, 'accept-language') });

  return {
    resume(request) {
      const found = waiting(request);
      return found && new URLSearchParams(found.entry.params).toString();
    },

    async authorize({ request, authorization, params }) {
      const shown = shownFor(request, params);
      const clientName = authorization.client.client_name ?? authorization.client.client_id;
      const found = request.method.toUpperCase() === 'POST' ? waiting(request) : undefined;
      if (!found) {
        const id = random();
        const browser = random();
        pending.set(id, { params: { ...params }, browser, expiresAt: Date.now() + TTL_MS });
        const page = shown.signIn({ action, clientName, csrf: id });
        return { type: 'response', response: withHeaders(page, { 'Set-Cookie': `${COOKIE}=${browser}; Path=/; HttpOnly; SameSite=Lax` }) };
      }
      const { id, entry } = found;
      const fields = form(request);
      if (entry.user === undefined) {
        const user = await users.getUser(fields.username ?? '', fields.password ?? '', authorization.client);
        // One message for an unknown user and a wrong password: nothing to enumerate accounts with.
        if (!user) return { type: 'response', response: shown.signIn({ action, clientName, csrf: id, username: fields.username, error: shown.messages.incorrectCredentials }) };
        entry.user = user;
        const view = { action, clientName, username: user.username ?? user.id ?? '', scopes: authorization.scope ?? [], csrf: id, nonce: id };
        return { type: 'response', response: shown.consent(view) };
      }
      // The consent form: the decision, once. Deny redirects with access_denied (RFC 6749 §4.1.2.1).
      if (fields.request !== id || (fields.decision !== 'allow' && fields.decision !== 'deny')) {
        return { type: 'response', response: shown.error({ description: shown.messages.formExpired, status: 403 }) };
      }
      pending.delete(id);
      return {
        type: 'decision',
        decision: { user: entry.user, allow: fields.decision === 'allow' },
        headers: { 'Set-Cookie': `${COOKIE}=; Path=/; HttpOnly; SameSite=Lax; Max-Age=0` },
      };
    },

    // An unknown client or redirect URI is never redirected (RFC 6749 §4.1.2.1): the error page, in the person's language.
    errorPage(error, request) {
      return shownFor(request).error({ description: error.description, status: error.status });
    },
  };
}

const { server, users } = await createDemo();
const http = createServer(
  createRequestListener(server, {
    interaction: builtInPages(users, server.options.endpoints.authorization),
    async fallback(req, res) {
      const result = await server.authenticate(await toOAuthRequest(req), { scope: ['read'] });
      if (result.type === 'error') return sendOAuthResponse(res, result.response);
      res.end(`Hello, ${result.token.client.client_id}!`);
    },
  }),
);
http.listen(PORT, () => announce((http.address() as AddressInfo).port));
