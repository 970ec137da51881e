/**
 * The examples' shared set-up: an authorization server over the memory store with a service client,
 * a web client and one person, the sign-in and consent pages of ./pages.ts, and the port to use.
 */
import { createAuthorizationServer } from '../../src/index.js';
import type { AuthorizationServer, Interaction } from '../../src/index.js';
import { createMemoryStore } from '../../src/stores/memory.js';
import { signInAndConsent } from './pages.js';
import type { PasswordCheck } from './pages.js';

/** PORT from the environment (0 takes a free port), 3000 by default. */
export const PORT = Number(process.env.PORT ?? 3000);

/** Where the web client's authorization responses go: the client runs elsewhere. */
export const REDIRECT_URI = 'http://localhost:8080/callback';

/**
 * A server with two clients: `demo` / `demo-secret` (client_credentials) and `web-app` /
 * `web-app-secret` (authorization code with PKCE, refresh tokens), one person `alice` / `wonderland`,
 * and the pages that sign her in and ask her consent (`users` checks her password, for pages of your own).
 */
export async function createDemo(issuer = `http://localhost:${PORT || 3000}`): Promise<{ server: AuthorizationServer; interaction: Interaction; users: PasswordCheck }> {
  const store = await createMemoryStore({
    clients: [
      { client_id: 'demo', client_secret: 'demo-secret', redirect_uris: [], grant_types: ['client_credentials'], scope: 'read' },
      {
        client_id: 'web-app',
        client_name: 'Web App',
        client_secret: 'web-app-secret',
        redirect_uris: [REDIRECT_URI],
        grant_types: ['authorization_code', 'refresh_token'],
        scope: 'read',
      },
    ],
    users: [{ username: 'alice', password: 'wonderland' }],
  });
  const server = createAuthorizationServer({ issuer, grantTypes: ['client_credentials', 'authorization_code', 'refresh_token'], model: store });
  return { server, interaction: signInAndConsent(store, server.options.endpoints.authorization), users: store };
}

/** The line every example prints once it listens; the tests read the URL from it. */
export function announce(port: number): void {
  console.log(`tollgate example listening on http://127.0.0.1:${port}`);
}
