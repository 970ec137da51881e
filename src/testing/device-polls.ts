/**
 * For the store contract: a device authorization (RFC 8628) on a server over the store under
 * test, approved, then polled by many devices at once, to show that its single redemption holds
 * on that store's record store.
 */
import { createAuthorizationServer } from '../authorization-server.js';
import type { AuthorizationServer } from '../authorization-server.js';
import type { DeviceInteractionContext } from '../interaction.js';
import type { Store } from '../stores/store.js';
import type { OAuthRequest, User } from '../types.js';
import { DEVICE_CODE } from '../grants/device-code.js';

const ISSUER = 'http://localhost';

function post(url: string, params: Record<string, string>, clientId: string, secret: string): OAuthRequest {
  const basic = Buffer.from(`${encodeURIComponent(clientId)}:${encodeURIComponent(secret)}`).toString('base64');
  return {
    method: 'POST',
    url,
    headers: { 'content-type': 'application/x-www-form-urlencoded', authorization: `Basic ${basic}` },
    body: new URLSearchParams(params).toString(),
  };
}

/** Runs the verification page (RFC 8628 §3.3) once, as a host's `interaction.device` would, and answers what `step` did there. */
export async function atVerificationPage<T>(server: AuthorizationServer, step: (context: DeviceInteractionContext) => Promise<T>): Promise<T> {
  let result: { value: T } | undefined;
  await server.handle({ method: 'GET', url: server.options.endpoints.deviceVerification, headers: {} }, {
    interaction: {
      authorize: async () => ({ type: 'response', response: { status: 501, headers: {}, body: '' } }),
      async device(context) {
        result = { value: await step(context) };
        return { status: 200, headers: {}, body: '' };
      },
    },
  });
  if (!result) throw new Error('the verification page did not run');
  return result.value;
}

/** The statuses of `polls` parallel token requests for one approved device code of this client. */
export async function approvedDevicePolls(
  store: Store,
  device: { clientId: string; secret: string; user: User },
  polls: number,
): Promise<number[]> {
  const server = createAuthorizationServer({ issuer: ISSUER, grantTypes: [DEVICE_CODE], model: store, onError: () => {} });
  const started = await server.handle(post('/oauth/device_authorization', {}, device.clientId, device.secret));
  if (started?.status !== 200) throw new Error(`device authorization failed: ${started?.body}`);
  const { device_code: deviceCode, user_code: userCode } = JSON.parse(started.body) as { device_code: string; user_code: string };
  // The person approves at the verification page: the host's page records the decision through the core.
  const decided = await atVerificationPage(server, ({ decide }) => decide(userCode, { user: device.user, allow: true }));
  if (decided !== 'approved') throw new Error(`the approval was not recorded: ${decided}`);
  const poll = post('/oauth/token', { grant_type: DEVICE_CODE, device_code: deviceCode }, device.clientId, device.secret);
  const answers = await Promise.all(Array.from({ length: polls }, () => server.handle(poll)));
  return answers.map((answer) => answer?.status ?? 0);
}
