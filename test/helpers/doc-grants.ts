/**
 * The world of docs/grants.md's `run: grants` blocks: curl commands that need a value an earlier step
 * of the reader's own would have given. A `tollgate serve` of the demo config (memory store, a free
 * port) where SkyVaultapp also has the token exchange and JWT bearer grants, a public client `tv` has
 * the device grant, one trusted issuer (https://idp.partner.example) signs with a key of the
 * harness, and https://api.example.com/ is a resource (scope read). The harness supplies, in the environment: `$BASE` (that server), `$TOKEN` (a
 * client_credentials token of SkyVaultapp's, scope read), `$JWT` (an assertion about admin, the demo user
 * here given the id `admin`, by the trusted issuer, RFC 7523 §3) and `$DEVICE_CODE` (a device authorization of SkyVaultapp's, not yet
 * allowed). The client `api` (secret `the-apis-introspection-secret-0123456789`, `introspection_allowed`) introspects
 * tokens for docs/resource-servers.md. Every answer a block prints must be a success or
 * `authorization_pending`; an introspection answer must say `active: true`.
 */
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { SignJWT, exportJWK, generateKeyPair } from 'jose';
import type { DocBlock } from './doc-blocks.js';
import { serve } from './doc-checks.js';
import type { Place } from './doc-checks.js';
import { runShell } from './doc-shell.js';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const PARTNER = 'https://idp.partner.example';
const TOKEN_EXCHANGE = 'urn:ietf:params:oauth:grant-type:token-exchange';
const JWT_BEARER = 'urn:ietf:params:oauth:grant-type:jwt-bearer';
const DEVICE_CODE = 'urn:ietf:params:oauth:grant-type:device_code';

/** Runs `blocks` in order in the grants world, with `place`'s `tollgate`; answers what each printed. */
export async function runGrantsBlocks(blocks: readonly DocBlock[], place: Place): Promise<string[]> {
  const dir = mkdtempSync(join(tmpdir(), 'tollgate-docs-grants-'));
  const partner = await generateKeyPair('ES256');
  const { port: _port, ...demo } = JSON.parse(readFileSync(`${ROOT}config/demo.json`, 'utf8')) as { port?: number; clients: { grant_types: string[] }[]; issuer: string };
  const [skyvault] = demo.clients;
  writeFileSync(
    join(dir, 'tollgate.json'),
    JSON.stringify({
      ...demo,
      store: 'memory',
      // The demo's user, with the id the assertion's sub names (RFC 7523 §3: sub maps to a user by id).
      users: [{ id: 'admin', username: 'admin', password: 'tiger' }],
      clients: [
        { ...skyvault, grant_types: [...skyvault!.grant_types, TOKEN_EXCHANGE, JWT_BEARER] },
        { client_id: 'tv', redirect_uris: [], grant_types: [DEVICE_CODE], scope: 'read', token_endpoint_auth_method: 'none' },
        // An API that introspects tokens issued to other clients (RFC 7662 §4).
        { client_id: 'api', client_secret: 'the-apis-introspection-secret-0123456789', redirect_uris: [], grant_types: ['client_credentials'], introspection_allowed: true },
      ],
      trustedIssuers: [{ issuer: PARTNER, jwks: { keys: [await exportJWK(partner.publicKey)] } }],
      // The audience the token exchange block asks for (RFC 8707: a resource this server knows).
      resources: [{ uri: 'https://api.example.com/', scope: 'read' }],
    }),
  );
  const server = await serve(place, 'tollgate.json', dir);
  try {
    const basic = { authorization: `Basic ${Buffer.from('SkyVaultapp:secret').toString('base64')}`, 'content-type': 'application/x-www-form-urlencoded' };
    const post = async (path: string, form: Record<string, string>): Promise<Record<string, string>> => {
      const answer = await fetch(`${server.url}${path}`, { method: 'POST', headers: basic, body: new URLSearchParams(form) });
      assert.equal(answer.status, 200, `${path}: ${answer.status}`);
      return (await answer.json()) as Record<string, string>;
    };
    const env = {
      BASE: server.url,
      TOKEN: (await post('/oauth/token', { grant_type: 'client_credentials', scope: 'read' })).access_token!,
      JWT: await new SignJWT({ jti: randomUUID() })
        .setProtectedHeader({ alg: 'ES256' })
        .setIssuer(PARTNER)
        .setSubject('admin')
        .setAudience(demo.issuer)
        .setIssuedAt()
        .setExpirationTime('5m')
        .sign(partner.privateKey),
      DEVICE_CODE: (await post('/oauth/device_authorization', { scope: 'read' })).device_code!,
    };
    return blocks.map((block) => {
      const printed = runShell(block.where, block.code, dir, env);
      // curl prints each answer without a line break: one JSON object after another.
      const answers = printed.split(/(?<=\})\s*(?=\{)/).map((text) => JSON.parse(text) as { error?: string; active?: boolean });
      assert.ok(answers.length > 0, `${block.where} printed no answer`);
      for (const answer of answers) {
        assert.ok(!answer.error || answer.error === 'authorization_pending', `${block.where}: ${JSON.stringify(answer)}`);
        // RFC 7662 §2.2: an inactive token is a 200 too, but not what the page shows.
        assert.notEqual(answer.active, false, `${block.where}: ${JSON.stringify(answer)}`);
      }
      return printed;
    });
  } finally {
    await server.stop();
    rmSync(dir, { recursive: true, force: true });
  }
}
