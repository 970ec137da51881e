/**
 * OAuth errors thrown by the app's model: node-oauth2-server lets them through to the client
 * (`getUser` throwing `InvalidGrantError('Account locked')` answers 400 `invalid_grant`), a common
 * model idiom. The core would answer any foreign exception as `server_error`, so each model call
 * records such an error for the request in progress and hands the core its own error of that code;
 * the compat server then rejects with the model's very error object.
 */
import { AsyncLocalStorage } from 'node:async_hooks';
import { ServerError as CoreServerError, errorClasses } from '../errors.js';
import type { OAuthErrorCode, OAuthErrorOptions } from '../errors.js';
import type { CompatModel } from './model.js';
import { isOAuthError } from './classes.js';
import type { OAuthError } from './classes.js';

/** What one compat call learned from the model. */
export interface ModelErrorSlot {
  error?: OAuthError;
}

const slots = new AsyncLocalStorage<ModelErrorSlot>();

/** Runs one compat call with a slot for the model's OAuth error. */
export function withModelErrors<T>(slot: ModelErrorSlot, run: () => Promise<T>): Promise<T> {
  return slots.run(slot, run);
}

/** The core's error for the model's: same code, status and description; a code the core lacks answers `server_error` until the compat layer puts the model's own back. */
function coreErrorFor(error: OAuthError): Error {
  const CoreError = Object.hasOwn(errorClasses, error.name)
    ? (errorClasses[error.name as OAuthErrorCode] as new (description: string, options: OAuthErrorOptions) => Error)
    : undefined;
  if (CoreError) return new CoreError(error.message, { status: error.code, cause: error });
  return new CoreServerError(error.message, { cause: error });
}

/** What to throw into the core for an exception from the app's code: an OAuth error is recorded and becomes the core's own; anything else stays as is. */
export function crossing(err: unknown): unknown {
  if (!isOAuthError(err)) return err;
  const slot = slots.getStore();
  if (slot && !slot.error) slot.error = err;
  return coreErrorFor(err);
}

/** The model with every function guarded: an OAuth error is recorded and crosses into the core as the core's own. */
export function guardModel(model: CompatModel): CompatModel {
  const guarded: Record<string, unknown> = Object.create(model) as Record<string, unknown>;
  for (const [name, value] of Object.entries(allFunctions(model))) {
    // Synchronous results stay synchronous: an extension grant may call its model's own helpers.
    guarded[name] = function (...args: unknown[]): unknown {
      let result: unknown;
      try {
        result = value.apply(model, args);
      } catch (err) {
        throw crossing(err);
      }
      // Any thenable (a model may still return Bluebird promises).
      const thenable = typeof (result as PromiseLike<unknown> | null)?.then === 'function';
      return thenable ? Promise.resolve(result).catch((err: unknown) => Promise.reject(crossing(err))) : result;
    };
  }
  return guarded as unknown as CompatModel;
}

/** The model's functions, own and inherited (a model may be a class instance). */
function allFunctions(model: object): Record<string, (...args: unknown[]) => unknown> {
  const functions: Record<string, (...args: unknown[]) => unknown> = {};
  for (let object: object | null = model; object && object !== Object.prototype; object = Object.getPrototypeOf(object) as object | null) {
    for (const name of Object.getOwnPropertyNames(object)) {
      const value: unknown = (model as Record<string, unknown>)[name];
      if (name !== 'constructor' && typeof value === 'function' && !(name in functions)) functions[name] = value as (...args: unknown[]) => unknown;
    }
  }
  return functions;
}
