/**
 * @node-oauth/oauth2-server 5.x on Express 5, in its documented style: express.urlencoded, the
 * library's Request/Response wrappers, and an in-memory model (Maps). The client secret is checked
 * as the other servers check it (SHA-256 + timingSafeEqual).
 */
import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import express from 'express';
import OAuth2Server from '@node-oauth/oauth2-server';
import { CLIENT_ID, CLIENT_SECRET, MINT_PATH, REDIRECT_URI, SCOPE, USER, announce, stopOnSignal } from './fixture.mjs';

const { Request, Response } = OAuth2Server;
const sha256 = (value) => createHash('sha256').update(value).digest('base64url');
const SECRET_HASH = Buffer.from(sha256(CLIENT_SECRET));

const client = { id: CLIENT_ID, grants: ['client_credentials', 'authorization_code', 'refresh_token'], redirectUris: [REDIRECT_URI] };
const user = { id: USER.id, username: USER.username };
const accessTokens = new Map();
const refreshTokens = new Map();
const codes = new Map();

const model = {
  async getClient(clientId, clientSecret) {
    if (clientId !== CLIENT_ID) return null;
    if (clientSecret === null) return client;
    const presented = Buffer.from(sha256(clientSecret));
    return presented.length === SECRET_HASH.length && timingSafeEqual(presented, SECRET_HASH) ? client : null;
  },
  async getUserFromClient() {
    return { id: CLIENT_ID };
  },
  async saveToken(token, tokenClient, tokenUser) {
    const saved = { ...token, client: tokenClient, user: tokenUser };
    accessTokens.set(token.accessToken, saved);
    if (token.refreshToken) refreshTokens.set(token.refreshToken, saved);
    return saved;
  },
  async getAccessToken(accessToken) {
    return accessTokens.get(accessToken) ?? null;
  },
  async getRefreshToken(refreshToken) {
    return refreshTokens.get(refreshToken) ?? null;
  },
  async revokeToken(token) {
    return refreshTokens.delete(token.refreshToken);
  },
  async saveAuthorizationCode(code, codeClient, codeUser) {
    const saved = { ...code, client: codeClient, user: codeUser };
    codes.set(code.authorizationCode, saved);
    return saved;
  },
  async getAuthorizationCode(authorizationCode) {
    return codes.get(authorizationCode) ?? null;
  },
  async revokeAuthorizationCode(code) {
    return codes.delete(code.authorizationCode);
  },
};

const oauth = new OAuth2Server({ model, accessTokenLifetime: 3600, refreshTokenLifetime: 1_209_600 });

const app = express();
app.use(express.urlencoded({ extended: false }));

app.post('/oauth/token', async (req, res) => {
  const response = new Response(res);
  try {
    await oauth.token(new Request(req), response);
  } catch {
    // The library has already put the error into `response`.
  }
  res.set(response.headers).status(response.status).send(response.body);
});

app.get('/secure', async (req, res) => {
  const response = new Response(res);
  try {
    await oauth.authenticate(new Request(req), response);
    res.type('text/plain').send('Secure Hello!');
  } catch {
    res.set(response.headers).status(response.status || 401).send(response.body);
  }
});

const random = () => randomBytes(32).toString('base64url');

app.post(MINT_PATH, express.json(), async (req, res) => {
  const { kind, n } = req.body;
  const values = [];
  for (let i = 0; i < n; i++) {
    if (kind === 'code') {
      const code = { authorizationCode: random(), expiresAt: new Date(Date.now() + 600_000), redirectUri: REDIRECT_URI, scope: [SCOPE] };
      await model.saveAuthorizationCode(code, client, user);
      values.push(code.authorizationCode);
    } else {
      const token = {
        accessToken: random(),
        accessTokenExpiresAt: new Date(Date.now() + 3_600_000),
        refreshToken: random(),
        refreshTokenExpiresAt: new Date(Date.now() + 1_209_600_000),
        scope: [SCOPE],
      };
      await model.saveToken(token, client, user);
      values.push(token.refreshToken);
    }
  }
  res.json(values);
});

const server = app.listen(0, '127.0.0.1', () => announce(server, 'node-oauth2-server'));
stopOnSignal(server);
