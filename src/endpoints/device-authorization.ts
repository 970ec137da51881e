/**
 * The device authorization endpoint (RFC 8628 §3.1-3.2): a device that cannot show a browser asks
 * for a device code (its credential for polling) and a user code (what the person types at the
 * verification page). Client authentication as at the token endpoint; public clients allowed.
 */
import type { DeviceCodeModel } from '../model.js';
import type { OAuthRequest, OAuthResponse } from '../types.js';
import type { ResolvedOptions } from '../options.js';
import { UnauthorizedClientError } from '../errors.js';
import { authenticateClient, clientAuthPolicy } from '../client-auth.js';
import { errorResponse, jsonResponse, oauthErrorOf } from '../response.js';
import { parseScope } from '../scope.js';
import { precheckScope } from '../validate-scope.js';
import { requestedResources } from '../resource-indicators.js';
import { DEFAULT_INTERVAL, createDeviceAuthorization } from '../device-records.js';
import { displayUserCode } from '../user-code.js';
import { DEVICE_CODE } from '../grants/device-code.js';
import { readFormPost } from './form-post.js';

export interface DeviceAuthorizationContext {
  model: DeviceCodeModel;
  options: ResolvedOptions;
}

/** The §3.2 success body. */
export interface DeviceAuthorizationResponse {
  device_code: string;
  user_code: string;
  verification_uri: string;
  verification_uri_complete: string;
  expires_in: number;
  interval: number;
}

/** Where the person goes (§3.2 `verification_uri`): the verification page on the issuer. */
export function verificationUri(options: ResolvedOptions): string {
  return `${options.issuer}${options.endpoints.deviceVerification}`;
}

/**
 * Handles a device authorization request (§3.1) and answers §3.2's JSON, or a §3.2/RFC 6749 §5.2 error.
 * @see https://www.rfc-editor.org/rfc/rfc8628#section-3.1
 */
export async function deviceAuthorizationEndpoint(context: DeviceAuthorizationContext, request: OAuthRequest): Promise<OAuthResponse> {
  const { model, options } = context;
  try {
    const params = readFormPost(request, options);
    const client = await authenticateClient(request, params, model, clientAuthPolicy(options, options.endpoints.deviceAuthorization));
    // §3.1 refers to RFC 6749 §5.2 for errors: a client not registered for the grant is unauthorized_client.
    if (!client.grant_types.includes(DEVICE_CODE)) throw new UnauthorizedClientError(`This client may not use the ${DEVICE_CODE} grant`);
    // The scope and resources are checked as the token endpoint would, before anyone is asked.
    const scope = parseScope(params.scope);
    precheckScope(model, client, scope);
    const resources = requestedResources(params, options.resources);
    const ttl = options.deviceCodeTtl;
    const { deviceCode, userCode } = await createDeviceAuthorization(model, { client, scope, resources, ttl, now: new Date() });
    const uri = verificationUri(options);
    const shown = displayUserCode(userCode);
    const body: DeviceAuthorizationResponse = {
      device_code: deviceCode,
      user_code: shown,
      verification_uri: uri,
      // §3.3.1: the user code in the URI, for a QR code; the page still has the person confirm it (§5.4).
      verification_uri_complete: `${uri}?${new URLSearchParams({ user_code: shown })}`,
      expires_in: ttl,
      interval: DEFAULT_INTERVAL,
    };
    // jsonResponse sends Cache-Control: no-store (§3.2 by way of RFC 6749 §5.1).
    return jsonResponse(200, body);
  } catch (err) {
    return errorResponse(oauthErrorOf(err, options.onError));
  }
}
