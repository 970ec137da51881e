/** external_token with `upstream` configured: each imported token is introspected at the upstream (RFC 7662) before it is accepted. */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { RunningCli } from '../helpers/app-server.js';
import { demoConfig, startCli } from '../helpers/app-server.js';
import { postToken } from '../helpers/app-agent.js';

const UPSTREAM_AUTH = `Basic ${Buffer.from('upstream-client:upstream-secret').toString('base64')}`;

/** The upstream's view of tokens, as RFC 7662 §2.2 answers. */
const ANSWERS: Record<string, { status: number; body: Record<string, unknown> }> = {
  'good-token': { status: 200, body: { active: true, username: 'admin', exp: Math.floor(Date.now() / 1000) + 3600 } },
  'no-user-token': { status: 200, body: { active: true } },
  'someone-elses-token': { status: 200, body: { active: true, username: 'mallory' } },
  'expired-token': { status: 200, body: { active: true, username: 'admin', exp: 1000 } },
  'revoked-token': { status: 200, body: { active: false } },
  'broken-token': { status: 500, body: {} },
  'text-exp-token': { status: 200, body: { active: true, username: 'admin', exp: String(Math.floor(Date.now() / 1000) + 3600) } },
  'huge-token': { status: 200, body: { active: true, username: 'admin', padding: 'x'.repeat(1024 * 1024) } },
};
/** Tokens the upstream answers with an endless chunked body (no Content-Length to refuse it by). */
const ENDLESS = 'endless-token';

describe('external_token checked against the upstream', () => {
  const upstream = createServer((req, res) => {
    let body = '';
    req.on('data', (chunk: Buffer) => (body += chunk));
    req.on('end', () => {
      if (req.url !== '/introspect' || req.headers.authorization !== UPSTREAM_AUTH) {
        res.writeHead(401).end();
        return;
      }
      const token = new URLSearchParams(body).get('token') ?? '';
      if (token === ENDLESS) {
        res.writeHead(200, { 'content-type': 'application/json' });
        res.write('{"active":true,"username":"admin","padding":"');
        // Writes until the reader goes away; a whole read would take 50 MB.
        const chunk = 'x'.repeat(64 * 1024);
        let written = 0;
        const pump = (): void => {
          while (written < 800 && res.write(chunk)) written++;
          if (written < 800 && !res.destroyed) res.once('drain', pump);
          else res.end('"}');
        };
        res.on('close', () => (written = 800));
        pump();
        return;
      }
      const answer = ANSWERS[token] ?? { status: 200, body: { active: false } };
      res.writeHead(answer.status, { 'content-type': 'application/json' }).end(JSON.stringify(answer.body));
    });
  });
  let cli: RunningCli;
  before(async () => {
    await new Promise<void>((resolve) => upstream.listen(0, '127.0.0.1', resolve));
    const { port } = upstream.address() as AddressInfo;
    cli = await startCli(
      demoConfig({
        upstream: {
          introspectionUri: `http://127.0.0.1:${port}/introspect`,
          accessTokenUri: `http://127.0.0.1:${port}/oauth/token`,
          userAuthorizationUri: `http://127.0.0.1:${port}/oauth/authorize`,
          clientId: 'upstream-client',
          clientSecret: 'upstream-secret',
        },
      }),
    );
  });
  after(async () => {
    await cli.stop();
    await new Promise((resolve) => upstream.close(resolve));
  });

  const importToken = (token: string) =>
    postToken(cli.url, { grant_type: 'external_token', username: 'admin', password: 'tiger', access_token: token }, ['SkyVaultapp', 'secret']);

  test('a token the upstream reports active for this user is imported and opens /secure', async () => {
    for (const token of ['good-token', 'no-user-token']) {
      const { status, json } = await importToken(token);
      assert.equal(status, 200);
      assert.equal(json.access_token, token);
      assert.equal((await fetch(`${cli.url}/secure`, { headers: { authorization: `Bearer ${token}` } })).status, 200);
    }
  });

  test('inactive, expired or another user\'s token is invalid_grant and does not authenticate', async () => {
    for (const token of ['revoked-token', 'expired-token', 'someone-elses-token']) {
      const { status, json } = await importToken(token);
      assert.equal(status, 400, token);
      assert.equal(json.error, 'invalid_grant');
      assert.equal((await fetch(`${cli.url}/secure`, { headers: { authorization: `Bearer ${token}` } })).status, 401);
    }
  });

  test('an upstream exp that is not a number is refused (invalid_grant), not ignored (RFC 7662 §2.2)', async () => {
    const { status, json } = await importToken('text-exp-token');
    assert.equal(status, 400);
    assert.equal(json.error, 'invalid_grant');
  });

  test('an upstream answer over 64 KiB is refused, by its Content-Length or while streaming: 503 temporarily_unavailable', async () => {
    for (const token of ['huge-token', ENDLESS]) {
      const { status, json } = await importToken(token);
      assert.equal(status, 503, token);
      assert.equal(json.error, 'temporarily_unavailable');
      assert.match(String(json.error_description), /more than 65536 bytes/);
    }
  });

  test('an upstream that fails to answer makes the import temporarily_unavailable with 503', async () => {
    const { status, json } = await importToken('broken-token');
    assert.equal(status, 503);
    assert.equal(json.error, 'temporarily_unavailable');
  });
});
