/** The examples' shared set-up: an authorization server over the memory store with one demo client, and the port to use. */
import { createAuthorizationServer } from '../../src/index.js';
import type { AuthorizationServer } from '../../src/index.js';
import { createMemoryStore } from '../../src/stores/memory.js';

/** PORT from the environment (0 takes a free port), 3000 by default. */
export const PORT = Number(process.env.PORT ?? 3000);

/** A server with the client_credentials grant and one client, `demo` / `demo-secret`. */
export async function createDemoServer(issuer = `http://localhost:${PORT || 3000}`): Promise<AuthorizationServer> {
  const store = await createMemoryStore({
    clients: [{ client_id: 'demo', client_secret: 'demo-secret', redirect_uris: [], grant_types: ['client_credentials'], scope: 'read' }],
  });
  return createAuthorizationServer({ issuer, grantTypes: ['client_credentials'], model: store });
}

/** The line every example prints once it listens; the tests read the URL from it. */
export function announce(port: number): void {
  console.log(`tollgate example listening on http://127.0.0.1:${port}`);
}
