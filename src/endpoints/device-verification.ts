/**
 * The device verification step (RFC 8628 §3.3) through the one router: the host's interaction
 * shows the pages; the core looks up the pending authorization by user code and records the
 * decision, so the protocol state is never in the host's hands.
 */
import type { DeviceCodeModel } from '../model.js';
import type { OAuthRequest, OAuthResponse } from '../types.js';
import type { ResolvedOptions } from '../options.js';
import type { DeviceDecisionResult, DeviceInteractionContext, PendingDeviceAuthorization } from '../interaction.js';
import type { AuthorizationDecision } from './authorize.js';
import { InvalidScopeError } from '../errors.js';
import { validateScope } from '../validate-scope.js';
import { scopeForResources } from '../resource-indicators.js';
import { USER_CODE_RECORD, findByUserCode, updateDevice } from '../device-records.js';
import { displayUserCode } from '../user-code.js';

export interface DeviceVerificationContext {
  model: DeviceCodeModel;
  options: ResolvedOptions;
}

/** The verification page's path and its handler, for the router. */
export interface DeviceVerification {
  readonly path: string;
  /** Runs the host's page (`interaction.device`) with the lookup and decision steps. */
  run(request: OAuthRequest, page: (context: DeviceInteractionContext) => Promise<OAuthResponse>): Promise<OAuthResponse>;
}

export function deviceVerification(context: DeviceVerificationContext): DeviceVerification {
  const { model, options } = context;

  async function lookup(typed: string): Promise<PendingDeviceAuthorization | null> {
    const found = await findByUserCode(model, typed, new Date());
    if (!found) return null;
    const client = await model.getClient(found.device.clientId, null);
    if (!client) return null;
    const { device } = found;
    return {
      client,
      scope: device.scope ?? undefined,
      resources: device.resources ?? undefined,
      userCode: displayUserCode(device.userCode),
      expiresAt: new Date(device.expiresAt),
    };
  }

  async function decide(typed: string, decision: AuthorizationDecision): Promise<DeviceDecisionResult> {
    const now = new Date();
    const found = await findByUserCode(model, typed, now);
    const client = found && (await model.getClient(found.device.clientId, null));
    if (!found || !client) return 'gone';
    let grantedScope: string[] | null = null;
    if (decision.allow) {
      try {
        const allowed = await validateScope(model, decision.user, client, decision.scope ?? found.device.scope ?? undefined);
        // RFC 8707: what the resources asked for do not serve is not granted.
        grantedScope = scopeForResources(allowed, found.device.resources ?? undefined, options.resources);
      } catch (err) {
        if (!(err instanceof InvalidScopeError)) throw err;
      }
    }
    const status = grantedScope === null ? 'denied' : 'approved';
    const authTime = decision.authTime === undefined ? null : Math.floor(decision.authTime.getTime() / 1000);
    // Decided once: only a record still pending and unexpired takes the decision.
    const written = await updateDevice(model, found.key, (device) =>
      device.status === 'pending' && device.expiresAt > now.getTime() ? { ...device, status, user: decision.user, grantedScope, authTime } : undefined,
    );
    if (!written) return 'gone';
    // The user code is used up (§6.1): it names nothing any more, and may be handed out again.
    await model.takeRecord(USER_CODE_RECORD, found.device.userCode);
    return status;
  }

  return {
    path: options.endpoints.deviceVerification,
    run: (request, page) => page({ request, lookup, decide }),
  };
}
