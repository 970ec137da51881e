/**
 * Signing out: `GET /logout` asks to confirm (a page anyone can link to must not end a session by
 * itself), `POST /logout` with the session's CSRF token ends it. OpenID Connect RP-Initiated
 * Logout builds on this path.
 */
import type { FastifyInstance } from 'fastify';
import type { Store } from '../stores/store.js';
import type { Sessions } from './session.js';
import { sendOAuthResponse } from '../adapters/fastify.js';
import { pageResponse, signOutPage } from './views.js';
import { FORM_EXPIRED, problemPage } from './problem.js';

export const SIGN_OUT_PATH = '/logout';

export function mountSignOut(app: FastifyInstance, options: { store: Store; sessions: Sessions }): void {
  const { store, sessions } = options;

  app.get(SIGN_OUT_PATH, async (request, reply) => {
    const session = sessions.read(request.headers.cookie);
    const user = session?.userId === undefined ? null : await store.getUserById(session.userId);
    const username = user ? (user.username ?? user.id) : undefined;
    return sendOAuthResponse(reply, pageResponse(200, signOutPage({ action: SIGN_OUT_PATH, csrf: session?.csrf ?? '', username })));
  });

  app.post(SIGN_OUT_PATH, async (request, reply) => {
    const form = new URLSearchParams(typeof request.body === 'string' ? request.body : '');
    const session = sessions.read(request.headers.cookie);
    // RFC 9700 §4.7: another site must not be able to sign the person out (or in) with a forged form.
    if (session && !sessions.checkCsrf(session, form.get('csrf_token'))) return sendOAuthResponse(reply, problemPage(403, FORM_EXPIRED));
    const page = signOutPage({ action: SIGN_OUT_PATH, csrf: '', username: undefined });
    return sendOAuthResponse(reply, pageResponse(200, page, { 'Set-Cookie': sessions.clear() }));
  });
}
