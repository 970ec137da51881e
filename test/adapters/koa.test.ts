/** The adapter contract against Koa. */
import { createServer } from 'node:http';
import Koa from 'koa';
import { koa } from '../../src/adapters/koa.js';
import { RESOURCES, SECURE_BODY, adapterContract, interaction, listen } from './contract.js';

adapterContract('Koa', (server) => {
  const app = new Koa();
  const oauth = koa(server, { interaction });
  app.use(oauth);
  const guards = new Map(Object.entries(RESOURCES).map(([path, scope]) => [path, oauth.authenticate(scope ? { scope } : {})]));
  app.use(async (ctx, next) => {
    const guard = guards.get(ctx.path);
    if (!guard) return next();
    await guard(ctx, async () => {
      ctx.body = SECURE_BODY;
    });
  });
  return listen(createServer(app.callback()));
});
