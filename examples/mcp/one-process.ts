/**
 * The second variant: tollgate's core and the MCP server in ONE Node process, on one origin. The
 * core (`createAuthorizationServer` over a store) serves discovery, dynamic registration, the
 * authorization endpoint and the token endpoint through the node:http adapter; the MCP server
 * checks each token through the same core and store (`server.authenticate`), with no introspection
 * round trip: the audience (RFC 8707), the scope, and a challenge pointing at its metadata (RFC 9728).
 *
 *   PORT=3001 node --import tsx examples/mcp/one-process.ts
 *   MCP_URL=http://127.0.0.1:3001/mcp node --import tsx examples/mcp/client.ts   # sign in as alice / wonderland
 *
 * Signing in is the host's part (tollgate's core draws no pages): here the smallest sign-in page
 * that works (docs/adapters.md, "A minimal sign-in page", says what a real one adds).
 */
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createAuthorizationServer } from '../../src/index.js';
import type { Interaction, OAuthRequest, OAuthResponse } from '../../src/index.js';
import { createMemoryStore } from '../../src/stores/memory.js';
import { createRequestListener, sendOAuthResponse } from '../../src/adapters/node.js';
import { createProtectedResource } from '../../src/resource.js';
import { SCOPE, serveMcp } from './whoami.js';

const PORT = Number(process.env.PORT ?? 3001);

// The issuer and the MCP server's URL both name the port, so listen first (PORT=0 takes a free one).
const http = createServer();
await new Promise<void>((resolve) => http.listen(PORT, '127.0.0.1', resolve));
const ISSUER = `http://127.0.0.1:${(http.address() as AddressInfo).port}`;
// The resource identifier is the MCP endpoint's URL: what the client sends as `resource` (RFC 8707).
const MCP_URL = `${ISSUER}/mcp`;

// Any store works; the memory store forgets registered clients and tokens when the process ends.
const store = await createMemoryStore({ users: [{ username: 'alice', password: 'wonderland' }] });
const server = createAuthorizationServer({
  issuer: ISSUER,
  model: store,
  grantTypes: ['authorization_code', 'refresh_token'],
  // A token asked for the MCP server has it as audience, and only the scope it serves.
  resources: [{ uri: MCP_URL, scope: SCOPE }],
  // RFC 7591: MCP clients register themselves (public clients must use PKCE).
  registration: {},
});
const resource = createProtectedResource({ resource: MCP_URL, authorizationServers: [ISSUER], scopesSupported: SCOPE, resourceName: 'tollgate MCP example (one process)' });

const escape = (text: string): string => text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);

function page(status: number, body: string): OAuthResponse {
  return {
    status,
    // No script and no framing (RFC 9700 §4.16), never cached.
    headers: { 'Content-Type': 'text/html; charset=utf-8', 'Content-Security-Policy': "default-src 'none'; frame-ancestors 'none'", 'Cache-Control': 'no-store' },
    body: `<!doctype html><meta charset="utf-8"><title>Sign in</title>${body}`,
  };
}

/** Sign-in is consent: the form posts the authorization request back with the credentials. */
const interaction: Interaction = {
  async authorize({ request, authorization, params }) {
    const { username, password, ...pending } = params;
    // Credentials count only when posted by the form, never from a link's query string.
    if (request.method.toUpperCase() === 'POST' && username !== undefined && password !== undefined) {
      const user = await store.getUser(username, password, authorization.client);
      if (user) return { type: 'decision', decision: { user, allow: true } };
    }
    // A registered client names itself: the host it sends the person back to is what it cannot fake.
    const client = escape(authorization.client.client_name ?? authorization.client.client_id);
    const host = escape(new URL(authorization.redirectUri).host);
    // `resource` may hold several values (RFC 8707 §2): one field each.
    const fields = Object.entries(pending)
      .flatMap(([name, value]) => (name === 'resource' ? value.split(' ') : [value]).map((one) => `<input type="hidden" name="${escape(name)}" value="${escape(one)}">`))
      .join('');
    return {
      type: 'response',
      response: page(200, `<h1>Sign in</h1>
<p>${client} (returning to ${host}) asks for ${escape(authorization.scope?.join(' ') ?? 'its usual access')} at ${escape(authorization.resources?.join(', ') ?? ISSUER)}. Signing in allows it.</p>
<form method="post" action="${escape(server.options.endpoints.authorization)}">${fields}
<label>Username <input name="username" autocomplete="username" required></label>
<label>Password <input name="password" type="password" autocomplete="current-password" required></label>
<button>Sign in</button>
</form>`),
    };
  },
  errorPage(error) {
    return page(400, `<h1>This request cannot be completed</h1><p>${escape(error.description)}</p>`);
  },
};

http.on(
  'request',
  createRequestListener(server, {
    interaction,
    // Everything that is not one of tollgate's endpoints: the MCP server and its metadata.
    async fallback(req, res) {
      // Bearer tokens only in the header (RFC 9728 bearer_methods_supported): the body stays unread for the MCP transport.
      const request: OAuthRequest = { method: req.method ?? 'GET', url: req.url ?? '/', headers: req.headers, body: '' };
      const metadata = resource.handle(request);
      if (metadata) return sendOAuthResponse(res, metadata);
      if (req.url?.split('?')[0] !== '/mcp') return void res.writeHead(404).end();
      // The core checks the token in its own store: live, issued for this MCP server, covering SCOPE.
      const result = await server.authenticate(request, resource.authenticateOptions(SCOPE));
      if (result.type === 'error') return sendOAuthResponse(res, result.response);
      const { token } = result;
      // The audience as the core recorded it (authenticate checked that it names MCP_URL).
      const audience = token.extra?.audience as string[];
      await serveMcp(req, res, { clientId: token.client.client_id, subject: token.user.id, audience, scope: token.scope });
    },
  }),
);

console.log(`tollgate and the MCP server listening on ${ISSUER} (MCP endpoint ${MCP_URL})`);
