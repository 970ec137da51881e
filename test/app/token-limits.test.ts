/**
 * The token endpoint's limits over HTTP (SECURITY-CHECKLIST "Added after the first outside attack"):
 * every password grant goes through the one password guard, and a client's own limit counts only
 * requests that authenticated as it. Requests come from two loopback addresses (127.0.0.1 and 127.0.0.2).
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { request } from 'node:http';
import type { RunningCli } from '../helpers/app-server.js';
import { demoConfig, startCli } from '../helpers/app-server.js';

const ATTACKER = '127.0.0.2';
const USER = '127.0.0.1';
const SKYVAULT = 'Basic ' + Buffer.from('SkyVaultapp:secret').toString('base64');

interface Answer {
  status: number;
  retryAfter: string | undefined;
  body: Record<string, unknown>;
}

/** POSTs a token request from `localAddress`. */
function postToken(baseUrl: string, localAddress: string, params: Record<string, string> | string, authorization = SKYVAULT): Promise<Answer> {
  const body = typeof params === 'string' ? params : new URLSearchParams(params).toString();
  return new Promise((resolve, reject) => {
    const req = request(
      new URL('/oauth/token', baseUrl),
      { method: 'POST', localAddress, agent: false, headers: { 'content-type': 'application/x-www-form-urlencoded', authorization, 'content-length': Buffer.byteLength(body) } },
      (res) => {
        let text = '';
        res.setEncoding('utf8');
        res.on('data', (chunk: string) => (text += chunk));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, retryAfter: res.headers['retry-after'], body: JSON.parse(text) as Record<string, unknown> }));
      },
    );
    req.on('error', reject);
    req.end(body);
  });
}

describe('password guessing through the token endpoint', () => {
  let cli: RunningCli;
  before(async () => {
    cli = await startCli(demoConfig());
  });
  after(() => cli.stop());

  test('600 wrong passwords through the password grant from one IP get 429s long before the end; the real user, from another IP, still signs in', async () => {
    const statuses: number[] = [];
    for (let i = 0; i < 600; i++) {
      statuses.push((await postToken(cli.url, ATTACKER, { grant_type: 'password', username: 'admin', password: `guess-${i}` })).status);
    }
    const first429 = statuses.indexOf(429);
    assert.ok(first429 !== -1 && first429 <= 10, `first 429 at attempt ${first429}`);
    assert.deepEqual(new Set(statuses.slice(first429)), new Set([429]));
    assert.equal(statuses.filter((s) => s === 400).length, first429, 'the guesses before the limit were invalid_grant, none succeeded');
    const real = await postToken(cli.url, USER, { grant_type: 'password', username: 'admin', password: 'tiger' });
    assert.equal(real.status, 200);
    assert.equal(typeof real.body.access_token, 'string');
  });

  test('a password guard refusal is 429 invalid_request with Retry-After', async () => {
    const refused = await postToken(cli.url, ATTACKER, { grant_type: 'password', username: 'admin', password: 'again' });
    assert.equal(refused.status, 429);
    assert.match(refused.retryAfter ?? '', /^\d+$/);
    assert.equal(refused.body.error, 'invalid_request');
  });

  test('external_token goes through the same password guard as the password grant', async () => {
    // The attacker's address already failed for admin through the password grant (above).
    const viaImport = await postToken(cli.url, ATTACKER, { grant_type: 'external_token', username: 'admin', password: 'guess', access_token: 'imported-1' });
    assert.equal(viaImport.status, 429);
    // And a fresh account, from a fresh address (the attacker's is over its per-IP limit by now), on its own.
    const statuses: number[] = [];
    for (let i = 0; i < 10; i++) {
      statuses.push((await postToken(cli.url, '127.0.0.3', { grant_type: 'external_token', username: 'nobody', password: `g${i}`, access_token: `imp-${i}` })).status);
    }
    assert.deepEqual(statuses, [400, 400, 400, 400, 400, 429, 429, 429, 429, 429]);
  });
});

describe('the per-client token limit counts only requests that authenticated', () => {
  let cli: RunningCli;
  before(async () => {
    cli = await startCli(demoConfig({ rateLimit: { tokenPerClient: { max: 5, windowSeconds: 60 } } }));
  });
  after(() => cli.stop());

  test('1000 requests naming client X with a wrong secret do not stop X\'s real requests', async () => {
    const wrong = 'Basic ' + Buffer.from('SkyVaultapp:not-the-secret').toString('base64');
    for (let i = 0; i < 1000; i++) {
      const answer = await postToken(cli.url, ATTACKER, { grant_type: 'client_credentials' }, wrong);
      assert.equal(answer.status, 401);
    }
    // Nor do requests with its real credentials refused before authentication (a repeated parameter, RFC 6749 §3.2).
    for (let i = 0; i < 20; i++) {
      assert.equal((await postToken(cli.url, ATTACKER, 'grant_type=client_credentials&scope=read&scope=read', SKYVAULT)).status, 400);
    }
    const statuses: number[] = [];
    for (let i = 0; i < 6; i++) statuses.push((await postToken(cli.url, USER, { grant_type: 'client_credentials' })).status);
    // Its own five go through; the sixth authenticated request is over its limit.
    assert.deepEqual(statuses, [200, 200, 200, 200, 200, 429]);
  });
});
