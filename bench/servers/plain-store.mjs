/**
 * The physical limit of a persistent store: bare node:http doing plain.mjs's work, with the token
 * kept in a database through the same driver and durability as tollgate's store for it. One INSERT
 * per token (its SHA-256 as the key, as tollgate keeps it), one indexed read per bearer check,
 * nothing else: no grant index, no copy of the client. `plain-sqlite.mjs`, `plain-pg.mjs` and
 * `plain-redis.mjs` each give it a backend:
 *   { name, save(hash, record, expiresAt): Promise, find(hash): Promise<{ expiresAt, record } | undefined>, close(): Promise }
 * A backend that also has the two calls below serves `code` and `refresh` as well (`cc-32`/`bearer` only otherwise):
 *   saveAll(rows: { kind, hash, record, expiresAt }[]): Promise   all rows in one statement (one commit)
 *   take(kind, hash): Promise<{ expiresAt, record } | undefined>  read and delete in one atomic step (single use)
 * so a code exchange or a refresh rotation is the least any server must do: one atomic take of the
 * code (or refresh token), then one write of the new access + refresh pair. A backend with
 *   mintAccessToken(claims): Promise<string>   the client_credentials access token for these claims
 * issues that instead of 256 random bits (`plain-jwt.mjs`: a signed JWT).
 */
import { createServer } from 'node:http';
import { randomBytes } from 'node:crypto';
import { CLIENT_ID, LISTEN_PORT, MINT_PATH, REDIRECT_URI, SCOPE, USER, announce, answer, authenticateClient, writeAtTurnEnd, readBody, sha256, stopOnSignal } from './fixture.mjs';

const TTL = 3600;
const REFRESH_TTL = 14 * 86400;
const CODE_TTL = 600;
const NO_STORE = { 'Content-Type': 'application/json;charset=UTF-8', 'Cache-Control': 'no-store', Pragma: 'no-cache' };

function send(res, status, body) {
  answer(res, status, NO_STORE, JSON.stringify(body));
}

const newToken = () => randomBytes(32).toString('base64url');

/** Serves `/oauth/token` (client_credentials, and with `saveAll`/`take` authorization_code and refresh_token) and `/secure`. */
export function servePlainStore(backend) {
  const singleUse = typeof backend.saveAll === 'function' && typeof backend.take === 'function';

  /** An access + refresh pair for `user`, as rows for `saveAll`, and the answer's body. */
  function pair(user, scope) {
    const accessToken = newToken();
    const refreshToken = newToken();
    const record = { clientId: CLIENT_ID, user, scope };
    const rows = [
      { kind: 'at', hash: sha256(accessToken), record, expiresAt: Date.now() + TTL * 1000 },
      { kind: 'rt', hash: sha256(refreshToken), record, expiresAt: Date.now() + REFRESH_TTL * 1000 },
    ];
    return { rows, body: { access_token: accessToken, token_type: 'Bearer', expires_in: TTL, refresh_token: refreshToken, scope } };
  }

  /** Takes `kind`'s single-use value (atomically: one caller ever gets it) and answers a new pair. */
  async function exchange(kind, value, check) {
    const taken = value ? await backend.take(kind, sha256(value)) : undefined;
    if (!taken || taken.expiresAt <= Date.now() || !check(taken.record)) return undefined;
    const { rows, body } = pair(taken.record.user, taken.record.scope);
    await backend.saveAll(rows);
    return body;
  }

  async function grant(params) {
    switch (params.get('grant_type')) {
      case 'client_credentials': {
        const scope = params.get('scope') ?? SCOPE;
        const accessToken = backend.mintAccessToken ? await backend.mintAccessToken({ client_id: CLIENT_ID, sub: CLIENT_ID, scope }) : newToken();
        // Answered only once the write is durable, as tollgate's store answers.
        await backend.save(sha256(accessToken), { clientId: CLIENT_ID, user: CLIENT_ID, scope }, Date.now() + TTL * 1000);
        return { access_token: accessToken, token_type: 'Bearer', expires_in: TTL, scope };
      }
      case 'authorization_code':
        return singleUse ? exchange('code', params.get('code'), (code) => code.redirectUri === params.get('redirect_uri')) : undefined;
      case 'refresh_token':
        return singleUse ? exchange('rt', params.get('refresh_token'), () => true) : undefined;
      default:
        return undefined;
    }
  }

  async function token(req, res) {
    const params = new URLSearchParams(await readBody(req));
    if (!authenticateClient(req.headers.authorization)) return send(res, 401, { error: 'invalid_client' });
    const body = await grant(params);
    return body ? send(res, 200, body) : send(res, 400, { error: 'invalid_grant' });
  }

  async function secure(req, res) {
    const header = req.headers.authorization;
    const found = header?.startsWith('Bearer ') ? await backend.find(sha256(header.slice(7))) : undefined;
    if (!found || found.expiresAt <= Date.now()) {
      answer(res, 401, { 'WWW-Authenticate': 'Bearer error="invalid_token"' });
      return;
    }
    answer(res, 200, { 'Content-Type': 'text/plain' }, 'Secure Hello!');
  }

  /** The bench's pre-minting route: `n` codes or refresh tokens, saved in one `saveAll`. */
  async function mint(req, res) {
    if (!singleUse) return void answer(res, 404);
    const { kind, n } = JSON.parse(await readBody(req));
    const values = [];
    const rows = [];
    for (let i = 0; i < n; i++) {
      if (kind === 'code') {
        const code = newToken();
        values.push(code);
        const record = { clientId: CLIENT_ID, user: USER.id, scope: SCOPE, redirectUri: REDIRECT_URI };
        rows.push({ kind: 'code', hash: sha256(code), record, expiresAt: Date.now() + CODE_TTL * 1000 });
      } else {
        const minted = pair(USER.id, SCOPE);
        values.push(minted.body.refresh_token);
        rows.push(...minted.rows);
      }
    }
    await backend.saveAll(rows);
    send(res, 200, values);
  }

  const server = createServer((req, res) => {
    const path = req.url.split('?', 1)[0];
    const handler =
      req.method === 'POST' && path === '/oauth/token' ? token : req.method === 'GET' && path === '/secure' ? secure : req.method === 'POST' && path === MINT_PATH ? mint : undefined;
    if (!handler) return void answer(res, 404);
    handler(req, res).catch((err) => {
      console.error(err);
      if (!res.headersSent) res.writeHead(500);
      res.end();
    });
  });
  writeAtTurnEnd(server);
  server.listen(LISTEN_PORT, '127.0.0.1', () => announce(server, backend.name));
  stopOnSignal(server, () => backend.close());
}
