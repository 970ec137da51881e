/** The `claims` request parameter: OpenID Connect Core 1.0 §5.5, parsed and checked. */
import type { ClaimsRequest } from '../openid.js';
import { InvalidRequestError } from '../errors.js';
import { STANDARD_CLAIMS } from './claims.js';

type JsonObject = Record<string, unknown>;
const isObject = (value: unknown): value is JsonObject => typeof value === 'object' && value !== null && !Array.isArray(value);
const invalid = (detail: string) => new InvalidRequestError(`The claims parameter ${detail} (OpenID Connect Core §5.5)`);

/** §5.5.1: each claim is null (voluntary) or an object whose `essential` is a boolean and `values` an array. */
function checkMember(member: unknown, name: string): JsonObject {
  if (member === undefined || member === null) return {};
  if (!isObject(member)) throw invalid(`member ${name} must be a JSON object`);
  for (const request of Object.values(member)) {
    if (request === null) continue;
    if (!isObject(request)) throw invalid(`member ${name} must map each claim to null or an object`);
    if (request.essential !== undefined && typeof request.essential !== 'boolean') throw invalid('has an essential that is not true or false');
    if (request.values !== undefined && !Array.isArray(request.values)) throw invalid('has values that are not an array');
  }
  return member;
}

/** The `sub` value a member asks for (§5.5.1), if any. */
function subjectValue(member: JsonObject): string | undefined {
  const sub = member.sub;
  return isObject(sub) && typeof sub.value === 'string' ? sub.value : undefined;
}

/**
 * §5.5: the claims a request names for UserInfo and the ID token. Only standard claims are kept (no
 * other can be released, and the grant's record stays small); other members are ignored (§5.5).
 */
export function parseClaimsRequest(value: string | undefined): ClaimsRequest | undefined {
  if (value === undefined) return undefined;
  let parsed: unknown;
  try {
    parsed = JSON.parse(value);
  } catch {
    throw invalid('is not valid JSON');
  }
  if (!isObject(parsed)) throw invalid('must be a JSON object');
  const userinfo = checkMember(parsed.userinfo, 'userinfo');
  const idToken = checkMember(parsed.id_token, 'id_token');
  const standard = (member: JsonObject) => Object.keys(member).filter((name) => STANDARD_CLAIMS.includes(name));
  const asked = [subjectValue(userinfo), subjectValue(idToken)].filter((sub) => sub !== undefined);
  if (asked.length === 2 && asked[0] !== asked[1]) throw invalid('asks for two different sub values');
  return { userinfo: standard(userinfo), idToken: standard(idToken), ...(asked[0] !== undefined && { subject: asked[0] }) };
}

/** §5.5: of the user's claims, those named (each released when the user has it, essential or not). */
export function namedClaims(names: readonly string[] | undefined, claims: Readonly<Record<string, unknown>> | null | undefined): Record<string, unknown> {
  const released: Record<string, unknown> = {};
  for (const name of names ?? []) if (claims?.[name] !== undefined && STANDARD_CLAIMS.includes(name)) released[name] = claims[name];
  return released;
}
