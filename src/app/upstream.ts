/**
 * The external_token grant's upstream check: every imported access token is introspected at the
 * upstream authorization server (RFC 7662 §2) before it is accepted here.
 */
import { TemporarilyUnavailableError } from '../index.js';
import type { UpstreamConfig } from './config.js';

/** For the whole exchange, the answer's body included (the signal aborts its reading too). */
const TIMEOUT_MS = 5000;
/** An introspection answer is a few hundred bytes; anything near this is not one, and is not read further. */
export const MAX_UPSTREAM_ANSWER_BYTES = 64 * 1024;

/** RFC 6749 §2.3.1: client id and secret are form-encoded before Base64. */
function basic(clientId: string, clientSecret: string): string {
  const encode = (value: string): string => encodeURIComponent(value).replace(/%20/g, '+');
  return `Basic ${Buffer.from(`${encode(clientId)}:${encode(clientSecret)}`).toString('base64')}`;
}

/** The answer's body as text, refused past MAX_UPSTREAM_ANSWER_BYTES without reading the rest. */
async function readCapped(response: Response): Promise<string> {
  const tooLarge = () => new TemporarilyUnavailableError(`The upstream authorization server answered more than ${MAX_UPSTREAM_ANSWER_BYTES} bytes`);
  if (Number(response.headers.get('content-length')) > MAX_UPSTREAM_ANSWER_BYTES) {
    await response.body?.cancel();
    throw tooLarge();
  }
  const chunks: Uint8Array[] = [];
  let size = 0;
  const reader = response.body?.getReader();
  for (let next = await reader?.read(); next && !next.done; next = await reader?.read()) {
    size += next.value.byteLength;
    if (size > MAX_UPSTREAM_ANSWER_BYTES) {
      await reader?.cancel();
      throw tooLarge();
    }
    chunks.push(next.value);
  }
  return Buffer.concat(chunks).toString('utf8');
}

/**
 * Accepts the token when the upstream says it is `active` (RFC 7662 §2.2), has a numeric `exp`
 * (when it has one at all) that has not passed, and, when the upstream names a `username`, it is
 * the resource owner who signed in here. The answer is read up to MAX_UPSTREAM_ANSWER_BYTES.
 * An upstream that cannot be reached or answers otherwise than 200 makes the import `temporarily_unavailable`.
 */
export function createUpstreamVerifier(upstream: UpstreamConfig) {
  return async function verifyUpstream(accessToken: string, context: { username: string }): Promise<boolean> {
    let response: Response;
    try {
      response = await fetch(upstream.introspectionUri, {
        method: 'POST',
        headers: {
          authorization: basic(upstream.clientId, upstream.clientSecret),
          'content-type': 'application/x-www-form-urlencoded',
          accept: 'application/json',
        },
        body: new URLSearchParams({ token: accessToken, token_type_hint: 'access_token' }),
        signal: AbortSignal.timeout(TIMEOUT_MS),
        redirect: 'error',
      });
    } catch (err) {
      throw new TemporarilyUnavailableError('The upstream authorization server could not be reached', { cause: err });
    }
    if (response.status !== 200) throw new TemporarilyUnavailableError(`The upstream authorization server answered ${response.status}`);
    let text: string;
    try {
      text = await readCapped(response);
    } catch (err) {
      if (err instanceof TemporarilyUnavailableError) throw err;
      throw new TemporarilyUnavailableError('The upstream authorization server did not finish its answer', { cause: err });
    }
    let answer: unknown;
    try {
      answer = JSON.parse(text);
    } catch {
      answer = undefined;
    }
    if (typeof answer !== 'object' || answer === null) throw new TemporarilyUnavailableError('The upstream authorization server answered no JSON object');
    const { active, exp, username } = answer as Record<string, unknown>;
    if (active !== true) return false;
    // RFC 7662 §2.2: `exp` is a number of seconds; one that is not cannot show the token unexpired.
    if (exp !== undefined && (typeof exp !== 'number' || !Number.isFinite(exp))) return false;
    if (typeof exp === 'number' && exp * 1000 <= Date.now()) return false;
    return username === undefined || username === context.username;
  };
}
