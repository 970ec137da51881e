/**
 * Audit events: what the core did, as one typed stream (option `events` of
 * `createAuthorizationServer`). Each event names the parties (client id, user id, grant id) and
 * never a secret: no token, code, client secret, password or assertion value is ever in one.
 */

/** Tokens were issued at the token endpoint, or at the authorization endpoint (implicit). */
export interface TokenIssuedEvent {
  /** The event's name, which tells it apart from the others in `AuditEvent`. */
  type: 'token.issued';
  /** The `grant_type` (RFC 6749 §4), `implicit` for `response_type=token`. */
  grantType: string;
  /** The client the tokens were issued to. */
  clientId: string;
  /** The resource owner's id; undefined for a client acting for itself (client_credentials). */
  userId: string | undefined;
  /** The scope granted to the access token (RFC 6749 §3.3). */
  scope: string[];
  /** The access token's format: `opaque`, `jwt`, or a custom format's name. */
  tokenFormat: string;
  /** The authorization the tokens belong to: every token of one code or refresh chain shares it. */
  grantId: string;
  /** Whether a refresh token was issued beside the access token. */
  refreshToken: boolean;
}

/** A client revoked one of its tokens (RFC 7009). */
export interface TokenRevokedEvent {
  /** The event's name, which tells it apart from the others in `AuditEvent`. */
  type: 'token.revoked';
  /** The client that revoked it, authenticated as RFC 7009 §2.1 requires. */
  clientId: string;
  /** Which kind of token was revoked; for a refresh token, its grant's access tokens end too when the model has `revokeGrant` (RFC 7009 §2.1). */
  tokenType: 'access_token' | 'refresh_token';
  /** The authorization the token belonged to, when the store kept one. */
  grantId: string | undefined;
}

/** The token endpoint refused a request (RFC 6749 §5.2). */
export interface TokenErrorEvent {
  /** The event's name, which tells it apart from the others in `AuditEvent`. */
  type: 'token.error';
  /** The RFC 6749 §5.2 `error` code. */
  error: string;
  /** The `grant_type` asked for, if the request named one. */
  grantType: string | undefined;
}

/** An authorization code was presented again: the tokens issued from it are revoked (RFC 6749 §4.1.2, RFC 9700 §4.2.1). */
export interface CodeReplayedEvent {
  /** The event's name, which tells it apart from the others in `AuditEvent`. */
  type: 'code.replayed';
  /** The client that presented the code again. */
  clientId: string;
  /** The authorization whose tokens were revoked. */
  grantId: string;
}

/** A rotated refresh token was presented again (RFC 9700 §4.14.2): someone holds a stolen copy. */
export interface RefreshReuseDetectedEvent {
  /** The event's name, which tells it apart from the others in `AuditEvent`. */
  type: 'refresh.reuse_detected';
  /** The client that presented the retired refresh token. */
  clientId: string;
  /** The authorization the refresh token belonged to. */
  grantId: string;
  /** Whether the grant was revoked (false within `refreshTokenReuseInterval`). */
  grantRevoked: boolean;
}

/** Client authentication failed at the token, revocation or introspection endpoint (RFC 6749 §2.3). */
export interface ClientAuthenticationFailedEvent {
  /** The event's name, which tells it apart from the others in `AuditEvent`. */
  type: 'client.authentication_failed';
  /** The client the request claimed to be, when it named one (not authenticated: it may not exist). */
  clientId: string | undefined;
  /** The method the request used, when it got that far. */
  method: string | undefined;
  /** Why, as the error description says it (never a credential). */
  reason: string;
}

/** A bearer token was checked for a protected resource (RFC 6750). */
export interface BearerCheckedEvent {
  /** The event's name, which tells it apart from the others in `AuditEvent`. */
  type: 'bearer.checked';
  /** `valid`, `missing` (no token sent, §3.1), or the refusal's error code (`invalid_token`, `insufficient_scope`, ...). */
  result: string;
  /** The client the token was issued to, when it was valid. */
  clientId: string | undefined;
}

/** A client registered itself (RFC 7591). */
export interface ClientRegisteredEvent {
  /** The event's name, which tells it apart from the others in `AuditEvent`. */
  type: 'client.registered';
  /** The `client_id` the server assigned (RFC 7591 §3.2.1). */
  clientId: string;
}

/** A registered client deleted itself (RFC 7592 §2.3), or the server removed a client its config no longer lists. */
export interface ClientDeletedEvent {
  /** The event's name, which tells it apart from the others in `AuditEvent`. */
  type: 'client.deleted';
  /** The client that is gone; its tokens are revoked with it. */
  clientId: string;
  /** Why, when it was not the client itself: `removed from config` (`tollgate serve`, issue 14). */
  reason?: 'removed from config';
}

/** Every event the core emits, told apart by `type`. */
export type AuditEvent =
  | TokenIssuedEvent
  | TokenRevokedEvent
  | TokenErrorEvent
  | CodeReplayedEvent
  | RefreshReuseDetectedEvent
  | ClientAuthenticationFailedEvent
  | BearerCheckedEvent
  | ClientRegisteredEvent
  | ClientDeletedEvent;

/** Receives every event; its return value is ignored. */
export type AuditListener<E = AuditEvent> = (event: E) => unknown;

/**
 * The listener as the core calls it: a throw or a rejected promise never reaches the request
 * being served; the first one is reported to `onError`, later ones are not (a broken listener
 * would otherwise flood the log). Undefined stays undefined, so a call site `events?.({...})`
 * builds no event at all when nobody listens.
 */
export function guardListener<E>(listener: AuditListener<E> | undefined, onError: (error: unknown) => void): ((event: E) => void) | undefined {
  if (listener === undefined) return undefined;
  let reported = false;
  const report = (err: unknown): void => {
    if (reported) return;
    reported = true;
    onError(new Error('An audit event listener failed; the request went on, and further failures are not reported', { cause: err }));
  };
  return (event) => {
    try {
      const result = listener(event);
      if (typeof (result as PromiseLike<unknown> | undefined)?.then === 'function') (result as PromiseLike<unknown>).then(undefined, report);
    } catch (err) {
      report(err);
    }
  };
}
