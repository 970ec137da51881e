/**
 * The README's curl walk-through (its `<!-- run: walkthrough -->` blocks), run as written in one shell
 * against the demo config served by the CLI; what each block prints is checked against the
 * `<!-- output -->` block the README shows after it, then the protocol's points one by one below.
 */
import { after, before, it } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';
import type { RunningCli } from '../helpers/app-server.js';
import { startCli, tempDir } from '../helpers/app-server.js';
import { assertShown, docBlocks, outputOf } from '../helpers/doc-blocks.js';

const root = join(import.meta.dirname, '../..');
const blocks = docBlocks();
const walkthrough = blocks.filter((block) => block.file === 'README.md' && block.kind === 'run' && block.value === 'walkthrough');
/** Printed between two blocks, so that each block's own output can be told apart. */
const BETWEEN = '@@ next block @@';
let server: RunningCli;
let output = '';

before(async () => {
  // The demo config itself, on a fresh database of its own.
  const demo = JSON.parse(await readFile(join(root, 'config/demo.json'), 'utf8')) as Record<string, unknown>;
  server = await startCli({ ...demo, store: `sqlite:${join(tempDir(), 'demo.db')}` });
  assert.ok(walkthrough.length >= 10, 'the walk-through has its shell blocks');
  // One shell, blocks in order, as a reader pastes them; only the server's address differs.
  const script = walkthrough.map((block) => `${block.code}\necho '${BETWEEN}'`).join('\n').replaceAll('http://localhost:9191', server.url);
  ({ stdout: output } = await promisify(execFile)('bash', ['-c', script], { timeout: 60_000 }));
});

after(() => server?.stop());

it('each block prints what the README shows after it', () => {
  const printed = output.split(`${BETWEEN}\n`);
  assert.equal(printed.length, walkthrough.length + 1, output);
  const shown = walkthrough.filter((block) => outputOf(block, blocks));
  assert.ok(shown.length >= 10, `${shown.length} blocks show their output`);
  for (const [i, block] of walkthrough.entries()) {
    const expected = outputOf(block, blocks);
    if (expected) assertShown(block.where, expected.code, printed[i] ?? '');
  }
});

it('the authorization code steps redirect with a code, exchange it once, and refuse the replay (RFC 6749 §4.1.2)', () => {
  assert.match(output, /location: https:\/\/client\.example\.com\/cb\?code=[\w-]+&state=xyz&iss=/i);
  assert.match(output, /\{"access_token":"[\w-]+","token_type":"Bearer","expires_in":3600,"refresh_token":"[\w-]+"\}/);
  assert.match(output, /"error":"invalid_grant","error_description":"The authorization code has already been used/);
});

it('the implicit step redirects with the token in the fragment (RFC 6749 §4.2.2)', () => {
  assert.match(output, /location: https:\/\/client\.example\.com\/cb#access_token=[\w-]+&token_type=Bearer&expires_in=3600/i);
});

it('the password and refresh steps issue tokens, the refresh one rotated (RFC 6749 §4.3, §6)', () => {
  const refreshes = output.match(/"refresh_token":"[\w-]+"/g) ?? [];
  // code exchange, password, refresh, external token: four refresh tokens, all different.
  assert.equal(new Set(refreshes).size, refreshes.length);
  assert.ok(refreshes.length >= 4, output);
});

it('the client credentials token opens /secure, then introspects active, and after revocation inactive', () => {
  assert.match(output, /HTTP\/1\.1 200 OK[\s\S]*?Secure Hello!/);
  assert.match(output, /\{"active":true,"scope":"read","client_id":"SkyVaultapp"/);
  assert.match(output, /\n200\n\{"active":false\}/);
  assert.match(output, /www-authenticate: Bearer realm="/i);
});

it('the external token step imports a token that then authenticates', () => {
  assert.match(output, /"access_token":"upstream-token-\d+"[\s\S]*?\nSecure Hello!/);
});

it('the device steps start a device authorization and poll it: authorization_pending until the person allows (RFC 8628 §3.2, §3.5)', () => {
  assert.match(output, /"user_code":"[BCDFGHJKLMNPQRSTVWXZ]{4}-[BCDFGHJKLMNPQRSTVWXZ]{4}","verification_uri":"http:\/\/[^"]+\/device","verification_uri_complete":"[^"]+\?user_code=/);
  assert.match(output, /\{"error":"authorization_pending","error_description":"[^"]+"\}/);
});

it('metadata, keys and health answer', () => {
  assert.match(output, /"authorization_response_iss_parameter_supported":true/);
  assert.match(output, /\{"keys":\[\]\}/);
  assert.match(output, /\{"status":"ok"\}/);
});
