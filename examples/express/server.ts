/** tollgate on Express. */
import type { AddressInfo } from 'node:net';
import createApp from 'express';
import { express } from '../../src/adapters/express.js';
import { PORT, announce, createDemo } from '../shared/demo.js';

const { server, interaction } = await createDemo();
const oauth = express(server, { interaction });
const app = createApp();
app.use(oauth);
app.get('/secure', oauth.authenticate({ scope: ['read'] }), (_req, res) => {
  res.send(`Hello, ${res.locals.oauth.token.client.client_id}!`);
});
const http = app.listen(PORT, () => announce((http.address() as AddressInfo).port));
