/**
 * Pushed authorization requests kept between the PAR endpoint and the authorization endpoint
 * (RFC 9126 §2.2, §4), in the model's record store. A `request_uri` starts an authorization once,
 * within `expires_in`; the person's sign-in and consent pages then continue that one request
 * (§4 allows a reload) until the decision takes the record: one answer per `request_uri`.
 */
import { randomBytes } from 'node:crypto';
import type { PushedRequestModel } from './model.js';
import type { Params } from './request.js';
import { InvalidRequestUriError } from './errors.js';

/** RFC 9126 §2.2: the URN namespace the `request_uri` values live in. */
export const REQUEST_URI_PREFIX = 'urn:ietf:params:oauth:request_uri:';

const KIND = 'par';

/**
 * How long a started request stays continuable: the person signs in and consents in this time.
 * Ten minutes, the longest an authorization code may live (RFC 6749 §4.1.2).
 */
export const INTERACTION_SECONDS = 600;

/** What a record holds: the pushed parameters, whose they are, until when they may start. */
interface PushedRecord {
  [field: string]: unknown;
  client_id: string;
  params: Params;
  /** Epoch milliseconds: `expires_in` from the push (§2.2). */
  startBy: number;
  /** Set by the first authorization request that used it (§4: single use). */
  started?: true;
}

/** The functions the PAR and authorization endpoints share. */
export interface PushedRequests {
  /** Keeps validated parameters; answers the `request_uri` and its lifetime (RFC 9126 §2.2). */
  push(clientId: string, params: Params): Promise<{ request_uri: string; expires_in: number }>;
  /**
   * Keeps a verified request object's parameters (RFC 9101) as a request already started: the
   * sign-in and consent pages continue it by `request_uri`, so the object is verified (and its
   * `jti` spent) once, and the decision takes it as it takes a pushed one.
   */
  keep(clientId: string, params: Params): Promise<string>;
  /** The parameters pushed as `requestUri` by `clientId`; throws `invalid_request_uri` otherwise (§4). */
  resolve(clientId: string, requestUri: string): Promise<Params>;
  /** Takes the record for the decision: false when another decision took it first. */
  take(clientId: string, requestUri: string): Promise<boolean>;
}

/** Whether a `request_uri` is in the namespace this server's pushed requests use (RFC 9126 §2.2), not a URL to fetch (RFC 9101 §5.2). */
export function isPushedRequestUri(requestUri: string): boolean {
  return requestUri.startsWith(REQUEST_URI_PREFIX);
}

/** Whether a model has the record store PAR keeps its requests in. */
export function hasRecordStore(model: object): model is PushedRequestModel {
  const m = model as Record<string, unknown>;
  return ['putRecord', 'getRecord', 'replaceRecord', 'takeRecord'].every((fn) => typeof m[fn] === 'function');
}

/** An error the person sees on a page: the redirect URI is among the pushed parameters and not yet known. */
function refused(description: string): InvalidRequestUriError {
  return new InvalidRequestUriError(description, { redirectable: false });
}

const UNKNOWN = 'The request_uri is unknown, expired or already used (RFC 9126 §4)';

export function createPushedRequests(model: PushedRequestModel, ttlSeconds: number): PushedRequests {
  async function store(value: PushedRecord): Promise<string> {
    // RFC 9126 §2.2, RFC 9101 §10.2: the reference must not be guessable: 256 random bits.
    const requestUri = `${REQUEST_URI_PREFIX}${randomBytes(32).toString('base64url')}`;
    const expiresAt = new Date(value.startBy + INTERACTION_SECONDS * 1000);
    // A 256-bit key never collides; false would mean a broken store, not a retry.
    if (!(await model.putRecord(KIND, requestUri, value, { expiresAt }))) throw new Error('The store refused a new pushed request');
    return requestUri;
  }

  async function push(clientId: string, params: Params): Promise<{ request_uri: string; expires_in: number }> {
    const requestUri = await store({ client_id: clientId, params, startBy: Date.now() + ttlSeconds * 1000 });
    return { request_uri: requestUri, expires_in: ttlSeconds };
  }

  function keep(clientId: string, params: Params): Promise<string> {
    return store({ client_id: clientId, params, startBy: Date.now(), started: true });
  }

  async function resolve(clientId: string, requestUri: string): Promise<Params> {
    const record = await model.getRecord(KIND, requestUri);
    const value = record?.value as PushedRecord | undefined;
    // RFC 9126 §4: the request_uri must be the client's own; another client's is as good as unknown.
    if (!record || !value || value.client_id !== clientId) throw refused(UNKNOWN);
    if (value.started) return value.params;
    // RFC 9126 §4: "An expired request_uri MUST be rejected as invalid."
    if (Date.now() > value.startBy) throw refused(UNKNOWN);
    // Compare-and-swap: of two requests starting it at once, one wins (§4: one-time use).
    const started: PushedRecord = { ...value, started: true };
    if (!(await model.replaceRecord(KIND, requestUri, record.version, started))) throw refused(UNKNOWN);
    return value.params;
  }

  async function take(clientId: string, requestUri: string): Promise<boolean> {
    const record = await model.takeRecord(KIND, requestUri);
    return record !== null && (record.value as PushedRecord).client_id === clientId;
  }

  return { push, keep, resolve, take };
}
