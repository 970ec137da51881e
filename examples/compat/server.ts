/**
 * A node-oauth2-server app moved to tollgate by changing one import: the Express glue and the
 * model below are written the way node-oauth2-server's documentation writes them.
 */
import type { AddressInfo } from 'node:net';
import createApp, { urlencoded } from 'express';
import type { NextFunction, Request as ExpressRequest, Response as ExpressResponse } from 'express';
import OAuth2Server, { OAuthError, Request, Response } from '../../src/compat/index.js';
import type { Model, Token } from '../../src/compat/index.js';
import { PORT, announce } from '../shared/demo.js';

const clients = [{ id: 'demo', clientSecret: 'demo-secret', grants: ['client_credentials'], redirectUris: [] }];
const tokens: Token[] = [];
const model: Model = {
  getClient: (id, secret) => clients.find((c) => c.id === id && (secret === null || c.clientSecret === secret)) ?? false,
  getUserFromClient: (client) => ({ id: client.id }),
  saveToken(token, client, user) {
    const saved = { ...token, client, user };
    tokens.push(saved);
    return saved;
  },
  getAccessToken: (accessToken) => tokens.find((t) => t.accessToken === accessToken) ?? false,
};

const oauth = new OAuth2Server({ model });
const app = createApp();
app.use(urlencoded({ extended: false }));

/** Their usual glue: wrap req/res, call the server, write its Response. */
function send(res: ExpressResponse, response: Response): void {
  res.status(response.status).set(response.headers).json(response.body);
}

app.post('/oauth/token', async (req: ExpressRequest, res: ExpressResponse) => {
  const response = new Response(res);
  try {
    await oauth.token(new Request(req), response);
  } catch (err) {
    if (!(err instanceof OAuthError)) throw err;
  }
  send(res, response);
});

app.get('/secure', async (req: ExpressRequest, res: ExpressResponse, next: NextFunction) => {
  const response = new Response(res);
  try {
    const token = await oauth.authenticate(new Request(req), response);
    res.send(`Hello, ${token.client.id}!`);
  } catch (err) {
    if (err instanceof OAuthError) return void res.status(err.code).set(response.headers).end();
    next(err);
  }
});

const http = app.listen(PORT, () => announce((http.address() as AddressInfo).port));
