/**
 * One suite, two hosts: the same tests drive the core directly (plain OAuthRequest objects) and
 * over real HTTP through the node:http host (`createRequestListener` on port 0, `fetch`).
 * Responses come back with lower-case header names from both, so a test reads them the same way.
 */
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, describe } from 'node:test';
import type { AuthorizationDecision, AuthorizationServer, OAuthRequest, OAuthResponse } from '../../src/index.js';
import type { Store } from '../../src/stores/store.js';
import { createRequestListener, sendOAuthResponse, toOAuthRequest } from '../../src/adapters/node.js';
import { createTestServer } from './fixtures.js';

export type HostName = 'core' | 'http';

/** What `authorize` answered: the core's result type, and the response as the wire shows it. */
export interface AuthorizeOutcome {
  type: 'interaction' | 'redirect' | 'error';
  response: OAuthResponse;
}

/** The endpoints of one authorization server, reached through one host. */
export interface Harness {
  host: HostName;
  server: AuthorizationServer;
  store: Store;
  token(request: OAuthRequest): Promise<OAuthResponse>;
  authorize(request: OAuthRequest, decision?: AuthorizationDecision): Promise<AuthorizeOutcome>;
  /** A request to the protected resource `/secure`, optionally requiring `scope`. */
  authenticate(request: OAuthRequest, scope?: readonly string[]): Promise<OAuthResponse>;
  revoke(request: OAuthRequest): Promise<OAuthResponse>;
  introspect(request: OAuthRequest): Promise<OAuthResponse>;
  metadata(): Promise<OAuthResponse>;
}

export type ServerOverrides = Parameters<typeof createTestServer>[0];
export type Setup = (overrides?: ServerOverrides) => Promise<Harness>;

/** The response with lower-case header names, as HTTP hands them over. */
export function lowerCased(response: OAuthResponse): OAuthResponse {
  const headers: Record<string, string> = {};
  for (const [name, value] of Object.entries(response.headers)) headers[name.toLowerCase()] = value;
  return { ...response, headers };
}

/** The protected resource behind `authenticate`: `Secure Hello!` for a valid token (seed 002). */
const SECURE_BODY = 'Secure Hello!';

export function coreHarness(server: AuthorizationServer, store: Store): Harness {
  return {
    host: 'core',
    server,
    store,
    token: async (request) => lowerCased(await server.token(request)),
    async authorize(request, decision) {
      const result = decision ? await server.authorize(request, decision) : await server.authorize(request);
      if (result.type === 'interaction') return { type: 'interaction', response: { status: 200, headers: {}, body: '' } };
      return { type: result.type, response: lowerCased(result.response) };
    },
    async authenticate(request, scope) {
      const result = await server.authenticate(request, scope ? { scope } : {});
      return result.type === 'authenticated' ? { status: 200, headers: {}, body: SECURE_BODY } : lowerCased(result.response);
    },
    revoke: async (request) => lowerCased(await server.revoke(request)),
    introspect: async (request) => lowerCased(await server.introspect(request)),
    metadata: async () => lowerCased(server.metadata()),
  };
}

/** Headers the HTTP bridge uses to carry test-only inputs; they never reach the assertions. */
const DECISION = 'x-test-decision';
const REQUIRED_SCOPE = 'x-test-required-scope';

