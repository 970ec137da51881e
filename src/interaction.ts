/**
 * The host's part of a browser flow: who is signed in, what they decided, which page to show.
 * The core runs each authorization request once through validate -> interact -> decide
 * (`handle`); a host supplies only this.
 */
import type { Awaitable } from './model.js';
import type { Client, OAuthRequest, OAuthResponse, User } from './types.js';
import type { Params } from './request.js';
import type { AuthorizationRequest } from './grants/grant.js';
import type { AuthorizationDecision } from './endpoints/authorize.js';
import type { OAuthError } from './errors.js';

/** A validated authorization request, and the HTTP request that carried it (or continued it from a page). */
export interface InteractionContext {
  /** The HTTP request: the authorization request itself, or the form post that continues it. */
  request: OAuthRequest;
  /** The validated authorization request: client, redirect URI, scope, state, PKCE. */
  authorization: AuthorizationRequest;
  /** The authorization request's parameters as parsed (each once): what a host keeps to resume it. */
  params: Params;
}

/** What the host answers: the resource owner's decision, or a page to show first. */
export type InteractionOutcome =
  /** Decided: the core answers with the redirect, adding `headers` (a session cookie, say). */
  | {
      /** Decided. */
      type: 'decision';
      /** Who decided, and what. */
      decision: AuthorizationDecision;
      /** Headers to add to the redirect, e.g. `Set-Cookie`. */
      headers?: Record<string, string> | undefined;
    }
  /** Not yet: send this page (a sign-in form, a consent page, a refusal). */
  | {
      /** Not decided yet. */
      type: 'response';
      /** The page to send. */
      response: OAuthResponse;
    }
  /**
   * Send this error to the client's redirect URI, no page (OpenID Connect Core §3.1.2.6: with
   * `prompt=none`, `login_required`, `consent_required`, ...).
   */
  | {
      /** Refused without a page. */
      type: 'error';
      /** The error the client gets at its redirect URI. */
      error: OAuthError;
    };

/**
 * The host's part of the authorization endpoint (RFC 6749 §3.1 leaves it to the server): who is
 * signed in, which page to show, what the person decided.
 */
export interface Interaction {
  /** Decides a valid authorization request, or shows a page first. */
  authorize(context: InteractionContext): Promise<InteractionOutcome>;
  /**
   * When a page's form is posted back to the authorization endpoint: the waiting request's
   * parameters (form-encoded) from the host's session, so the core validates that request and
   * not the form. Undefined when the POST is an authorization request of its own (§3.1).
   */
  resume?(request: OAuthRequest): Awaitable<string | undefined>;
  /** After a code or token was issued: e.g. remember the consent. */
  granted?(context: InteractionContext & { user: User; scope: string[] }): Awaitable<void>;
  /** The page for an error that must not go to the redirect URI (RFC 6749 §4.1.2.1). Default: the §5.2 JSON. */
  errorPage?(error: OAuthError, request: OAuthRequest): OAuthResponse;
  /**
   * The device verification page (RFC 8628 §3.3) at `endpoints.deviceVerification`: sign the
   * person in, have them enter (or confirm, §5.4) the user code, ask consent, record the decision
   * through the context. Without it that path answers 501.
   */
  device?(context: DeviceInteractionContext): Promise<OAuthResponse>;
}

/** A device authorization waiting for the person's decision, as the verification page shows it (RFC 8628 §3.3). */
export interface PendingDeviceAuthorization {
  /** The client the device runs, to name on the page (RFC 8628 §5.4: the person must see who asks). */
  client: Client;
  /** The scope the device asked for; undefined when it asked none (the client's default then applies). */
  scope: string[] | undefined;
  /** The resources asked for (RFC 8707), if any. */
  resources: string[] | undefined;
  /** The user code as the person sees it, `WDJB-MJHT`. */
  userCode: string;
  /** When the device code and its user code expire (RFC 8628 §3.2 `expires_in`); after that the decision is `gone`. */
  expiresAt: Date;
}

/** What the person decided for a device, as recorded: `gone` when no pending authorization has that code any more. */
export type DeviceDecisionResult = 'approved' | 'denied' | 'gone';

/** What the core hands the host's device page: the request, and the two steps only the core may take. */
export interface DeviceInteractionContext {
  /** The HTTP request to the verification page. */
  request: OAuthRequest;
  /** The pending authorization a typed user code names (case, dashes and spaces ignored, RFC 8628 §6.1), or null. */
  lookup(userCode: string): Promise<PendingDeviceAuthorization | null>;
  /**
   * Records the person's decision for this user code, once: the device's next poll gets the
   * tokens or `access_denied` (§3.5). A scope the model refuses is recorded as a denial.
   */
  decide(userCode: string, decision: AuthorizationDecision): Promise<DeviceDecisionResult>;
}

/** What a host passes to `handle`: the same option names on every adapter. */
export interface HandleOptions {
  /** Serves the authorization endpoint with this sign-in and consent step; without it that path answers 501, never a code. */
  interaction?: Interaction | undefined;
  /** Extra credentials for the grants (the oauthlib seed's `credentials`), e.g. the client's IP address. */
  credentials?: Readonly<Record<string, unknown>> | undefined;
}
