/**
 * oidc-provider 9.x with the client credentials grant enabled, opaque tokens, and a Map adapter
 * (its documented adapter interface; the bundled memory adapter is an LRU capped at 1000 entries,
 * which would evict pre-minted codes). `/secure` is a Koa middleware in front of the provider that
 * looks the bearer token up with `provider.ClientCredentials.find` (or `AccessToken.find`), the
 * lookup oidc-provider offers a resource server in the same process.
 */
import { createServer } from 'node:http';
import Provider from 'oidc-provider';
import { CLIENT_ID, CLIENT_SECRET, MINT_PATH, REDIRECT_URI, SCOPE, USER, announce, readBody, stopOnSignal } from './fixture.mjs';

const storage = new Map();
const grantIndex = new Map();

/** The adapter contract of oidc-provider's example/my_adapter.js, on unbounded Maps. */
class MapAdapter {
  constructor(name) {
    this.name = name;
  }
  key(id) {
    return `${this.name}:${id}`;
  }
  async upsert(id, payload) {
    storage.set(this.key(id), payload);
    if (payload.grantId) {
      let keys = grantIndex.get(payload.grantId);
      if (!keys) grantIndex.set(payload.grantId, (keys = []));
      keys.push(this.key(id));
    }
  }
  async find(id) {
    return storage.get(this.key(id));
  }
  async findByUserCode() {
    return undefined;
  }
  async findByUid() {
    return undefined;
  }
  async consume(id) {
    const payload = storage.get(this.key(id));
    if (payload) payload.consumed = Math.floor(Date.now() / 1000);
  }
  async destroy(id) {
    storage.delete(this.key(id));
  }
  async revokeByGrantId(grantId) {
    for (const key of grantIndex.get(grantId) ?? []) storage.delete(key);
    grantIndex.delete(grantId);
  }
}

const server = createServer();
server.listen(0, '127.0.0.1', () => {
  const { port } = server.address();
  const provider = new Provider(`http://127.0.0.1:${port}`, {
    adapter: MapAdapter,
    clients: [
      {
        client_id: CLIENT_ID,
        client_secret: CLIENT_SECRET,
        grant_types: ['client_credentials', 'authorization_code', 'refresh_token'],
        response_types: ['code'],
        redirect_uris: [REDIRECT_URI],
        token_endpoint_auth_method: 'client_secret_basic',
        scope: SCOPE,
      },
    ],
    scopes: [SCOPE],
    features: { clientCredentials: { enabled: true }, devInteractions: { enabled: false } },
    findAccount: (_ctx, sub) => ({ accountId: sub, claims: () => ({ sub }) }),
    // The same work as the other servers: a refresh token with every code exchange, rotated on use, no PKCE for a confidential client.
    issueRefreshToken: async (_ctx, client) => client.grantTypeAllowed('refresh_token'),
    rotateRefreshToken: true,
    pkce: { required: () => false },
    routes: { token: '/oauth/token' },
    ttl: { ClientCredentials: 3600, AccessToken: 3600, AuthorizationCode: 600, RefreshToken: 1_209_600, Grant: 1_209_600 },
  });

  async function mintGrant() {
    const grant = new provider.Grant({ accountId: USER.id, clientId: CLIENT_ID });
    grant.addOIDCScope(SCOPE);
    return grant.save();
  }

  async function mint(kind) {
    const client = await provider.Client.find(CLIENT_ID);
    const grantId = await mintGrant();
    const common = { accountId: USER.id, client, grantId, scope: SCOPE };
    if (kind === 'code') return new provider.AuthorizationCode({ ...common, redirectUri: REDIRECT_URI }).save();
    return new provider.RefreshToken({ ...common, gty: 'authorization_code', rotations: 0 }).save();
  }

  provider.use(async (ctx, next) => {
    if (ctx.method === 'GET' && ctx.path === '/secure') {
      const value = /^Bearer (.+)$/.exec(ctx.get('authorization'))?.[1];
      const token = value && ((await provider.ClientCredentials.find(value)) ?? (await provider.AccessToken.find(value)));
      if (!token || token.isExpired) {
        ctx.status = 401;
        ctx.set('WWW-Authenticate', 'Bearer error="invalid_token"');
        return;
      }
      ctx.type = 'text/plain';
      ctx.body = 'Secure Hello!';
      return;
    }
    if (ctx.method === 'POST' && ctx.path === MINT_PATH) {
      const { kind, n } = JSON.parse(await readBody(ctx.req));
      const values = [];
      for (let i = 0; i < n; i++) values.push(await mint(kind));
      ctx.body = values;
      return;
    }
    await next();
  });

  server.on('request', provider.callback());
  announce(server, 'oidc-provider');
});
stopOnSignal(server);
