/**
 * The external_token grant's upstream check: every imported access token is introspected at the
 * upstream authorization server (RFC 7662 §2) before it is accepted here.
 */
import { TemporarilyUnavailableError } from '../index.js';
import type { UpstreamConfig } from './config.js';

const TIMEOUT_MS = 5000;

/** RFC 6749 §2.3.1: client id and secret are form-encoded before Base64. */
function basic(clientId: string, clientSecret: string): string {
  const encode = (value: string): string => encodeURIComponent(value).replace(/%20/g, '+');
  return `Basic ${Buffer.from(`${encode(clientId)}:${encode(clientSecret)}`).toString('base64')}`;
}

/**
 * Accepts the token when the upstream says it is `active` (RFC 7662 §2.2), has not expired by its
 * `exp`, and, when the upstream names a `username`, it is the resource owner who signed in here.
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
    const answer: unknown = await response.json().catch(() => undefined);
    if (typeof answer !== 'object' || answer === null) throw new TemporarilyUnavailableError('The upstream authorization server answered no JSON object');
    const { active, exp, username } = answer as Record<string, unknown>;
    if (active !== true) return false;
    if (typeof exp === 'number' && exp * 1000 <= Date.now()) return false;
    return username === undefined || username === context.username;
  };
}
