/** Deciding the scope to grant: the model's `validateScope`, or the safe default. RFC 6749 §3.3. */
import type { BaseModel } from './model.js';
import type { Client, User } from './types.js';
import { InvalidScopeError } from './errors.js';
import { isSubset, parseScope } from './scope.js';

/**
 * The default policy: a client may ask for any part of its registered `scope`; asking for
 * nothing grants all of it (§3.3 lets the server apply a default). A client registered without
 * a scope gets exactly what it asks for.
 */
function defaultScope(client: Client, requested: string[] | undefined): string[] | false {
  const allowed = parseScope(client.scope);
  if (allowed === undefined) return requested ?? [];
  if (requested === undefined) return allowed;
  return isSubset(requested, allowed) ? requested : false;
}

const REFUSED = 'The requested scope is invalid, unknown, or exceeds what this client may ask for';

/**
 * Refuses at once, before the person signs in, a scope the default policy would refuse after.
 * A model with its own `validateScope` decides only once the user is known.
 */
export function precheckScope(model: BaseModel, client: Client, requested: string[] | undefined): void {
  if (!model.validateScope && defaultScope(client, requested) === false) throw new InvalidScopeError(REFUSED);
}

/** The scope to grant, or `invalid_scope` when the model (or the default policy) refuses. */
export async function validateScope(
  model: BaseModel,
  user: User,
  client: Client,
  requested: string[] | undefined,
): Promise<string[]> {
  const granted = model.validateScope
    ? await model.validateScope(user, client, requested ?? [])
    : defaultScope(client, requested);
  if (!granted) throw new InvalidScopeError(REFUSED);
  return granted;
}
