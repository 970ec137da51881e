/** The OpenID parameters of an authorization request: OpenID Connect Core 1.0 §3.1.2.1, checked as §3.1.2.2 asks. */
import type { OpenIdAuthorizationRequest, Prompt } from '../openid.js';
import type { Params } from '../request.js';
import { InvalidRequestError, RequestNotSupportedError, RequestUriNotSupportedError } from '../errors.js';
import { parseClaimsRequest } from './claims-request.js';

const PROMPTS: readonly Prompt[] = ['none', 'login', 'consent', 'select_account'];

/** Core §3.1.2.1 `prompt`: space-delimited values; `none` with any other is an error. */
function prompts(value: string | undefined): Prompt[] {
  if (value === undefined) return [];
  const values = value.split(' ').filter((v) => v !== '');
  const unknown = values.find((v) => !(PROMPTS as readonly string[]).includes(v));
  if (unknown !== undefined) throw new InvalidRequestError(`Unsupported prompt value "${unknown}"; supported: ${PROMPTS.join(', ')}`);
  if (values.includes('none') && values.length > 1) throw new InvalidRequestError('prompt=none cannot be combined with another prompt value');
  return [...new Set(values)] as Prompt[];
}

/** Core §3.1.2.1 `max_age`: a non-negative number of seconds. */
function maxAge(value: string | undefined): number | undefined {
  if (value === undefined) return undefined;
  const seconds = /^\d{1,10}$/.test(value) ? Number(value) : NaN;
  if (!Number.isSafeInteger(seconds)) throw new InvalidRequestError('max_age must be a whole number of seconds, 0 or more');
  return seconds;
}

/**
 * Core §3.1.2.1: nonce, prompt, max_age, login_hint, ui_locales, acr_values; §5.5 claims.
 * `id_token_hint` and `display` are accepted and not used; `request` and `request_uri` (§6) are refused with their own codes.
 */
export function openIdAuthorizationRequest(params: Params): OpenIdAuthorizationRequest {
  // Core §6.1, §6.2: an OP that does not support request objects says so with these codes.
  if (params.request !== undefined) throw new RequestNotSupportedError('The request parameter (request objects) is not supported');
  if (params.request_uri !== undefined) throw new RequestUriNotSupportedError('The request_uri parameter is not supported');
  return {
    nonce: params.nonce,
    prompt: prompts(params.prompt),
    maxAge: maxAge(params.max_age),
    loginHint: params.login_hint,
    uiLocales: params.ui_locales,
    ...(params.claims !== undefined && { claims: parseClaimsRequest(params.claims) }),
    ...(params.acr_values !== undefined && { acrValues: params.acr_values.split(' ').filter((v) => v !== '') }),
  };
}
