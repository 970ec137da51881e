/** Test fixtures: the SkyVault demo client and user, a few more clients, and a server over the memory store. */
import { createAuthorizationServer } from '../../src/index.js';
import type { AuthorizationServer, AuthorizationServerOptions, Grant } from '../../src/index.js';
import type { ClientRegistration, Store } from '../../src/stores/store.js';
import { createMemoryStore } from '../../src/stores/memory.js';
import { externalTokenGrant } from '../../src/app/external-token.js';

export const ISSUER = 'http://localhost:9191';
export const REDIRECT_URI = 'https://client.example.com/cb';

/** The SkyVault seed's demo client: confidential, every grant. */
export const skyvault: ClientRegistration = {
  client_id: 'SkyVaultapp',
  client_secret: 'secret',
  client_name: 'SkyVault',
  redirect_uris: [REDIRECT_URI],
  grant_types: ['authorization_code', 'refresh_token', 'client_credentials', 'password', 'implicit', 'external_token'],
  scope: 'read write',
  token_endpoint_auth_method: 'client_secret_basic',
};

/** A public client (a single-page or native app): no secret, PKCE required. */
export const spa: ClientRegistration = {
  client_id: 'spa',
  redirect_uris: ['https://spa.example.com/cb', 'http://127.0.0.1/callback'],
  grant_types: ['authorization_code', 'refresh_token'],
  scope: 'read write',
};

/** A confidential client that authenticates with client_secret_post. */
export const poster: ClientRegistration = {
  client_id: 'poster',
  client_secret: 'poster-secret',
  redirect_uris: ['https://poster.example.com/cb'],
  grant_types: ['client_credentials', 'authorization_code', 'refresh_token'],
  scope: 'read',
  token_endpoint_auth_method: 'client_secret_post',
};

/** A confidential client registered for client_credentials only. */
export const service: ClientRegistration = {
  client_id: 'service',
  client_secret: 'service-secret',
  redirect_uris: [],
  grant_types: ['client_credentials'],
  scope: 'read',
};

export const admin = { username: 'admin', password: 'tiger' };

export interface TestServer {
  server: AuthorizationServer;
  store: Store;
}

/** A server with every built-in grant and the external_token grant, over a fresh memory store. */
export async function createTestServer(
  overrides: Partial<Omit<AuthorizationServerOptions, 'model'>> & { grants?: readonly Grant[] } = {},
): Promise<TestServer> {
  const store = await createMemoryStore({ clients: [skyvault, spa, poster, service], users: [admin] });
  const server = createAuthorizationServer({
    issuer: ISSUER,
    grantTypes: ['authorization_code', 'implicit', 'password', 'client_credentials', 'refresh_token'],
    grants: [externalTokenGrant()],
    onError: () => {},
    ...overrides,
    model: store,
  });
  return { server, store };
}
