/**
 * Device authorizations (RFC 8628) as records in the model's short-lived record store: one record
 * per device code, keyed by the code's hash (so no record value ever holds a device code), and one
 * per user code pointing at it. Every change is a compare-and-swap, so a poll, a second poll and
 * the person's decision never overwrite each other.
 */
import type { DeviceCodeModel, ModelRecord } from './model.js';
import type { Client, User } from './types.js';
import { hashToken, randomToken } from './secrets.js';
import { generateUserCode, normaliseUserCode } from './user-code.js';
import { ServerError } from './errors.js';

/** The record kinds in the model's record store. */
export const DEVICE_CODE_RECORD = 'device_code';
export const USER_CODE_RECORD = 'device_user_code';

/** RFC 8628 §3.2: the polling interval when none is given, and §3.5: what `slow_down` adds. */
export const DEFAULT_INTERVAL = 5;
export const SLOW_DOWN_STEP = 5;

/** What a device authorization is waiting for, and what the person decided. */
export type DeviceStatus = 'pending' | 'approved' | 'denied';

/** A device authorization as kept (plain JSON: persistent stores keep it as such). */
export interface DeviceRecord {
  clientId: string;
  /** The scope the device asked for; null when it asked none. */
  scope: string[] | null;
  /** The resources asked for (RFC 8707); null when none. */
  resources: string[] | null;
  /** The user code, normalised. */
  userCode: string;
  status: DeviceStatus;
  /** When the device code expires, in milliseconds since the epoch (`expires_in`, §3.2). */
  expiresAt: number;
  /** Seconds the device must wait between polls; grows with every `slow_down` (§3.5). */
  interval: number;
  /** The last poll, in milliseconds since the epoch; null before the first. */
  lastPollAt: number | null;
  /** Once decided: who. */
  user: User | null;
  /** Once approved: the scope granted. */
  grantedScope: string[] | null;
  /** When the person signed in, seconds since the epoch (OpenID Connect `auth_time`), if the host said. */
  authTime: number | null;
}

/** A device authorization found by its user code. */
export interface FoundDevice {
  key: string;
  record: ModelRecord;
  device: DeviceRecord;
}

/** How many user codes to try when one is taken (20^8 codes: a second collision is already unlikely). */
const USER_CODE_ATTEMPTS = 5;
/** How long a device record outlives its code, so that a late poll hears `expired_token` (§3.5), not `invalid_grant`. */
const EXPIRED_GRACE_MS = 10 * 60_000;
/** How often a compare-and-swap is retried after losing to another write. */
const WRITE_ATTEMPTS = 5;

/** The record key of a device code: its SHA-256, so the code itself is never stored (RFC 8628 §5.2 would allow it, but a leaked store then leaks nothing). */
export function deviceKey(deviceCode: string): string {
  return hashToken(deviceCode);
}

export function deviceRecordOf(record: ModelRecord): DeviceRecord {
  return record.value as unknown as DeviceRecord;
}

/** What the device authorization endpoint starts (§3.2). */
export interface NewDeviceAuthorization {
  client: Client;
  scope: string[] | undefined;
  resources: string[] | undefined;
  /** Seconds the codes live. */
  ttl: number;
  now: Date;
}

/**
 * Stores a new device authorization: a fresh user code (another one when it is taken), then the
 * device record. The device record outlives its code for a while, so that a late poll is told
 * `expired_token` rather than `invalid_grant` (§3.5).
 */
export async function createDeviceAuthorization(model: DeviceCodeModel, request: NewDeviceAuthorization): Promise<{ deviceCode: string; userCode: string }> {
  const deviceCode = randomToken();
  const key = deviceKey(deviceCode);
  const expiresAt = request.now.getTime() + request.ttl * 1000;
  for (let attempt = 0; attempt < USER_CODE_ATTEMPTS; attempt++) {
    const userCode = generateUserCode();
    if (!(await model.putRecord(USER_CODE_RECORD, userCode, { deviceKey: key }, { expiresAt: new Date(expiresAt) }))) continue;
    const device: DeviceRecord = {
      clientId: request.client.client_id,
      scope: request.scope ?? null,
      resources: request.resources ?? null,
      userCode,
      status: 'pending',
      expiresAt,
      interval: DEFAULT_INTERVAL,
      lastPollAt: null,
      user: null,
      grantedScope: null,
      authTime: null,
    };
    if (!(await model.putRecord(DEVICE_CODE_RECORD, key, { ...device }, { expiresAt: new Date(expiresAt + EXPIRED_GRACE_MS) }))) break;
    return { deviceCode, userCode };
  }
  throw new ServerError('Could not allocate a user code; try again');
}

/** The live, pending device authorization a typed user code names (§3.3), or null. */
export async function findByUserCode(model: DeviceCodeModel, typed: string, now: Date): Promise<FoundDevice | null> {
  const userCode = normaliseUserCode(typed);
  if (userCode === undefined) return null;
  const pointer = await model.getRecord(USER_CODE_RECORD, userCode);
  const key = pointer?.value['deviceKey'];
  if (typeof key !== 'string') return null;
  const record = await model.getRecord(DEVICE_CODE_RECORD, key);
  if (!record) return null;
  const device = deviceRecordOf(record);
  if (device.status !== 'pending' || device.userCode !== userCode || device.expiresAt <= now.getTime()) return null;
  return { key, record, device };
}

/**
 * Changes a device record by compare-and-swap, reading it again after losing to another write.
 * `change` answers the new value, or undefined to leave the record as it is. True when written.
 */
export async function updateDevice(
  model: DeviceCodeModel,
  key: string,
  change: (device: DeviceRecord) => DeviceRecord | undefined,
): Promise<boolean> {
  for (let attempt = 0; attempt < WRITE_ATTEMPTS; attempt++) {
    const record = await model.getRecord(DEVICE_CODE_RECORD, key);
    if (!record) return false;
    const next = change(deviceRecordOf(record));
    if (next === undefined) return false;
    if (await model.replaceRecord(DEVICE_CODE_RECORD, key, record.version, { ...next })) return true;
  }
  return false;
}
