/** tollgate on Hono through the Fetch adapter (the same handler runs on Bun, Deno and Workers). */
import { serve } from '@hono/node-server';
import { Hono } from 'hono';
import { authenticate, fetchHandler } from '../../src/adapters/fetch.js';
import { PORT, announce, createDemo } from '../shared/demo.js';

const { server, interaction } = await createDemo();
const oauth = fetchHandler(server, { interaction });
const app = new Hono();
app.get('/secure', async (c) => {
  const result = await authenticate(server, c.req.raw, { scope: ['read'] });
  return result.type === 'error' ? result.response : c.text(`Hello, ${result.token.client.client_id}!`);
});
app.all('*', (c) => oauth(c.req.raw));
serve({ fetch: app.fetch, port: PORT, hostname: '127.0.0.1' }, (info) => announce(info.port));
