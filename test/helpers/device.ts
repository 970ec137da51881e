/** The device authorization grant (RFC 8628) against the core: a server with it on, starting, deciding, polling. */
import type { AuthorizationDecision, AuthorizationServer, OAuthRequest, OAuthResponse } from '../../src/index.js';
import type { DeviceDecisionResult, PendingDeviceAuthorization } from '../../src/interaction.js';
import { atVerificationPage } from '../../src/testing/device-polls.js';
import type { Store } from '../../src/stores/store.js';
import { createTestServer, skyvault } from './fixtures.js';
import type { ServerOverrides } from './hosts.js';
import { tokenRequest } from './http.js';

export const DEVICE_CODE = 'urn:ietf:params:oauth:grant-type:device_code';
export const DEVICE_AUTHORIZATION_PATH = '/oauth/device_authorization';

/** A public client on a TV: the device grant and refresh tokens, no secret. */
export const tv = { client_id: 'tv', client_name: 'Living-room TV', redirect_uris: [], grant_types: [DEVICE_CODE, 'refresh_token'], scope: 'read write' };
export const TV: readonly [string] = ['tv'];

export interface DeviceServer {
  server: AuthorizationServer;
  store: Store;
  /** A request through `handle`, the response with lower-case header names as HTTP hands them over. */
  call(request: OAuthRequest): Promise<OAuthResponse>;
}

/** A server over the memory store with the device grant on; the TV client and SkyVault (confidential) may use it. */
export async function deviceServer(overrides: ServerOverrides = {}): Promise<DeviceServer> {
  const { server, store } = await createTestServer({ grantTypes: ['authorization_code', 'client_credentials', 'refresh_token', DEVICE_CODE], ...overrides });
  await store.saveClient(tv);
  await store.saveClient({ ...skyvault, grant_types: [...skyvault.grant_types, DEVICE_CODE] });
  async function call(request: OAuthRequest): Promise<OAuthResponse> {
    const response = await server.handle(request);
    if (!response) throw new Error(`nothing serves ${request.url}`);
    return { ...response, headers: Object.fromEntries(Object.entries(response.headers).map(([k, v]) => [k.toLowerCase(), v])) };
  }
  return { server, store, call };
}

/** A device authorization request (§3.1): the public TV client by default, or Basic credentials. */
export function deviceRequest(params: Record<string, string> = {}, auth?: readonly [string, string]): OAuthRequest {
  return tokenRequest(auth ? params : { client_id: 'tv', ...params }, auth, DEVICE_AUTHORIZATION_PATH);
}

/** A device access token request (§3.4). */
export function pollRequest(deviceCode: string, auth?: readonly [string, string]): OAuthRequest {
  return tokenRequest(auth ? { grant_type: DEVICE_CODE, device_code: deviceCode } : { grant_type: DEVICE_CODE, device_code: deviceCode, client_id: 'tv' }, auth);
}

/** The person's decision for a user code, as the core records it. */
export function decide(server: AuthorizationServer, userCode: string, decision: AuthorizationDecision): Promise<DeviceDecisionResult> {
  return atVerificationPage(server, (context) => context.decide(userCode, decision));
}

/** What the verification page finds for a typed user code. */
export function lookup(server: AuthorizationServer, typed: string): Promise<PendingDeviceAuthorization | null> {
  return atVerificationPage(server, (context) => context.lookup(typed));
}
