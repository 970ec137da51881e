/**
 * The token exchange grant (RFC 8693): a client trades an access token this server issued (the
 * subject token) for a new one, narrower or for another resource; with an actor token, the new
 * token is delegated and names its actor in `act` (§1.1, §4.1).
 */
import type { AccessToken } from '../types.js';
import type { TokenExchangeModel, TokenExchangeRequest } from '../model.js';
import type { ActorClaim, Grant } from './grant.js';
import type { Resources } from '../resource-indicators.js';
import { InvalidRequestError, InvalidScopeError, InvalidTargetError } from '../errors.js';
import { paramValues } from '../request.js';
import { isSubset } from '../scope.js';

export const TOKEN_EXCHANGE = 'urn:ietf:params:oauth:grant-type:token-exchange';
/** RFC 8693 §3: the token type identifiers this server accepts and issues. */
export const ACCESS_TOKEN_TYPE = 'urn:ietf:params:oauth:token-type:access_token';
const JWT_TYPE = 'urn:ietf:params:oauth:token-type:jwt';
/** A JWT access token this server issued is an access token too (RFC 8693 §3: `jwt` names its format). */
const ACCEPTED_INPUT_TYPES = new Set([ACCESS_TOKEN_TYPE, JWT_TYPE]);

/** The settings the grant reads: the resources an `audience` may name (RFC 8707). */
export interface TokenExchangeOptions {
  resources: Resources;
}

/** The `act` claim of a stored token (`Token.extra.act`), if it was delegated. */
export function actorOf(extra: Readonly<Record<string, unknown>> | undefined): ActorClaim | undefined {
  const act = extra?.['act'];
  return typeof act === 'object' && act !== null && typeof (act as { sub?: unknown }).sub === 'string' ? (act as ActorClaim) : undefined;
}

function subjectOf(token: AccessToken): string {
  return token.user.id ?? token.user.username ?? token.client.client_id;
}

/**
 * An active access token this server issued, or `invalid_request`: RFC 8693 §2.2.2 says an invalid
 * or unacceptable subject or actor token MUST be answered so.
 */
async function presentedToken(model: TokenExchangeModel, value: string | undefined, type: string | undefined, name: 'subject' | 'actor', now: Date): Promise<AccessToken> {
  if (value === undefined) throw new InvalidRequestError(`Missing parameter: ${name}_token`);
  // §2.1: the type is REQUIRED with its token.
  if (type === undefined) throw new InvalidRequestError(`Missing parameter: ${name}_token_type`);
  if (!ACCEPTED_INPUT_TYPES.has(type)) throw new InvalidRequestError(`Unsupported ${name}_token_type "${type}": only access tokens issued by this server`);
  const token = await model.getAccessToken(value);
  if (!token || token.accessTokenExpiresAt.getTime() <= now.getTime()) {
    throw new InvalidRequestError(`The ${name}_token is invalid, expired or revoked`);
  }
  return token;
}

/** RFC 8693 §2.1: `audience` names a target service; here, one of the configured resources. */
function audienceOf(values: string[] | undefined, resources: Resources): string[] | undefined {
  if (values === undefined) return undefined;
  for (const value of values) {
    if (!resources.has(value)) throw new InvalidTargetError(`Unknown audience "${value}"`);
  }
  return [...new Set(values)];
}

/**
 * The default policy (RFC 8693 §5, "the authorization server SHOULD limit"): a client exchanges
 * only tokens issued to itself, so it can narrow or retarget what it already holds, never take up
 * another client's token; the same holds for the actor token of a delegation.
 */
function ownTokensOnly({ client, subject, actor }: TokenExchangeRequest): boolean {
  return subject.client.client_id === client.client_id && (actor === undefined || actor.client.client_id === client.client_id);
}

export function tokenExchange(options: TokenExchangeOptions): Grant<TokenExchangeModel> {
  return {
    type: TOKEN_EXCHANGE,
    // RFC 8693 §2.1 leaves client authentication to the server; a public client proves nothing about who asks.
    publicClients: false,
    requires: ['getClient', 'saveToken', 'getAccessToken'],

    async handle({ params, client, model, tokens, scope, now }) {
      // §2.1: only access tokens are issued here.
      const requestedType = params.requested_token_type;
      if (requestedType !== undefined && requestedType !== ACCESS_TOKEN_TYPE) {
        throw new InvalidRequestError(`Unsupported requested_token_type "${requestedType}": only ${ACCESS_TOKEN_TYPE}`);
      }
      const subject = await presentedToken(model, params.subject_token, params.subject_token_type, 'subject', now);
      const actor =
        params.actor_token === undefined && params.actor_token_type === undefined
          ? undefined
          : await presentedToken(model, params.actor_token, params.actor_token_type, 'actor', now);

      // Down-scoping only: the new token may carry less than the subject token, never more.
      if (scope !== undefined && !isSubset(scope, subject.scope)) {
        throw new InvalidScopeError('The requested scope exceeds the subject token\'s scope');
      }
      const granted = scope ?? subject.scope;
      const audience = audienceOf(paramValues(params, 'audience'), options.resources);
      const request: TokenExchangeRequest = { client, subject, actor, scope: granted, audience: audience ?? paramValues(params, 'resource') };
      const allowed = model.authorizeTokenExchange ? await model.authorizeTokenExchange(request) : ownTokensOnly(request);
      // §2.2.2: an unacceptable subject (or actor) token is invalid_request.
      if (!allowed) throw new InvalidRequestError('The subject_token (or actor_token) is not acceptable for this client');

      // §4.1: the current actor on top, the subject token's own actors (an earlier delegation) nested.
      const priorActors = actorOf(subject.extra);
      const act: ActorClaim | undefined = actor
        ? { sub: subjectOf(actor), client_id: actor.client.client_id, ...(priorActors && { act: priorActors }) }
        : priorActors;
      const body = await tokens.issue({
        client,
        user: subject.user,
        scope: granted,
        requestedScope: scope ?? subject.scope,
        // Revoking the subject's grant (a reused refresh token, a replayed code) revokes what was exchanged from it.
        grantId: subject.grantId,
        // §2.2.1: a refresh token is optional; none, so an exchanged token cannot be renewed past the subject's.
        refreshToken: false,
        // Nor does it live longer: exchanging must not extend what the subject token allowed.
        notAfter: subject.accessTokenExpiresAt,
        resources: audience,
        act,
      });
      // §2.2.1: issued_token_type is REQUIRED.
      return { ...body, issued_token_type: ACCESS_TOKEN_TYPE };
    },
  };
}
