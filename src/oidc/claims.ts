/**
 * The end-user's claims: the standard ones (OpenID Connect Core 1.0 §5.1), the scope values that
 * ask for them (§5.4), and the check a config or model's claims must pass.
 */
import type { User } from '../types.js';

/** Core §5.4: the claims each scope value asks for. */
export const SCOPE_CLAIMS: Readonly<Record<string, readonly string[]>> = {
  profile: [
    'name', 'family_name', 'given_name', 'middle_name', 'nickname', 'preferred_username', 'profile',
    'picture', 'website', 'gender', 'birthdate', 'zoneinfo', 'locale', 'updated_at',
  ],
  email: ['email', 'email_verified'],
  address: ['address'],
  phone: ['phone_number', 'phone_number_verified'],
};

/** Core §5.1: every standard claim but `sub`, which the server sets itself from the user's id. */
export const STANDARD_CLAIMS: readonly string[] = Object.values(SCOPE_CLAIMS).flat();

/** Core §5.4 and §11: the scope values an OpenID Provider understands. */
export const OPENID_SCOPES: readonly string[] = ['openid', ...Object.keys(SCOPE_CLAIMS), 'offline_access'];

/** Core §5.1.1: the members of the `address` claim. */
const ADDRESS_MEMBERS = ['formatted', 'street_address', 'locality', 'region', 'postal_code', 'country'];

/** A user's claims by name (Core §5.1), without `sub`. */
export type UserClaims = Readonly<Record<string, unknown>>;

/** Core §5.1: the JSON type each standard claim has. */
function typeProblem(name: string, value: unknown): string | undefined {
  if (name === 'email_verified' || name === 'phone_number_verified') return typeof value === 'boolean' ? undefined : 'must be true or false';
  if (name === 'updated_at') return Number.isInteger(value) ? undefined : 'must be a whole number of seconds since the epoch';
  if (name === 'address') {
    if (typeof value !== 'object' || value === null || Array.isArray(value)) return 'must be an object (Core §5.1.1)';
    const bad = Object.entries(value).find(([member, v]) => !ADDRESS_MEMBERS.includes(member) || typeof v !== 'string');
    return bad ? `has "${bad[0]}": members are strings named ${ADDRESS_MEMBERS.join(', ')}` : undefined;
  }
  return typeof value === 'string' && value !== '' ? undefined : 'must be a non-empty string';
}

/** Why these claims are not standard claims with the right types (naming the first bad one), or undefined when they are. */
export function claimsProblem(claims: Readonly<Record<string, unknown>>):
  | {
      /** The first claim at fault. */
      claim: string;
      /** What is wrong with it, to follow the claim's name. */
      message: string;
    }
  | undefined {
  for (const [name, value] of Object.entries(claims)) {
    if (!STANDARD_CLAIMS.includes(name)) return { claim: name, message: `is not a standard claim (OpenID Connect Core §5.1); allowed: ${STANDARD_CLAIMS.join(', ')}` };
    const problem = typeProblem(name, value);
    if (problem) return { claim: name, message: problem };
  }
  return undefined;
}

/** Core §5.4: of the user's claims, only those the granted scope asks for. */
export function claimsForScope(scope: readonly string[], claims: UserClaims | null | undefined): Record<string, unknown> {
  const released: Record<string, unknown> = {};
  if (!claims) return released;
  for (const name of scope.flatMap((value) => SCOPE_CLAIMS[value] ?? [])) {
    if (claims[name] !== undefined) released[name] = claims[name];
  }
  return released;
}

/** Core §2, §8: the stable, locally unique subject identifier of a user (public subject type). */
export function subjectOf(user: User): string | undefined {
  return user.id ?? user.username;
}
