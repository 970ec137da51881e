/**
 * The sign-in session. Who is signed in lives server-side, in the store's record store (kind
 * `session`, keyed by a random id, with the user as its subject), so a session can end everywhere:
 * sign-out deletes the record, and a copy of the cookie used elsewhere then names nothing
 * (OpenID Connect RP-Initiated Logout 1.0 §2; RFC 9700 §4.14 on revocation). The cookie is
 * HMAC-signed (node:crypto) and carries the session id, the CSRF token every form echoes
 * (RFC 9700 §4.7), and the anonymous authorization request waiting for sign-in and consent.
 */
import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import type { Store } from '../stores/store.js';

/** The record store kind of sign-in sessions; the admin CLI deletes a user's with it too. */
export const SESSION_RECORD = 'session';

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
  /** The key of the server-side record, once someone signed in. */
  id?: string | undefined;
  /** The signed-in user, from the record (never from the cookie). */
  userId?: string | undefined;
  /** When the person signed in, seconds since the epoch: `auth_time`, checked against `max_age` (OpenID Connect Core §2). */
  authTime?: number | undefined;
  /** How the person signed in (OpenID Connect Core §2 `amr`), from the record. */
  amr?: readonly string[] | undefined;
  pending?: PendingAuthorization | undefined;
  /** Expiry, milliseconds since the epoch. */
  exp: number;
}

export interface Sessions {
  /**
   * The session in the request's cookies, if it is there, authentic and unexpired, and, when it
   * names a sign-in, that sign-in's record still exists and its user too.
   */
  read(cookieHeader: string | undefined): Promise<Session | undefined>;
  /** A new, anonymous session. */
  create(): Session;
  /**
   * Signs a user in: a new session (new id, new CSRF token: no fixation) whose record is stored,
   * replacing `previous`'s record if it had one.
   */
  signIn(previous: Session | undefined, userId: string, amr: readonly string[]): Promise<Session>;
  /** Ends a session: its record is deleted, so no copy of its cookie signs anyone in again. */
  end(session: Session | undefined): Promise<void>;
  /** The `Set-Cookie` value that stores this session. */
  cookie(session: Session): string;
  /** The `Set-Cookie` value that ends the session (sign-out). */
  clear(): string;
  /** Constant-time check of a submitted CSRF token against the session's. */
  checkCsrf(session: Session, submitted: string | null): boolean;
}

/** What the store keeps of a sign-in. */
interface SessionRecord {
  userId: string;
  authTime: number;
  amr: string[];
}

/** What the cookie carries: never the user, which only the record says. */
type CookieState = Pick<Session, 'id' | 'csrf' | 'pending' | 'exp'>;

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

function isSessionRecord(value: unknown): value is SessionRecord {
  const record = value as Partial<SessionRecord> | null;
  return typeof record?.userId === 'string' && typeof record.authTime === 'number' && Array.isArray(record.amr);
}

/**
 * Ends every sign-in session of a user, in every browser (`tollgate sessions revoke --user`, a
 * disabled account); answers how many records went.
 */
export function revokeUserSessions(store: Pick<Store, 'deleteRecords'>, userId: string): Promise<number> {
  return store.deleteRecords(SESSION_RECORD, userId);
}

export type SessionStore = Pick<Store, 'putRecord' | 'getRecord' | 'takeRecord' | 'getUserById'>;

export function createSessions(options: { store: SessionStore; secret: string; secure: boolean; ttlSeconds: number }): Sessions {
  const { store } = options;
  const sign = (payload: string): string => createHmac('sha256', options.secret).update(payload).digest('base64url');
  // HttpOnly: scripts never see it; SameSite=Lax: other sites' forms never carry it; on https the
  // __Host- prefix makes the browser refuse one set by anyone else.
  const name = options.secure ? HOST_COOKIE : COOKIE;
  const attributes = `Path=/; HttpOnly; SameSite=Lax${options.secure ? '; Secure' : ''}`;

  function fromCookie(cookieHeader: string | undefined): CookieState | undefined {
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
      const state = JSON.parse(Buffer.from(payload, 'base64url').toString('utf8')) as CookieState;
      const valid = typeof state.exp === 'number' && state.exp > Date.now() && typeof state.csrf === 'string';
      return valid && (state.id === undefined || typeof state.id === 'string') ? state : undefined;
    } catch {
      return undefined;
    }
  }

  const create = (): Session => ({ csrf: randomId(), exp: Date.now() + options.ttlSeconds * 1000 });

  return {
    async read(cookieHeader) {
      const state = fromCookie(cookieHeader);
      if (state?.id === undefined) return state;
      // Signed out (here or elsewhere), revoked or expired: the cookie names nothing any more.
      const record = await store.getRecord(SESSION_RECORD, state.id);
      if (!record || !isSessionRecord(record.value)) return undefined;
      const { userId, authTime, amr } = record.value;
      // A user deleted since is no longer signed in (and their session goes with them).
      if (!(await store.getUserById(userId))) {
        await store.takeRecord(SESSION_RECORD, state.id);
        return undefined;
      }
      return { ...state, userId, authTime, amr };
    },

    create,

    async signIn(previous, userId, amr) {
      if (previous?.id !== undefined) await store.takeRecord(SESSION_RECORD, previous.id);
      const id = randomId();
      const record: SessionRecord = { userId, authTime: Math.floor(Date.now() / 1000), amr: [...amr] };
      const session: Session = { ...create(), id, ...record };
      // 192 random bits: a collision is not a case to handle, but a refused write must not sign anyone in.
      if (!(await store.putRecord(SESSION_RECORD, id, { ...record }, { expiresAt: new Date(session.exp), subject: userId }))) {
        throw new Error('The session record could not be created');
      }
      return session;
    },

    async end(session) {
      if (session?.id !== undefined) await store.takeRecord(SESSION_RECORD, session.id);
    },

    cookie(session) {
      const state: CookieState = { id: session.id, csrf: session.csrf, pending: session.pending, exp: session.exp };
      const payload = Buffer.from(JSON.stringify(state)).toString('base64url');
      // The browser forgets it when the session expires, not a full lifetime after the last page.
      const maxAge = Math.max(0, Math.ceil((session.exp - Date.now()) / 1000));
      return `${name}=${payload}.${sign(payload)}; ${attributes}; Max-Age=${maxAge}`;
    },

    clear() {
      return `${name}=; ${attributes}; Max-Age=0`;
    },

    checkCsrf(session, submitted) {
      return submitted !== null && equal(session.csrf, submitted);
    },
  };
}
