/**
 * The physical limit of a persistent store: bare node:http doing plain.mjs's work, with the token
 * kept in a database through the same driver and durability as tollgate's store for it. One INSERT
 * per token (its SHA-256 as the key, as tollgate keeps it), one indexed read per bearer check,
 * nothing else: no grant index, no refresh token, no client copy. Only `cc-32`/`bearer` are served.
 * `plain-sqlite.mjs`, `plain-pg.mjs` and `plain-redis.mjs` each give it a backend:
 *   { name, save(hash, record, expiresAt): Promise, find(hash): Promise<{ expiresAt, record } | undefined>, close(): Promise }
 */
import { createServer } from 'node:http';
import { randomBytes } from 'node:crypto';
import { CLIENT_ID, LISTEN_PORT, SCOPE, announce, authenticateClient, readBody, sha256, stopOnSignal } from './fixture.mjs';

const TTL = 3600;
const NO_STORE = { 'Content-Type': 'application/json;charset=UTF-8', 'Cache-Control': 'no-store', Pragma: 'no-cache' };

function send(res, status, body) {
  res.writeHead(status, NO_STORE).end(JSON.stringify(body));
}

/** Serves `/oauth/token` (client_credentials) and `/secure` with `backend` holding the tokens. */
export function servePlainStore(backend) {
  async function token(req, res) {
    const params = new URLSearchParams(await readBody(req));
    if (!authenticateClient(req.headers.authorization)) return send(res, 401, { error: 'invalid_client' });
    if (params.get('grant_type') !== 'client_credentials') return send(res, 400, { error: 'unsupported_grant_type' });
    const scope = params.get('scope') ?? SCOPE;
    const accessToken = randomBytes(32).toString('base64url');
    const expiresAt = Date.now() + TTL * 1000;
    // Answered only once the write is durable, as tollgate's store answers.
    await backend.save(sha256(accessToken), { clientId: CLIENT_ID, user: CLIENT_ID, scope }, expiresAt);
    send(res, 200, { access_token: accessToken, token_type: 'Bearer', expires_in: TTL, scope });
  }

  async function secure(req, res) {
    const header = req.headers.authorization;
    const found = header?.startsWith('Bearer ') ? await backend.find(sha256(header.slice(7))) : undefined;
    if (!found || found.expiresAt <= Date.now()) {
      res.writeHead(401, { 'WWW-Authenticate': 'Bearer error="invalid_token"' }).end();
      return;
    }
    res.writeHead(200, { 'Content-Type': 'text/plain' }).end('Secure Hello!');
  }

  const server = createServer((req, res) => {
    const path = req.url.split('?', 1)[0];
    const handler = req.method === 'POST' && path === '/oauth/token' ? token : req.method === 'GET' && path === '/secure' ? secure : undefined;
    if (!handler) return void res.writeHead(404).end();
    handler(req, res).catch((err) => {
      console.error(err);
      if (!res.headersSent) res.writeHead(500);
      res.end();
    });
  });
  server.listen(LISTEN_PORT, '127.0.0.1', () => announce(server, backend.name));
  stopOnSignal(server, () => backend.close());
}
