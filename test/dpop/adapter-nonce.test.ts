/**
 * RFC 9449 §8.2: with nonces on, the Express, Fastify and Koa adapters' `authenticate` send the fresh
 * `DPoP-Nonce` of a successful DPoP check with the resource's answer; the Fetch adapter's hands it to the
 * host, which builds the Response itself.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import createExpressApp from 'express';
import Fastify from 'fastify';
import Koa from 'koa';
import type { AuthorizationServer } from '../../src/index.js';
import { express } from '../../src/adapters/express.js';
import { tollgate } from '../../src/adapters/fastify.js';
import { koa } from '../../src/adapters/koa.js';
import { authenticate as fetchAuthenticate } from '../../src/adapters/fetch.js';
import { admin, createTestServer } from '../helpers/fixtures.js';
import { json } from '../helpers/http.js';
import { SKYVAULT } from '../helpers/flows.js';
import { SECURE_URL, dpopKey, dpopTokenRequest, proof } from '../helpers/dpop.js';
import { listen } from '../adapters/contract.js';
import type { RunningHost } from '../adapters/contract.js';

const PASSWORD = { grant_type: 'password', username: admin.username, password: admin.password, scope: 'read' };

const hosts: Record<string, (server: AuthorizationServer) => Promise<RunningHost>> = {
  Express: (server) => {
    const app = createExpressApp();
    app.get('/secure', express(server).authenticate(), (_req, res) => void res.send('ok'));
    return listen(createServer(app));
  },
  Fastify: async (server) => {
    const app = Fastify();
    await app.register(tollgate, { server });
    app.get('/secure', { preHandler: app.authenticate() }, async () => 'ok');
    await app.listen({ port: 0, host: '127.0.0.1' });
    return { url: `http://127.0.0.1:${(app.server.address() as AddressInfo).port}`, close: () => app.close() };
  },
  Koa: (server) => {
    const app = new Koa();
    const guard = koa(server).authenticate();
    app.use((ctx, next) => (ctx.path === '/secure' ? guard(ctx, async () => void (ctx.body = 'ok')) : next()));
    return listen(createServer(app.callback()));
  },
};

describe('the adapters send a fresh DPoP-Nonce with a successful DPoP check (RFC 9449 §8.2)', () => {
  for (const [name, start] of Object.entries(hosts)) {
    it(name, async () => {
      const { server } = await createTestServer({ dpop: { nonce: { secret: 'a-secret-of-at-least-thirty-two-characters' } } });
      const key = await dpopKey();
      const nonce = (await server.token(dpopTokenRequest(await proof(key), PASSWORD, SKYVAULT))).headers['DPoP-Nonce'];
      const token = String(json(await server.token(dpopTokenRequest(await proof(key, { nonce }), PASSWORD, SKYVAULT))).access_token);
      const host = await start(server);
      try {
        // htu: the core names /secure on the issuer's origin (the request's URL is a path).
        const dpop = await proof(key, { htm: 'GET', htu: SECURE_URL, accessToken: token, nonce });
        const response = await fetch(`${host.url}/secure`, { headers: { authorization: `DPoP ${token}`, dpop } });
        assert.equal(response.status, 200, await response.clone().text());
        assert.equal(response.headers.get('dpop-nonce'), nonce);
      } finally {
        await host.close();
      }
    });
  }
});

describe('the Fetch adapter hands the fresh DPoP-Nonce to the host (RFC 9449 §8.2)', () => {
  it('authenticate returns it in headers with the token', async () => {
    const { server } = await createTestServer({ dpop: { nonce: { secret: 'a-secret-of-at-least-thirty-two-characters' } } });
    const key = await dpopKey();
    const nonce = (await server.token(dpopTokenRequest(await proof(key), PASSWORD, SKYVAULT))).headers['DPoP-Nonce'];
    const token = String(json(await server.token(dpopTokenRequest(await proof(key, { nonce }), PASSWORD, SKYVAULT))).access_token);
    const dpop = await proof(key, { htm: 'GET', htu: SECURE_URL, accessToken: token, nonce });
    const result = await fetchAuthenticate(server, new Request(SECURE_URL, { headers: { authorization: `DPoP ${token}`, dpop } }));
    assert.equal(result.type, 'authenticated');
    assert.equal(result.type === 'authenticated' ? result.headers?.['DPoP-Nonce'] : undefined, nonce);
  });
});
