/** `accessTokenFormat: "jwt"`: RFC 9068 tokens verified with jose against the JWKS, and `tollgate keys rotate`. */
import { after, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { createLocalJWKSet, decodeProtectedHeader, jwtVerify } from 'jose';
import type { JSONWebKeySet } from 'jose';
import type { RunningCli } from '../helpers/app-server.js';
import { demoConfig, runCli, startCli, tempDir, writeConfig } from '../helpers/app-server.js';
import { postToken } from '../helpers/app-agent.js';

const ISSUER = 'http://localhost:9191';

async function jwks(url: string): Promise<JSONWebKeySet> {
  return (await (await fetch(`${url}/.well-known/jwks.json`)).json()) as JSONWebKeySet;
}

describe('JWT access tokens', () => {
  const dir = tempDir();
  const file = writeConfig(demoConfig({ issuer: ISSUER, accessTokenFormat: 'jwt', audience: 'https://api.example.com', store: `sqlite:${join(dir, 'jwt.db')}` }), dir);
  let cli: RunningCli | undefined;
  after(() => cli?.stop());

  test('tokens verify against the published JWKS with iss, aud and typ at+jwt (RFC 9068 §2, §4)', async () => {
    cli = await startCli(undefined, { configFile: file });
    const { json } = await postToken(cli.url, { grant_type: 'password', username: 'admin', password: 'tiger', scope: 'read' }, ['SkyVaultapp', 'secret']);
    const token = json.access_token as string;
    const { payload, protectedHeader } = await jwtVerify(token, createLocalJWKSet(await jwks(cli.url)), {
      issuer: ISSUER,
      audience: 'https://api.example.com',
      typ: 'at+jwt',
      algorithms: ['ES256', 'EdDSA'],
    });
    assert.equal(payload.client_id, 'SkyVaultapp');
    assert.equal(payload.scope, 'read');
    assert.ok(protectedHeader.kid);
    const metadata = (await (await fetch(`${cli.url}/.well-known/oauth-authorization-server`)).json()) as Record<string, unknown>;
    assert.equal(metadata.jwks_uri, `${ISSUER}/.well-known/jwks.json`);
    assert.equal((await fetch(`${cli.url}/secure`, { headers: { authorization: `Bearer ${token}` } })).status, 200);
  });

  test('keys rotate: the new key is published at once and signs after keyActivationDelay; a token signed before still verifies', async () => {
    assert.ok(cli);
    const before = (await postToken(cli.url, { grant_type: 'client_credentials' }, ['SkyVaultapp', 'secret'])).json.access_token as string;
    const rotated = await runCli(['keys', 'rotate', '--config', file]);
    assert.equal(rotated.code, 0, rotated.stderr);
    const kid = /new signing key (\S+) \(ES256\): published now, signs from (\S+);/.exec(rotated.stdout)?.[1];
    assert.ok(kid, rotated.stdout);
    // A restart reads the store's keys afresh, whatever the key cache interval.
    await cli.stop();
    cli = await startCli(undefined, { configFile: file });
    // The default delay (300 s): JWKS caches learn the key before any token needs it.
    assert.ok((await jwks(cli.url)).keys.some((key) => key.kid === kid));
    const during = (await postToken(cli.url, { grant_type: 'client_credentials' }, ['SkyVaultapp', 'secret'])).json.access_token as string;
    assert.equal(decodeProtectedHeader(during).kid, decodeProtectedHeader(before).kid);
    // With no delay, the same store's newest key signs.
    await cli.stop();
    cli = await startCli(undefined, { configFile: writeConfig({ ...JSON.parse(readFileSync(file, 'utf8')), keyActivationDelay: 0 }, dir) });
    const after = (await postToken(cli.url, { grant_type: 'client_credentials' }, ['SkyVaultapp', 'secret'])).json.access_token as string;
    assert.equal(decodeProtectedHeader(after).kid, kid);
    const keys = createLocalJWKSet(await jwks(cli.url));
    for (const token of [before, during, after]) await jwtVerify(token, keys, { issuer: ISSUER, audience: 'https://api.example.com' });
  });
});

describe('JWT access tokens signed with EdDSA (accessTokenSigningAlg)', () => {
  const dir = tempDir();
  const config = { issuer: ISSUER, accessTokenFormat: 'jwt', store: `sqlite:${join(dir, 'eddsa.db')}`, keyActivationDelay: 0 };
  let cli: RunningCli | undefined;
  after(() => cli?.stop());

  test('the first key is Ed25519: tokens are EdDSA, verify against the JWKS with jose, and pass the bearer check (RFC 8037 §3.1)', async () => {
    cli = await startCli(undefined, { configFile: writeConfig(demoConfig({ ...config, accessTokenSigningAlg: 'EdDSA' }), dir) });
    const token = (await postToken(cli.url, { grant_type: 'client_credentials' }, ['SkyVaultapp', 'secret'])).json.access_token as string;
    const set = await jwks(cli.url);
    assert.deepEqual(set.keys.map((key) => [key.alg, key.kty, key.crv]), [['EdDSA', 'OKP', 'Ed25519']]);
    const { protectedHeader } = await jwtVerify(token, createLocalJWKSet(set), { issuer: ISSUER, audience: ISSUER, typ: 'at+jwt', algorithms: ['EdDSA'] });
    assert.equal(protectedHeader.alg, 'EdDSA');
    assert.equal((await fetch(`${cli.url}/secure`, { headers: { authorization: `Bearer ${token}` } })).status, 200);
  });

  test('a server whose only JWTs are a resource\'s makes its first key with the configured algorithm too', async () => {
    await cli?.stop();
    const resourceOnly = { ...config, accessTokenFormat: 'opaque', store: `sqlite:${join(dir, 'resource-only.db')}`, accessTokenSigningAlg: 'EdDSA' };
    const reports = 'https://reports.example.com';
    cli = await startCli(undefined, { configFile: writeConfig(demoConfig({ ...resourceOnly, resources: [{ uri: reports, scope: 'read', accessTokenFormat: 'jwt' }] }), dir) });
    const token = (await postToken(cli.url, { grant_type: 'client_credentials', scope: 'read', resource: reports }, ['SkyVaultapp', 'secret'])).json.access_token as string;
    assert.equal(decodeProtectedHeader(token).alg, 'EdDSA');
    assert.deepEqual((await jwks(cli.url)).keys.map((key) => key.alg), ['EdDSA']);
  });

  test('keys rotate makes a key of the configured algorithm, so changing it and rotating moves the signing key (ES256 to EdDSA)', async () => {
    await cli?.stop();
    const es256 = writeConfig(demoConfig({ ...config, store: `sqlite:${join(dir, 'switch.db')}` }), dir);
    cli = await startCli(undefined, { configFile: es256 });
    const before = (await postToken(cli.url, { grant_type: 'client_credentials' }, ['SkyVaultapp', 'secret'])).json.access_token as string;
    assert.equal(decodeProtectedHeader(before).alg, 'ES256');
    await cli.stop();
    const eddsa = writeConfig({ ...JSON.parse(readFileSync(es256, 'utf8')), accessTokenSigningAlg: 'EdDSA' }, dir);
    const rotated = await runCli(['keys', 'rotate', '--config', eddsa]);
    assert.equal(rotated.code, 0, rotated.stderr);
    assert.match(rotated.stdout, /new signing key \S+ \(EdDSA\)/);
    cli = await startCli(undefined, { configFile: eddsa });
    const after = (await postToken(cli.url, { grant_type: 'client_credentials' }, ['SkyVaultapp', 'secret'])).json.access_token as string;
    assert.equal(decodeProtectedHeader(after).alg, 'EdDSA');
    // The ES256 key stays published until the tokens it signed expire.
    const keys = createLocalJWKSet(await jwks(cli.url));
    for (const token of [before, after]) await jwtVerify(token, keys, { issuer: ISSUER, audience: ISSUER, algorithms: ['ES256', 'EdDSA'] });
  });
});
