/**
 * The Fetch API host, for Hono, Bun, Deno and Workers: Request -> OAuthRequest, OAuthResponse -> Response,
 * and a `(request) => Promise<Response>` handler serving the endpoints. Web APIs only.
 */
import type { AuthorizationServer } from '../authorization-server.js';
import type { AuthenticateOptions, AuthenticateResult } from '../endpoints/authenticate.js';
import type { HandleOptions } from '../interaction.js';
import type { OAuthRequest, OAuthResponse } from '../types.js';

/** Options of `fetchHandler`: the `handle` options, and what answers the other paths. */
export interface FetchHandlerOptions extends HandleOptions {
  /** Answers paths that are not OAuth endpoints. Default: 404. */
  fallback?: (request: Request) => Response | Promise<Response>;
}

/** The body's bytes, at most `limit + 1` of them: an oversized body reaches the core still oversized, and it refuses it. */
async function readBody(request: Request, limit: number): Promise<Uint8Array> {
  if (!request.body) return new Uint8Array(0);
  const reader = request.body.getReader();
  const chunks: Uint8Array[] = [];
  let size = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    chunks.push(value);
    size += value.byteLength;
    if (size > limit) {
      await reader.cancel();
      break;
    }
  }
  const body = new Uint8Array(size);
  let offset = 0;
  for (const chunk of chunks) {
    body.set(chunk, offset);
    offset += chunk.byteLength;
  }
  return body.subarray(0, limit + 1);
}

/** The request as the core sees it: headers, the full URL, and the raw body read up to `maxBodyBytes + 1` bytes. */
export async function toOAuthRequest(request: Request, maxBodyBytes = 64 * 1024): Promise<OAuthRequest> {
  const headers = Object.fromEntries(request.headers);
  const method = request.method;
  if (method === 'GET' || method === 'HEAD') return { method, url: request.url, headers };
  return { method, url: request.url, headers, body: await readBody(request, maxBodyBytes) };
}

/** The OAuthResponse as a Response. There is no native response to write to: the Response is returned. */
export function sendOAuthResponse(response: OAuthResponse): Response {
  return new Response(response.body === '' ? null : response.body, { status: response.status, headers: response.headers });
}

/**
 * What the Fetch `authenticate` answers: the core's authenticated result as it is (the token, and
 * the headers to send with the resource's answer), or the challenge as a ready Response.
 */
export type FetchAuthenticateResult =
  | Extract<
      AuthenticateResult,
      {
        /** The core's authenticated half, as it is. */
        type: 'authenticated';
      }
    >
  | {
      /** Refused. */
      type: 'error';
      /** The response to send, with its `WWW-Authenticate` challenge (RFC 6750 §3). */
      response: Response;
    };

/**
 * RFC 6750 bearer check of a request to a protected resource. The body is read only when the
 * server accepts tokens in it (`allowBearerTokensInBody`); pass a `request.clone()` then if
 * the handler reads the body too.
 */
export async function authenticate(server: AuthorizationServer, request: Request, options?: AuthenticateOptions): Promise<FetchAuthenticateResult> {
  const { allowBearerTokensInBody, maxBodyBytes } = server.options;
  const oauthRequest = allowBearerTokensInBody
    ? await toOAuthRequest(request, maxBodyBytes)
    : { method: request.method, url: request.url, headers: Object.fromEntries(request.headers) };
  const result = await server.authenticate(oauthRequest, options);
  return result.type === 'authenticated' ? result : { type: 'error', response: sendOAuthResponse(result.response) };
}

/**
 * A Fetch handler serving the core's endpoints through `server.handle` (the authorization endpoint
 * too, with an `interaction`); other paths go to `fallback`. Every method reaches the endpoints,
 * so the core answers a wrong one itself.
 * @example app.all('*', (c) => handler(c.req.raw)) // Hono; Bun.serve({ fetch: handler }); Deno.serve(handler)
 */
export function fetchHandler(server: AuthorizationServer, options: FetchHandlerOptions = {}): (request: Request) => Promise<Response> {
  const { maxBodyBytes } = server.options;
  const { fallback, ...handleOptions } = options;
  const notFound = (): Response => new Response('Not found', { status: 404, headers: { 'Content-Type': 'text/plain' } });

  return async (request) => {
    if (!server.serves(request.url)) return fallback ? fallback(request) : notFound();
    const response = await server.handle(await toOAuthRequest(request, maxBodyBytes), handleOptions);
    return response ? sendOAuthResponse(response) : notFound();
  };
}
