/**
 * The sign-in session: a cookie holding its own state, HMAC-signed (node:crypto), so any process
 * with the same secret can read it. It carries the signed-in user, the CSRF token every form
 * echoes (RFC 9700 §4.7), and the authorization request waiting for login and consent.
 */
import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';

export interface PendingAuthorization {
  /** The authorization request's parameters, re-encoded from the parsed request (never the raw bytes). */
  params: string;
  /** The client's name, for the sign-in page. */
  clientName: string;
  /** Names this request on its consent form, so a decision never lands on a request the person did not see. */
  nonce: string;
  /** The person signed in for this very request: its `prompt=login` or `max_age` is satisfied (OpenID Connect Core §3.1.2.1). */
  signedIn?: boolean | undefined;
}

export interface Session {
  /** The anti-CSRF token: random, new with every sign-in. */
  csrf: string;
  userId?: string | undefined;
  /** When the person signed in, seconds since the epoch: `auth_time`, checked against `max_age` (OpenID Connect Core §2). */
  authTime?: number | undefined;
  pending?: PendingAuthorization | undefined;
  /** Expiry, milliseconds since the epoch. */
  exp: number;
}

export interface Sessions {
  /** The session in the request's cookies, if it is there, authentic and unexpired. */
  read(cookieHeader: string | undefined): Session | undefined;
  /** A new, anonymous session. */
  create(): Session;
  /** The `Set-Cookie` value that stores this session. */
  cookie(session: Session): string;
  /** The `Set-Cookie` value that ends the session (sign-out). */
  clear(): string;
  /** Constant-time check of a submitted CSRF token against the session's. */
  checkCsrf(session: Session, submitted: string | null): boolean;
}

const COOKIE = 'tollgate_session';
/** RFC 6265bis §4.1.3.2: a `__Host-` cookie is Secure, host-only and Path=/, so no subdomain or path can plant or shadow it. */
const HOST_COOKIE = `__Host-${COOKIE}`;

export function randomId(): string {
  return randomBytes(24).toString('base64url');
}

function equal(a: string, b: string): boolean {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
}

export function createSessions(options: { secret: string; secure: boolean; ttlSeconds: number }): Sessions {
  const sign = (payload: string): string => createHmac('sha256', options.secret).update(payload).digest('base64url');
  // HttpOnly: scripts never see it; SameSite=Lax: other sites' forms never carry it; on https the
  // __Host- prefix makes the browser refuse one set by anyone else.
  const name = options.secure ? HOST_COOKIE : COOKIE;
  const attributes = `Path=/; HttpOnly; SameSite=Lax${options.secure ? '; Secure' : ''}`;

  return {
    read(cookieHeader) {
      const value = cookieHeader
        ?.split(';')
        .map((part) => part.trim())
        .find((part) => part.startsWith(`${name}=`))
        ?.slice(name.length + 1);
      const dot = value?.indexOf('.') ?? -1;
      if (value === undefined || dot === -1) return undefined;
      const payload = value.slice(0, dot);
      if (!equal(sign(payload), value.slice(dot + 1))) return undefined;
      try {
        const session = JSON.parse(Buffer.from(payload, 'base64url').toString('utf8')) as Session;
        return typeof session.exp === 'number' && session.exp > Date.now() && typeof session.csrf === 'string' ? session : undefined;
      } catch {
        return undefined;
      }
    },

    create() {
      return { csrf: randomId(), exp: Date.now() + options.ttlSeconds * 1000 };
    },

    cookie(session) {
      const payload = Buffer.from(JSON.stringify(session)).toString('base64url');
      return `${name}=${payload}.${sign(payload)}; ${attributes}; Max-Age=${options.ttlSeconds}`;
    },

    clear() {
      return `${name}=; ${attributes}; Max-Age=0`;
    },

    checkCsrf(session, submitted) {
      return submitted !== null && equal(session.csrf, submitted);
    },
  };
}
