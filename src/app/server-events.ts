/**
 * The events `tollgate serve` adds to the core's (src/events.ts): sign-in, consent, sign-out and
 * rate-limit refusals. Like the core's, they name the parties and never a password or a token.
 */
import type { AuditEvent } from '../events.js';

/** A person signed in on the sign-in page (or with the SkyVault guide's Basic credentials). */
export interface LoginSucceededEvent {
  type: 'login.succeeded';
  username: string;
  userId: string | undefined;
  /** The client the person was signing in for. */
  clientId: string;
  ip: string | undefined;
}

/**
 * A sign-in was refused. The username is what was typed: personal data, kept because an audit
 * trail of failed sign-ins is useless without it; the password never is.
 */
export interface LoginFailedEvent {
  type: 'login.failed';
  username: string;
  clientId: string;
  ip: string | undefined;
  /** `invalid_credentials` (unknown user or wrong password: one reason, as on the page) or `rate_limited`. */
  reason: 'invalid_credentials' | 'rate_limited';
}

/** A person answered the consent page (RFC 6749 §3.1). */
export interface ConsentEvent {
  type: 'consent.granted' | 'consent.denied';
  userId: string | undefined;
  clientId: string | undefined;
}

/** A person signed out (a session ended at /logout). */
export interface LogoutEvent {
  type: 'logout';
  userId: string;
  /** The relying party that sent the person (RP-Initiated Logout), if any. */
  clientId: string | undefined;
}

/** A request was refused with 429 by one of the rate limits. */
export interface RateLimitedEvent {
  type: 'request.rate_limited';
  limiter: 'token_per_ip' | 'token_per_client' | 'password_grant' | 'registration_per_ip' | 'user_code_per_ip' | 'user_code_per_session';
}

/** A user the config seeded and no longer lists was removed at start, with everything they held. */
export interface UserDeletedEvent {
  type: 'user.deleted';
  userId: string;
  username: string;
  reason: 'removed from config';
}

/** Every event the server writes and counts: the core's and its own. */
export type ServerEvent = AuditEvent | LoginSucceededEvent | LoginFailedEvent | ConsentEvent | LogoutEvent | RateLimitedEvent | UserDeletedEvent;

/** Where the server's parts send their events; undefined when neither audit nor metrics are on. */
export type ServerEvents = ((event: ServerEvent) => void) | undefined;
