/**
 * The one router: every endpoint the core serves, by path, and the browser authorization flow run
 * once per HTTP request through validate -> interact -> decide. Adapters convert a request, call
 * `handle`, and write what it answers; nothing protocol lives in them.
 */
import type { OAuthRequest, OAuthResponse } from './types.js';
import type { ResolvedOptions } from './options.js';
import type { AuthorizeEndpoint, AuthorizationRequest } from './endpoints/authorize.js';
import type { HandleOptions, Interaction } from './interaction.js';
import type { Params } from './request.js';
import type { DeviceVerification } from './endpoints/device-verification.js';
import { authorizationParams } from './endpoints/authorize.js';
import { errorResponse, oauthErrorOf } from './response.js';
import { InteractionRequiredError } from './errors.js';
import { isFormRequest, parseParams, pathOf } from './request.js';
import type { Tracing } from './telemetry.js';
import { recordOutcome, requestAttributes, spanNameOf } from './telemetry.js';

/** An endpoint that needs nothing but the request. */
export type Endpoint = (request: OAuthRequest, credentials?: Readonly<Record<string, unknown>>) => Promise<OAuthResponse> | OAuthResponse;

export interface Router {
  /** Every path the core serves: its endpoints, and the authorization endpoint. */
  readonly paths: readonly string[];
  /** Whether `handle` answers this URL: adapters pass everything else to the host's own routes. */
  serves(url: string): boolean;
  /** The core's answer, or undefined when the path is not one of its endpoints. Never throws. */
  handle(request: OAuthRequest, options?: HandleOptions): Promise<OAuthResponse | undefined>;
}

/** Without an interaction nobody can sign in or consent: the endpoint says so, and never issues anything. */
const NO_INTERACTION: OAuthResponse = {
  status: 501,
  headers: { 'Content-Type': 'text/plain; charset=utf-8' },
  body: 'The authorization endpoint has no interaction (sign-in and consent) configured',
};

/** RFC 8628 §3.3: the verification page is the host's too; without it nobody can approve a device. */
const NO_DEVICE_INTERACTION: OAuthResponse = {
  status: 501,
  headers: { 'Content-Type': 'text/plain; charset=utf-8' },
  body: 'The device verification page has no interaction (interaction.device) configured',
};

export function createRouter(
  options: ResolvedOptions,
  routes: ReadonlyMap<string, Endpoint>,
  authorize: AuthorizeEndpoint,
  device?: DeviceVerification,
  tracing?: Tracing,
): Router {
  const authorizationPath = options.endpoints.authorization;
  const browserPaths = device ? [authorizationPath, device.path] : [authorizationPath];

  /** §3.1, one pass: the request (or the one a page's form continues) is validated once, then decided. */
  async function authorizationFlow(request: OAuthRequest, interaction: Interaction): Promise<OAuthResponse> {
    // RFC 9700 §4.12: a form POST is answered 303, so the browser never re-posts it to the client.
    const method = isFormRequest(request) ? 'POST' : 'GET';
    let validated: AuthorizationRequest | undefined;
    try {
      const pending = method.toUpperCase() === 'POST' ? await interaction.resume?.(request) : undefined;
      const params: Params = pending === undefined ? authorizationParams(request) : parseParams(pending);
      validated = await authorize.validate(params);
      // A kept request (pushed, RFC 9126; or a verified request object, RFC 9101) is continued by its request_uri alone.
      const continued = validated.requestUri === undefined ? params : { client_id: validated.client.client_id, request_uri: validated.requestUri };
      const context = { request, authorization: validated, params: continued };
      const outcome = await interaction.authorize(context);
      if (outcome.type === 'error') throw outcome.error;
      // OpenID Connect Core §3.1.2.1: with prompt=none the server must not show any page, whatever the host answered.
      if (outcome.type === 'response' && validated.openid?.prompt.includes('none')) {
        throw new InteractionRequiredError('The request needs a page (prompt=none asked for none)');
      }
      if (outcome.type === 'response') return outcome.response;
      const answer = await authorize.decide(validated, outcome.decision, method);
      if (answer.type === 'redirect' && answer.scope) await interaction.granted?.({ ...context, user: outcome.decision.user, scope: answer.scope });
      const response = answer.type === 'error' ? (interaction.errorPage?.(answer.error, request) ?? answer.response) : answer.response;
      return outcome.headers ? { ...response, headers: { ...response.headers, ...outcome.headers } } : response;
    } catch (err) {
      const answer = authorize.answerError(err, validated, method);
      return answer.type === 'error' ? (interaction.errorPage?.(answer.error, request) ?? answer.response) : answer.response;
    }
  }

  function serves(url: string): boolean {
    const path = pathOf(url);
    return path !== undefined && (routes.has(path) || browserPaths.includes(path));
  }

  async function handle(request: OAuthRequest, handleOptions: HandleOptions = {}): Promise<OAuthResponse | undefined> {
    if (tracing === undefined) return route(request, handleOptions);
    const path = pathOf(request.url);
    if (path === undefined || !serves(request.url)) return route(request, handleOptions);
    return tracing.span(spanNameOf(options.endpoints as unknown as Record<string, string>, path), async (span) => {
      const response = await route(request, handleOptions);
      recordOutcome(span, response);
      return response;
    }, requestAttributes(request));
  }

  async function route(request: OAuthRequest, handleOptions: HandleOptions): Promise<OAuthResponse | undefined> {
    try {
      const path = pathOf(request.url);
      if (path === undefined) return undefined;
      const { interaction, credentials } = handleOptions;
      if (path === authorizationPath) return interaction ? await authorizationFlow(request, interaction) : NO_INTERACTION;
      if (device && path === device.path) {
        const page = interaction?.device?.bind(interaction);
        return page ? await device.run(request, page) : NO_DEVICE_INTERACTION;
      }
      const endpoint = routes.get(path);
      return endpoint ? await endpoint(request, credentials) : undefined;
    } catch (err) {
      // The endpoints answer their own errors; this is the last fence, so that no request escapes as a throw.
      return errorResponse(oauthErrorOf(err, options.onError));
    }
  }

  return { paths: [...routes.keys(), ...browserPaths], serves, handle };
}
