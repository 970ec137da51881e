/**
 * The reference: bare node:http doing the work an OAuth token endpoint cannot skip, and nothing
 * else. Parse the form, check the client secret (SHA-256 + timingSafeEqual, as tollgate's stores
 * do), put a random 256-bit token in a Map, answer JSON with no-store; a Map lookup for the bearer check.
 */
import { createServer } from 'node:http';
import { randomBytes } from 'node:crypto';
import { CLIENT_ID, LISTEN_PORT, MINT_PATH, REDIRECT_URI, SCOPE, USER, announce, answer, authenticateClient, writeAtTurnEnd, readBody, stopOnSignal } from './fixture.mjs';

const TTL = 3600;
const NO_STORE = { 'Content-Type': 'application/json;charset=UTF-8', 'Cache-Control': 'no-store', Pragma: 'no-cache' };

const accessTokens = new Map();
const refreshTokens = new Map();
const codes = new Map();

const token = () => randomBytes(32).toString('base64url');

function issue(user, scope, refresh) {
  const accessToken = token();
  accessTokens.set(accessToken, { clientId: CLIENT_ID, user, scope, expiresAt: Date.now() + TTL * 1000 });
  const body = { access_token: accessToken, token_type: 'Bearer', expires_in: TTL, scope };
  if (refresh) {
    body.refresh_token = token();
    refreshTokens.set(body.refresh_token, { clientId: CLIENT_ID, user, scope, expiresAt: Date.now() + 14 * 86400_000, consumed: false });
  }
  return body;
}

function mintCode() {
  const code = token();
  codes.set(code, { clientId: CLIENT_ID, user: USER.id, scope: SCOPE, redirectUri: REDIRECT_URI, expiresAt: Date.now() + 600_000, consumed: false });
  return code;
}

function grant(params) {
  switch (params.get('grant_type')) {
    case 'client_credentials':
      return issue(CLIENT_ID, params.get('scope') ?? SCOPE, false);
    case 'authorization_code': {
      const code = codes.get(params.get('code') ?? '');
      if (!code || code.consumed || code.expiresAt <= Date.now() || code.redirectUri !== params.get('redirect_uri')) return undefined;
      code.consumed = true;
      return issue(code.user, code.scope, true);
    }
    case 'refresh_token': {
      const stored = refreshTokens.get(params.get('refresh_token') ?? '');
      if (!stored || stored.consumed || stored.expiresAt <= Date.now()) return undefined;
      stored.consumed = true;
      return issue(stored.user, stored.scope, true);
    }
    default:
      return undefined;
  }
}

function send(res, status, body) {
  answer(res, status, NO_STORE, JSON.stringify(body));
}

const server = createServer(async (req, res) => {
  const path = req.url.split('?', 1)[0];
  if (req.method === 'POST' && path === '/oauth/token') {
    const params = new URLSearchParams(await readBody(req));
    if (!authenticateClient(req.headers.authorization)) return send(res, 401, { error: 'invalid_client' });
    const body = grant(params);
    return body ? send(res, 200, body) : send(res, 400, { error: 'invalid_grant' });
  }
  if (req.method === 'GET' && path === '/secure') {
    const header = req.headers.authorization;
    const stored = header?.startsWith('Bearer ') ? accessTokens.get(header.slice(7)) : undefined;
    if (!stored || stored.expiresAt <= Date.now()) {
      answer(res, 401, { 'WWW-Authenticate': 'Bearer error="invalid_token"' });
      return;
    }
    answer(res, 200, { 'Content-Type': 'text/plain' }, 'Secure Hello!');
    return;
  }
  if (req.method === 'POST' && path === MINT_PATH) {
    const { kind, n } = JSON.parse(await readBody(req));
    const values = Array.from({ length: n }, () => (kind === 'code' ? mintCode() : issue(USER.id, SCOPE, true).refresh_token));
    return send(res, 200, values);
  }
  answer(res, 404);
});
writeAtTurnEnd(server);

server.listen(LISTEN_PORT, '127.0.0.1', () => announce(server, 'plain node:http'));
stopOnSignal(server);
