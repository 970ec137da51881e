/** tollgate on Koa. */
import type { AddressInfo } from 'node:net';
import Koa from 'koa';
import { koa } from '../../src/adapters/koa.js';
import type { KoaOAuthState } from '../../src/adapters/koa.js';
import { PORT, announce, createDemo } from '../shared/demo.js';

const { server, interaction } = await createDemo();
const oauth = koa(server, { interaction });
const app = new Koa();
app.use(oauth);
app.use(oauth.authenticate({ scope: ['read'] }));
app.use((ctx) => {
  const { token } = ctx.state.oauth as KoaOAuthState;
  ctx.body = `Hello, ${token.client.client_id}!`;
});
const http = app.listen(PORT, () => announce((http.address() as AddressInfo).port));
