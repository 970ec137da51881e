/**
 * CORS (Fetch standard, "CORS protocol") for the endpoints a browser app calls: metadata, JWKS,
 * token, revocation, registration and protected-resource metadata. Never for the authorization
 * endpoint's pages, which are navigated to, not fetched. A request from an origin that is not
 * allowed is refused at the endpoints that change state before they do anything (a refused token
 * request must not burn the code it carries).
 */
import type { FastifyInstance, FastifyReply } from 'fastify';
import { InvalidRequestError, errorResponse } from '../index.js';
import { sendOAuthResponse } from '../adapters/fastify.js';
import { PROTECTED_RESOURCE_METADATA_PATH } from '../resource-server.js';

export interface CorsOptions {
  /** Origins allowed besides the server's own, e.g. `https://app.example.com`. */
  origins: readonly string[];
  issuer: string;
  /** Paths browser apps may read across origins. */
  paths: readonly string[];
  /** Of those, the ones that change state: a foreign origin is refused there before anything happens. */
  stateChanging: readonly string[];
}

/** How long a browser may cache a preflight answer, in seconds. */
const PREFLIGHT_MAX_AGE = '600';

function pathOf(url: string): string {
  const q = url.indexOf('?');
  return q === -1 ? url : url.slice(0, q);
}

export function mountCors(app: FastifyInstance, options: CorsOptions): void {
  const own = new URL(options.issuer).origin;
  const allowed = new Set(options.origins);
  const paths = new Set(options.paths);
  const stateChanging = new Set(options.stateChanging);
  const covers = (path: string): boolean => paths.has(path) || path.startsWith(`${PROTECTED_RESOURCE_METADATA_PATH}/`) || path === PROTECTED_RESOURCE_METADATA_PATH;

  const allow = (reply: FastifyReply, origin: string): void => {
    reply.header('Access-Control-Allow-Origin', origin);
    // Bearer challenges and rate-limit answers must be readable by the app, and DPoP nonces (RFC 9449 §8).
    reply.header('Access-Control-Expose-Headers', 'WWW-Authenticate, Retry-After, DPoP-Nonce');
  };

  // A callback hook, not an async one: it runs on every request, and a promise per request is
  // two microtask turns of Fastify's hook runner for a hook that usually returns at once.
  app.addHook('onRequest', (request, reply, done) => {
    const path = pathOf(request.url);
    if (!covers(path)) return done();
    // Answers depend on the Origin: a shared cache must keep them apart.
    reply.header('Vary', 'Origin');
    const origin = request.headers.origin;
    if (origin === undefined || origin === own) return done();
    const ok = allowed.has(origin);
    // An answer sent here ends the request: Fastify runs no later hook, and done is not called.
    if (request.method === 'OPTIONS' && request.headers['access-control-request-method'] !== undefined) {
      if (!ok) return void reply.code(403).type('text/plain; charset=utf-8').send('Origin not allowed');
      allow(reply, origin);
      return void reply
        .code(204)
        .header('Access-Control-Allow-Methods', 'GET, POST, PUT, DELETE')
        .header('Access-Control-Allow-Headers', 'Authorization, Content-Type, DPoP')
        .header('Access-Control-Max-Age', PREFLIGHT_MAX_AGE)
        .send();
    }
    if (ok) allow(reply, origin);
    else if (stateChanging.has(path)) {
      return void sendOAuthResponse(reply.code(403), errorResponse(new InvalidRequestError(`Requests from the origin ${origin} are not allowed here`, { status: 403 })));
    }
    done();
  });
}