/** A node:http server on port 0 whose authorization server is swapped for each test. */
async function startHttpBridge(): Promise<{ setup(server: AuthorizationServer, store: Store): Harness; close(): Promise<void> }> {
  let current: AuthorizationServer | undefined;
  let listener: ReturnType<typeof createRequestListener> | undefined;
  const decisions = new Map<string, AuthorizationDecision>();
  let nextDecision = 0;

  const http = createServer((req, res) => {
    if (!current || !listener) return void res.writeHead(503).end();
    listener(req, res);
  });
  await new Promise<void>((resolve) => http.listen(0, '127.0.0.1', resolve));
  const base = `http://127.0.0.1:${(http.address() as AddressInfo).port}`;

  function listen(server: AuthorizationServer): void {
    current = server;
    listener = createRequestListener(server, {
      interaction: {
        async authorize({ request }) {
          const decision = decisions.get(String(request.headers[DECISION]));
          if (decision) return { type: 'decision', decision };
          // Without a decision the test only wanted to know the request is valid.
          return { type: 'response', response: { status: 200, headers: { 'x-test-interaction': '1' }, body: '' } };
        },
      },
      fallback(req, res) {
        const required = req.headers[REQUIRED_SCOPE];
        void toOAuthRequest(req).then(async (request) => {
          const result = await server.authenticate(request, typeof required === 'string' ? { scope: required.split(' ') } : {});
          if (result.type === 'authenticated') res.writeHead(200).end(SECURE_BODY);
          else sendOAuthResponse(res, result.response);
        });
      },
    });
  }

  async function send(request: OAuthRequest, extraHeaders: Record<string, string> = {}): Promise<OAuthResponse> {
    const headers = new Headers();
    for (const [name, value] of Object.entries(request.headers)) {
      if (value === undefined) continue;
      for (const one of typeof value === 'string' ? [value] : value) headers.append(name, one);
    }
    for (const [name, value] of Object.entries(extraHeaders)) headers.set(name, value);
    const method = request.method.toUpperCase();
    const { body } = request;
    if (body !== undefined && typeof body !== 'string' && !(body instanceof Uint8Array)) {
      throw new Error('The HTTP host sends raw bodies only; test parsed bodies against the core');
    }
    const hasBody = method !== 'GET' && method !== 'HEAD' && body !== undefined;
    const response = await fetch(new URL(request.url, base), {
      method: request.method,
      headers,
      redirect: 'manual',
      ...(hasBody && { body }),
    });
    const out: Record<string, string> = {};
    response.headers.forEach((value, name) => (out[name] = value));
    return { status: response.status, headers: out, body: await response.text() };
  }

  return {
    setup(server, store) {
      listen(server);
      return {
        host: 'http',
        server,
        store,
        token: (request) => send(request),
        async authorize(request, decision) {
          const id = String(nextDecision++);
          if (decision) decisions.set(id, decision);
          const response = await send(request, { [DECISION]: id });
          decisions.delete(id);
          const type = response.headers['x-test-interaction'] ? 'interaction' : response.headers.location ? 'redirect' : 'error';
          return { type, response };
        },
        authenticate: (request, scope) =>
          send({ ...request, url: '/secure' + request.url.replace(/^[^?]*/, '') }, scope ? { [REQUIRED_SCOPE]: scope.join(' ') } : {}),
        revoke: (request) => send(request),
        introspect: (request) => send(request),
        metadata: () => send({ method: 'GET', url: '/.well-known/oauth-authorization-server', headers: {} }),
      };
    },
    close: () => new Promise<void>((resolve, reject) => http.close((err) => (err ? reject(err) : resolve()))),
  };
}

/**
 * Declares the suite once per host. `setup(overrides)` gives each test a fresh server over a
 * fresh memory store (the fixtures' clients and user), reached through that host.
 */
export function describeHosts(title: string, body: (setup: Setup) => void): void {
  for (const host of ['core', 'http'] as const) {
    describe(`${title} [${host}]`, () => {
      let bridge: Awaited<ReturnType<typeof startHttpBridge>> | undefined;
      if (host === 'http') {
        before(async () => {
          bridge = await startHttpBridge();
        });
        after(() => bridge?.close());
      }
      body(async (overrides) => {
        const { server, store } = await createTestServer(overrides);
        if (host === 'core') return coreHarness(server, store);
        if (!bridge) throw new Error('the HTTP bridge is not started');
        return bridge.setup(server, store);
      });
    });
  }
}
