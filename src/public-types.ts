/**
 * `tollgate/types`: the types the API's signatures name beyond the main entry's, so that each is
 * documented and can be imported: the options as resolved (`server.options`), DPoP's settings, the
 * Model of every grant, the audit events one by one, the interaction's device types. Types only: the
 * main entry (`tollgate`) stays at what an application needs (issue 9: at most 60 names).
 */

// The server's options as resolved (`server.options`) and the types their fields name.
export type { TokenTriple } from './authorization-server.js';
export type { EndpointPaths, ModelFor, RegistrationOptions, ResolvedOptions, SecurityProfile } from './options.js';
export type { BuiltInGrantModel } from './grants/index.js';
export type { TrustedIssuer } from './grants/jwt-bearer.js';
export type { Resources } from './resource-indicators.js';

// DPoP (RFC 9449): the option, the settings it resolves to, the nonces and a checked proof.
export type { DpopNonceOptions, DpopOptions } from './dpop/settings.js';
export type { DpopProof, DpopSettings, ReplayCache } from './dpop/proof.js';
export type { DpopNonces } from './dpop/nonce.js';

// The plain request's and the stored data's field types.
export type { CodeChallengeMethod, GrantType, HeaderMap, RegistrationSource, TokenEndpointAuthMethod } from './types.js';
export type { Params } from './request.js';
export type { ResponseMode } from './response.js';

// The Model of the grants beyond the main entry's (RFC 8628, RFC 7523, RFC 8693).
export type { DeviceCodeModel, JwtBearerModel, ModelRecord, TokenExchangeModel, TokenExchangeRequest } from './model.js';

// Grants as modules and the browser flow: what a grant is given and answers.
export type { ActorClaim, AuthorizationSettings, IssueRequest } from './grants/grant.js';
export type { AuthorizeAnswer } from './endpoints/authorize.js';
export type { DeviceDecisionResult, PendingDeviceAuthorization } from './interaction.js';

// The audit events, one type per event (`AuditEvent` is their union, in the main entry).
export type { AuditListener, BearerCheckedEvent, ClientAuthenticationFailedEvent, ClientDeletedEvent, ClientRegisteredEvent, CodeReplayedEvent, RefreshReuseDetectedEvent, TokenErrorEvent, TokenIssuedEvent, TokenRevokedEvent } from './events.js';
