/** The adapter contract against the Fetch adapter under Hono, served by @hono/node-server. */
import type { AddressInfo } from 'node:net';
import { serve } from '@hono/node-server';
import { Hono } from 'hono';
import { authenticate, fetchHandler } from '../../src/adapters/fetch.js';
import { RESOURCES, SECURE_BODY, adapterContract, interaction } from './contract.js';

adapterContract('Fetch API under Hono', (server) => {
  const app = new Hono();
  for (const [path, scope] of Object.entries(RESOURCES)) {
    app.all(path, async (c) => {
      const result = await authenticate(server, c.req.raw, scope ? { scope } : {});
      return result.type === 'error' ? result.response : c.text(SECURE_BODY);
    });
  }
  const handler = fetchHandler(server, { interaction });
  app.all('*', (c) => handler(c.req.raw));
  return new Promise((resolve) => {
    const http = serve({ fetch: app.fetch, port: 0, hostname: '127.0.0.1' }, (info: AddressInfo) => {
      resolve({
        url: `http://127.0.0.1:${info.port}`,
        close: () => new Promise<void>((done) => http.close(() => done())),
      });
    });
  });
});
