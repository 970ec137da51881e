/**
 * Every place a password is checked goes through one limiter (SECURITY-CHECKLIST "Added after the
 * first outside attack"; issue 16, vulnerability 2): the skyvaultCompat HTTP Basic credentials at
 * /authorize are counted with the password grant, in both directions, so moving between them
 * buys an attacker no extra guesses. Requests come from distinct loopback addresses so the tests
 * do not share a per-IP count.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { request } from 'node:http';
import type { RunningCli } from '../helpers/app-server.js';
import { REDIRECT_URI, demoConfig, startCli } from '../helpers/app-server.js';

const PER_PAIR = 3;
const WINDOW_SECONDS = 300;

/**
 * Waits out the last five seconds of a rate-limit window. The limiter slides (src/app/rate-limit.ts):
 * just past a window's edge the last window's count weighs a little less than whole, so failures
 * counted just before the edge fall short of the limit just after it. A CI run on 2026-12-03 most
 * likely met that edge (by its timings, within seconds of 12:15:00): a 200 where 429 was due.
 */
async function awayFromWindowEdge(): Promise<void> {
  const left = WINDOW_SECONDS * 1000 - (Date.now() % (WINDOW_SECONDS * 1000));
  if (left < 5000) await new Promise((resolve) => setTimeout(resolve, left + 50));
}

const AUTHORIZE = `/authorize?${new URLSearchParams({ response_type: 'code', client_id: 'SkyVaultapp', redirect_uri: REDIRECT_URI, state: 'xyz' })}`;
const basic = (user: string, password: string) => `Basic ${Buffer.from(`${user}:${password}`).toString('base64')}`;

interface Answer {
  status: number;
  headers: Record<string, string | string[] | undefined>;
}

/** A request from `localAddress`, as the SkyVault guide's curl sends it. */
function send(baseUrl: string, localAddress: string, method: string, path: string, headers: Record<string, string>, body = ''): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const req = request(new URL(path, baseUrl), { method, localAddress, agent: false, headers: { ...headers, 'content-length': Buffer.byteLength(body) } }, (res) => {
      res.resume();
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers }));
    });
    req.on('error', reject);
    req.end(body);
  });
}

const basicAtAuthorize = (url: string, ip: string, password: string) => send(url, ip, 'GET', AUTHORIZE, { authorization: basic('admin', password) });
const passwordGrant = (url: string, ip: string, password: string) =>
  send(
    url,
    ip,
    'POST',
    '/oauth/token',
    { 'content-type': 'application/x-www-form-urlencoded', authorization: basic('SkyVaultapp', 'secret') },
    new URLSearchParams({ grant_type: 'password', username: 'admin', password }).toString(),
  );

describe('one password guard for the sign-in paths', () => {
  let cli: RunningCli;
  before(async () => {
    cli = await startCli(demoConfig({ skyvaultCompat: true, rateLimit: { loginPerUsernameAndIp: { max: PER_PAIR, windowSeconds: WINDOW_SECONDS } } }));
  });
  after(() => cli.stop());

  test('skyvaultCompat Basic at /authorize is rate-limited: past the limit even the right password is 429 with Retry-After, never a code', async () => {
    const ip = '127.0.0.5';
    await awayFromWindowEdge();
    for (let i = 0; i < PER_PAIR; i++) assert.equal((await basicAtAuthorize(cli.url, ip, 'wrong')).status, 401);
    const refused = await basicAtAuthorize(cli.url, ip, 'tiger');
    assert.equal(refused.status, 429);
    assert.ok(Number(refused.headers['retry-after']) > 0);
    assert.equal(refused.headers.location, undefined);
  });

  test('wrong passwords through Basic at /authorize count against the password grant', async () => {
    const ip = '127.0.0.6';
    await awayFromWindowEdge();
    for (let i = 0; i < PER_PAIR; i++) assert.equal((await basicAtAuthorize(cli.url, ip, 'wrong')).status, 401);
    assert.equal((await passwordGrant(cli.url, ip, 'tiger')).status, 429);
  });

  test('wrong passwords through the password grant count against Basic at /authorize', async () => {
    const ip = '127.0.0.7';
    await awayFromWindowEdge();
    for (let i = 0; i < PER_PAIR; i++) assert.equal((await passwordGrant(cli.url, ip, 'wrong')).status, 400);
    const refused = await basicAtAuthorize(cli.url, ip, 'tiger');
    assert.equal(refused.status, 429);
    assert.equal(refused.headers.location, undefined);
  });

  test('the right password from an address with no failures still works on both paths', async () => {
    const ip = '127.0.0.8';
    assert.equal((await basicAtAuthorize(cli.url, ip, 'tiger')).status, 302);
    assert.equal((await passwordGrant(cli.url, ip, 'tiger')).status, 200);
  });
});
