/**
 * fast-check arbitraries for hostile requests: random methods, headers, content types, bodies,
 * repeated parameters, odd and invalid encodings, huge values, random Basic credentials.
 */
import fc from 'fast-check';
import type { OAuthRequest, OAuthResponse } from '../../src/index.js';
import { errorClasses } from '../../src/errors.js';
import type { OAuthErrorCode } from '../../src/errors.js';
import { basicAuth } from './http.js';

/** Values that stress a decoder: lone surrogates, bad escapes, separators, control characters. */
const TRICKY = ['', '%', '%zz', '%E0%A4', '%FF', '%00', '+', '&', '=', '&&==', '\uD800', '\uDFFF', '\u0000', '\r\n', '"', '\\', '../', 'é', '🦊', ' ', 'null', '[]', '{}'];

export const hostileString: fc.Arbitrary<string> = fc.oneof(
  { weight: 3, arbitrary: fc.string({ maxLength: 40 }) },
  { weight: 3, arbitrary: fc.string({ unit: 'binary', maxLength: 40 }) },
  { weight: 3, arbitrary: fc.constantFrom(...TRICKY) },
  { weight: 3, arbitrary: fc.array(fc.constantFrom(...TRICKY), { maxLength: 6 }).map((parts) => parts.join('')) },
  { weight: 1, arbitrary: fc.constantFrom(5_000, 70_000).map((n) => 'x'.repeat(n)) },
);

/** A value as it goes on the wire: percent-encoded, raw, or with + for spaces. */
function encodeSome(value: string, how: number): string {
  try {
    if (how === 0) return encodeURIComponent(value);
    if (how === 1) return encodeURIComponent(value).replace(/%20/g, '+');
  } catch {
    // A lone surrogate cannot be percent-encoded: send it raw.
  }
  return value;
}

/** Pairs (repeats allowed) form-encoded, each name and value encoded in a random way. */
export function encodePairs(pairs: ReadonlyArray<readonly [string, string]>): fc.Arbitrary<string> {
  return fc
    .array(fc.tuple(fc.nat(2), fc.nat(2)), { minLength: pairs.length, maxLength: pairs.length })
    .map((ways) => pairs.map(([name, value], i) => `${encodeSome(name, ways[i]?.[0] ?? 0)}=${encodeSome(value, ways[i]?.[1] ?? 0)}`).join('&'));
}

/** A form-encoded string of random pairs. */
export function formString(names: fc.Arbitrary<string>, values: fc.Arbitrary<string> = hostileString): fc.Arbitrary<string> {
  return fc.array(fc.tuple(names, values), { maxLength: 8 }).chain(encodePairs);
}

/** Mostly `preferred`, so that the other checks are reached too. */
export function method(preferred: string): fc.Arbitrary<string> {
  return fc.oneof(
    { weight: 8, arbitrary: fc.constant(preferred) },
    { weight: 1, arbitrary: fc.constantFrom('POST', 'post', 'GET', 'PUT', 'DELETE', 'PATCH', 'HEAD', 'OPTIONS', 'TRACE') },
    { weight: 1, arbitrary: fc.string({ maxLength: 8 }) },
  );
}

export const contentType = fc.oneof(
  { weight: 6, arbitrary: fc.constant('application/x-www-form-urlencoded') },
  fc.constant(undefined),
  fc.oneof(
    fc.constantFrom(
      'application/x-www-form-urlencoded',
      'application/x-www-form-urlencoded; charset=ISO-8859-1',
      'APPLICATION/X-WWW-FORM-URLENCODED',
      'application/json',
      'multipart/form-data; boundary=x',
      'text/plain',
      '',
    ),
    hostileString,
  ),
);

/** Authorization header values: none, random Basic, Basic of random bytes, other schemes, junk. */
export function authorization(valid: readonly string[]): fc.Arbitrary<string | undefined> {
  return fc.oneof(
    fc.constant(undefined),
    { weight: 4, arbitrary: fc.constantFrom(...valid) },
    fc.tuple(hostileString, hostileString).map(([id, secret]) => {
      try {
        return basicAuth(id, secret);
      } catch {
        return `Basic ${Buffer.from(`${id}:${secret}`).toString('base64')}`;
      }
    }),
    fc.uint8Array({ maxLength: 48 }).map((bytes) => `Basic ${Buffer.from(bytes).toString('base64')}`),
    fc.tuple(fc.constantFrom('Basic ', 'basic  ', 'Basic', 'Bearer ', 'Digest ', ''), hostileString).map(([scheme, rest]) => scheme + rest),
  );
}

/** A body: a form string, random text, random bytes (invalid UTF-8), or an object a framework parsed. */
export function body(form: fc.Arbitrary<string>, names: fc.Arbitrary<string>): fc.Arbitrary<OAuthRequest['body']> {
  const parsedValue = fc.oneof(hostileString, fc.array(hostileString, { maxLength: 3 }), fc.integer(), fc.constant(null), fc.dictionary(fc.string({ maxLength: 4 }), fc.string({ maxLength: 4 }), { maxKeys: 2 }));
  return fc.oneof(
    { weight: 4, arbitrary: form },
    { weight: 1, arbitrary: fc.constant(undefined) },
    { weight: 1, arbitrary: hostileString },
    { weight: 1, arbitrary: fc.uint8Array({ maxLength: 200 }) },
    { weight: 1, arbitrary: form.map((text) => new TextEncoder().encode(text)) },
    // A framework's parser may hand over numbers, nulls or nested objects, whatever the type says.
    { weight: 2, arbitrary: fc.dictionary(names, parsedValue, { maxKeys: 6 }) as unknown as fc.Arbitrary<OAuthRequest['body']> },
  );
}

/** The statuses each known code may be answered with. */
export function allowedStatuses(code: string): number[] {
  const errorClass = (errorClasses as Record<string, (typeof errorClasses)[OAuthErrorCode] | undefined>)[code];
  if (!errorClass) return [];
  const { status } = new errorClass('');
  // invalid_request is also 405 (method) and 413 (body size) at the form-POST endpoints.
  return code === 'invalid_request' ? [status, 405, 413] : [status];
}

/** RFC 6749 §5.2: error_description = 1*( %x20-21 / %x23-5B / %x5D-7E ). */
export const ERROR_DESCRIPTION = /^[\x20-\x21\x23-\x5B\x5D-\x7E]+$/;

/** Whether a response is a §5.2 error: JSON with a known code, its status, a description, below 500. */
export function isKnownError(response: OAuthResponse): boolean {
  if (response.status >= 500) return false;
  const parsed = JSON.parse(response.body) as { error?: unknown; error_description?: unknown };
  return (
    typeof parsed.error === 'string' &&
    typeof parsed.error_description === 'string' &&
    ERROR_DESCRIPTION.test(parsed.error_description) &&
    allowedStatuses(parsed.error).includes(response.status) &&
    (response.headers['Content-Type'] ?? '').startsWith('application/json')
  );
}
