/**
 * Your own sign-in and consent pages in front of the authorization endpoint, as an `Interaction`
 * (docs/adapters.md): the same object on every host. The core validates the authorization request
 * and issues the code; this module only signs the person in and asks them.
 *
 * 1. `authorize` on the GET: the request is valid; keep its parameters under a random id and show
 *    the sign-in form. The id goes in the form, a second random value in a cookie: a POST needs both.
 * 2. The form posts back to the authorization endpoint; `resume` hands the core the kept parameters,
 *    so the core validates the waiting request again, not the form (RFC 6749 §3.1).
 * 3. `authorize` on that POST: the right password shows the consent page; Allow or Deny is the decision.
 */
import { randomBytes, timingSafeEqual } from 'node:crypto';
import type { Client, Interaction, OAuthRequest, OAuthResponse, User } from '../../src/index.js';

/** The model's part the pages need: the password check (constant time, one answer for both failures). */
export interface PasswordCheck {
  getUser(username: string, password: string, client: Client): Promise<User | null | undefined | false> | User | null | undefined | false;
}

interface Pending extends Kept {
  /** The authorization request's parameters, to resume it. */
  params: Record<string, string>;
  /** Set once the person signed in: the consent step follows. */
  user?: User;
}

const COOKIE = 'example_interaction';
// RFC 6749 §4.1.2 keeps codes to ten minutes; the time to sign in gets the same.
export const TTL_MS = 10 * 60 * 1000;

const escape = (text: string): string => text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
/** A random value, 256 bits, base64url. */
export const random = (): string => randomBytes(32).toString('base64url');

/** Constant-time comparison of two secrets (a cookie and the value kept for it). */
export function same(a: string, b: string): boolean {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
}

/** A request header by lower-case name, the first of repeated ones. */
export function header(request: OAuthRequest, name: string): string | undefined {
  const value = Object.entries(request.headers).find(([key]) => key.toLowerCase() === name)?.[1];
  return typeof value === 'string' ? value : value?.[0];
}

/** The value of the cookie `wanted` (this module's own by default). */
export function cookie(request: OAuthRequest, wanted = COOKIE): string | undefined {
  for (const part of (header(request, 'cookie') ?? '').split(';')) {
    const [name, ...value] = part.trim().split('=');
    if (name === wanted) return value.join('=');
  }
  return undefined;
}

/** The posted form's fields, whether the host passed the body raw or parsed (the first of repeated fields). */
export function form(request: OAuthRequest): Record<string, string> {
  const { body } = request;
  if (body === undefined) return {};
  if (typeof body === 'string' || body instanceof Uint8Array) {
    const text = typeof body === 'string' ? body : Buffer.from(body).toString('utf8');
    return Object.fromEntries(new URLSearchParams(text));
  }
  const fields: Record<string, string> = {};
  for (const [name, value] of Object.entries(body)) {
    const first = typeof value === 'string' ? value : value?.[0];
    if (first !== undefined) fields[name] = first;
  }
  return fields;
}

function page(title: string, body: string, headers: Record<string, string> = {}): OAuthResponse {
  return {
    status: 200,
    headers: {
      'Content-Type': 'text/html; charset=utf-8',
      // No script, no framing (clickjacking, RFC 9700 §4.16), never cached.
      'Content-Security-Policy': "default-src 'none'; frame-ancestors 'none'",
      'X-Frame-Options': 'DENY',
      'Cache-Control': 'no-store',
      ...headers,
    },
    body: `<!doctype html><meta charset="utf-8"><title>${title}</title><h1>${title}</h1>${body}`,
  };
}

/** A waiting request's kept state: `browser` is the cookie's value that binds it to the browser that started it. */
export interface Kept {
  browser: string;
  expiresAt: number;
}

/**
 * The waiting request a posted form names (its id in the form field `idField`), if the browser
 * that started it posts it (the cookie `cookieName` matches) and it has not expired.
 */
export function waitingRequest<T extends Kept>(pending: Map<string, T>, request: OAuthRequest, idField: string, cookieName: string): { id: string; entry: T } | undefined {
  const now = Date.now();
  for (const [id, entry] of pending) if (entry.expiresAt <= now) pending.delete(id);
  const id = form(request)[idField];
  const entry = id === undefined ? undefined : pending.get(id);
  const browser = cookie(request, cookieName);
  if (id === undefined || entry === undefined || browser === undefined || !same(browser, entry.browser)) return undefined;
  return { id, entry };
}

/** The sign-in and consent pages as an `Interaction`, posting to `action` (the authorization endpoint's path). */
export function signInAndConsent(users: PasswordCheck, action: string): Interaction {
  const pending = new Map<string, Pending>();

  const waiting = (request: OAuthRequest) => waitingRequest(pending, request, 'interaction', COOKIE);

  const formFor = (id: string, fields: string): string =>
    `<form method="post" action="${escape(action)}"><input type="hidden" name="interaction" value="${escape(id)}">${fields}</form>`;

  const signIn = (id: string, client: string, failed: boolean, headers?: Record<string, string>): OAuthResponse =>
    page(
      'Sign in',
      `<p>Sign in to continue to ${client}.</p>${failed ? '<p role="alert">Incorrect username or password.</p>' : ''}${formFor(
        id,
        `<label>Username <input name="username" autocomplete="username" required></label>
<label>Password <input name="password" type="password" autocomplete="current-password" required></label>
<button>Sign in</button>`,
      )}`,
      headers,
    );

  return {
    resume(request) {
      const found = waiting(request);
      return found && new URLSearchParams(found.entry.params).toString();
    },

    async authorize({ request, authorization, params }) {
      const client = escape(authorization.client.client_name ?? authorization.client.client_id);
      const found = request.method.toUpperCase() === 'POST' ? waiting(request) : undefined;
      if (!found) {
        // A new authorization request: keep it, ask the person to sign in.
        const id = random();
        const browser = random();
        pending.set(id, { params: { ...params }, browser, expiresAt: Date.now() + TTL_MS });
        return { type: 'response', response: signIn(id, client, false, { 'Set-Cookie': `${COOKIE}=${browser}; Path=/; HttpOnly; SameSite=Lax` }) };
      }
      const { id, entry } = found;
      const fields = form(request);
      if (entry.user === undefined) {
        const user = await users.getUser(fields.username ?? '', fields.password ?? '', authorization.client);
        if (!user) return { type: 'response', response: signIn(id, client, true) };
        entry.user = user;
        const scope = escape(authorization.scope?.join(' ') ?? 'its usual access');
        return {
          type: 'response',
          response: page(
            'Allow access?',
            `<p>${client} asks for: ${scope}.</p>${formFor(id, '<button name="decision" value="allow">Allow</button><button name="decision" value="deny">Deny</button>')}`,
          ),
        };
      }
      // The consent form: the decision, once. Deny redirects with access_denied (RFC 6749 §4.1.2.1).
      pending.delete(id);
      return {
        type: 'decision',
        decision: { user: entry.user, allow: fields.decision === 'allow' },
        headers: { 'Set-Cookie': `${COOKIE}=; Path=/; HttpOnly; SameSite=Lax; Max-Age=0` },
      };
    },

    errorPage(error) {
      return { ...page('This request cannot be completed', `<p>${escape(error.description)}</p>`), status: error.status };
    },
  };
}
