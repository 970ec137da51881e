/**
 * What the docs' non-host snippets must do, wherever they are compiled and run: in the repository
 * (test/docs-snippets.test.ts) and in a project where the packed tarball is installed
 * (test/package/installed-tarball.test.ts). Each check is registered as a node:test suite.
 */
import assert from 'node:assert/strict';
import type { SpawnSyncReturns } from 'node:child_process';
import { copyFileSync, mkdirSync, readdirSync, writeFileSync } from 'node:fs';
import { describe, test } from 'node:test';
import type { TestContext } from 'node:test';
import type { AuthorizationServer } from '../../src/index.js';
import { FRAGMENT_FIXTURES, composeFragment, docBlocks } from './doc-blocks.js';
import type { DocBlock } from './doc-blocks.js';
import { checkUnavailable } from './doc-checks.js';

/** Where a snippet saved from docs/NAME.md lives under `dir`: `dir/NAME/FILE`. */
export const snippetFile = (dir: string, doc: string, name: string): string => `${dir}/${doc.replace(/\.md$/, '')}/${name}`;
/** Where a fragment inside its fixture lives under `dir`. */
export const fragmentFile = (dir: string, fixture: string): string => `${dir}/fragments/${fixture}.ts`;

/**
 * Saves every `snippet` of docs/ as its own file and every `fragment` inside its fixture, under `dir`,
 * with the modules fixtures share (test/docs/fragments/support/NAME.ts.tmpl, imported as `./NAME.js`).
 */
export function writeDocCode(dir: string): { snippets: DocBlock[]; fragments: DocBlock[] } {
  const blocks = docBlocks();
  const snippets = blocks.filter((block) => block.kind === 'snippet');
  const fragments = blocks.filter((block) => block.kind === 'fragment');
  for (const { doc, value, code } of snippets) {
    mkdirSync(snippetFile(dir, doc, ''), { recursive: true });
    writeFileSync(snippetFile(dir, doc, value), `${code}\n`);
  }
  mkdirSync(`${dir}/fragments`, { recursive: true });
  for (const block of fragments) writeFileSync(fragmentFile(dir, block.value), composeFragment(block));
  for (const name of readdirSync(`${FRAGMENT_FIXTURES}support`)) copyFileSync(`${FRAGMENT_FIXTURES}support/${name}`, fragmentFile(dir, name.replace(/\.ts\.tmpl$/, '')));
  return { snippets, fragments };
}

/** The exit code of a fixture that cannot run here (a server it needs is not there); its output says why. */
const FRAGMENT_UNAVAILABLE = 77;

/** Fails unless a fragment's run exited 0; one that exited FRAGMENT_UNAVAILABLE is skipped, or failed when CI=true. */
export function assertFragmentRan(t: TestContext, where: string, run: SpawnSyncReturns<string>): void {
  if (run.status === FRAGMENT_UNAVAILABLE) return checkUnavailable(t, `${where}: ${run.stdout.trim()}`);
  assert.equal(run.status, 0, `${where}:\n${run.stdout}${run.stderr}`);
}

/** How the snippets saved from docs/NAME.md are reached where they were compiled. */
export interface SnippetPlace {
  /** Imports the snippet `name` saved from `doc`. */
  importSnippet(doc: string, name: string): Promise<unknown>;
  /** Runs the snippet `name` saved from `doc` as a node:test file, TAP on its stdout. */
  runTestFile(doc: string, name: string): SpawnSyncReturns<string>;
}

/** Registers the checks of model.md, grants.md, stores.md and resource-servers.md's snippets. */
export function describeSnippetChecks(where: SnippetPlace): void {
  /** A form POST to a server's `handle`, as a client would send it. */
  function formPost(path: string, form: Record<string, string>, basic?: string): Parameters<AuthorizationServer['handle']>[0] {
    const headers: Record<string, string> = { 'content-type': 'application/x-www-form-urlencoded' };
    if (basic) headers.authorization = `Basic ${Buffer.from(basic).toString('base64')}`;
    return { method: 'POST', url: path, headers, body: new URLSearchParams(form).toString() };
  }

  describe('docs/model.md: the minimal model', () => {
    test('issues a client_credentials token that authenticates, and refuses a wrong secret (RFC 6749 §2.3.1, §4.4)', async () => {
      const { server } = (await where.importSnippet('model.md', 'model.ts')) as { server: AuthorizationServer };
      const secret = 'change-me-to-32-random-characters!!';
      const ok = await server.handle(formPost('/oauth/token', { grant_type: 'client_credentials' }, `reports-service:${secret}`));
      assert.equal(ok?.status, 200, ok?.body);
      const { access_token: accessToken, scope } = JSON.parse(ok.body) as { access_token: string; scope: string };
      assert.equal(scope, 'reports:read');
      const result = await server.authenticate({ method: 'GET', url: '/r', headers: { authorization: `Bearer ${accessToken}` } }, { scope: ['reports:read'] });
      assert.equal(result.type, 'authenticated');
      assert.equal(result.type === 'authenticated' && result.token.user.id, 'reports-service');

      const wrong = await server.handle(formPost('/oauth/token', { grant_type: 'client_credentials' }, `reports-service:${secret}x`));
      assert.equal(wrong?.status, 401);
      assert.equal((JSON.parse(wrong.body) as { error: string }).error, 'invalid_client');
    });
  });

  describe('docs/model.md: the store contract', () => {
    test('the store contract block runs as a node:test suite and passes, races included (RFC 6749 §4.1.2, RFC 9700 §4.14.2)', () => {
      const run = where.runTestFile('model.md', 'store-contract.test.ts');
      assert.equal(run.status, 0, run.stdout + run.stderr);
      const passed = Number(/^# pass (\d+)$/m.exec(run.stdout)?.[1]);
      assert.ok(passed >= 30, `the contract ran ${passed} cases`);
      assert.match(run.stdout, /^# fail 0$/m);
      assert.match(run.stdout, /exactly one wins/);
    });
  });

  describe('docs/grants.md: the api-key extension grant', () => {
    const TYPE = 'urn:example:params:oauth:grant-type:api-key';
    const BASIC = 'cli:change-me-to-32-random-characters!!';

    test('the right key gets a token for its person; a wrong or missing key gets invalid_grant or invalid_request (RFC 6749 §4.5, §5.2)', async () => {
      const { server } = (await where.importSnippet('grants.md', 'api-key-grant.ts')) as { server: AuthorizationServer };
      const ok = await server.handle(formPost('/oauth/token', { grant_type: TYPE, api_key: 'ak_live_0123456789abcdef0123456789abcdef' }, BASIC));
      assert.equal(ok?.status, 200, ok?.body);
      const body = JSON.parse(ok.body) as { access_token: string; refresh_token?: string };
      assert.equal(body.refresh_token, undefined);
      const result = await server.authenticate({ method: 'GET', url: '/r', headers: { authorization: `Bearer ${body.access_token}` } });
      assert.equal(result.type === 'authenticated' && result.token.user.id, 'alice');

      const wrong = await server.handle(formPost('/oauth/token', { grant_type: TYPE, api_key: 'ak_live_wrong' }, BASIC));
      assert.equal(wrong?.status, 400);
      assert.equal((JSON.parse(wrong.body) as { error: string }).error, 'invalid_grant');
      const missing = await server.handle(formPost('/oauth/token', { grant_type: TYPE }, BASIC));
      assert.equal((JSON.parse(missing?.body ?? '{}') as { error: string }).error, 'invalid_request');
      const metadata = JSON.parse(server.metadata().body) as { grant_types_supported: string[] };
      assert.ok(metadata.grant_types_supported.includes(TYPE));
    });
  });

  describe('docs/stores.md: the SQLite store as a library', () => {
    test('the store opens (migrations run), keeps the client, and the server issues it a token; a wrong secret is refused (RFC 6749 §2.3.1, §4.4)', async () => {
      const { server } = (await where.importSnippet('stores.md', 'sqlite-store.ts')) as { server: AuthorizationServer };
      const ok = await server.handle(formPost('/oauth/token', { grant_type: 'client_credentials' }, 'reports-service:change-me-to-32-random-characters!!'));
      assert.equal(ok?.status, 200, ok?.body);
      const wrong = await server.handle(formPost('/oauth/token', { grant_type: 'client_credentials' }, 'reports-service:wrong'));
      assert.equal(wrong?.status, 401);
    });
  });

  describe('docs/resource-servers.md: a JWT-checking API', () => {
    test('a token from the issuer opens the API; a forged one gets invalid_token, none a bare challenge, both naming the metadata (RFC 9068 §4, RFC 6750 §3.1, RFC 9728 §5.1)', async () => {
      const { server, reports } = (await where.importSnippet('resource-servers.md', 'resource-server.ts')) as {
        server: AuthorizationServer;
        reports: (token: string | undefined) => Promise<{ status: number; headers: Record<string, string>; body: string }>;
      };
      const issued = await server.handle(formPost('/oauth/token', { grant_type: 'client_credentials', scope: 'read' }, 'reports-service:change-me-to-32-random-characters!!'));
      assert.equal(issued?.status, 200, issued?.body);
      const { access_token: token } = JSON.parse(issued.body) as { access_token: string };
      const ok = await reports(token);
      assert.equal(ok.status, 200, ok.body);
      assert.deepEqual(JSON.parse(ok.body), { client: 'reports-service' });

      const forged = await reports(`${token.slice(0, -4)}AAAA`);
      assert.equal(forged.status, 401);
      const challenge = Object.entries(forged.headers).find(([name]) => name.toLowerCase() === 'www-authenticate')?.[1] ?? '';
      assert.match(challenge, /error="invalid_token"/);
      assert.match(challenge, /resource_metadata="http:\/\/localhost:4000\/\.well-known\/oauth-protected-resource\/reports"/);
      const none = await reports(undefined);
      assert.equal(none.status, 401);
      assert.doesNotMatch(Object.values(none.headers).join(' '), /error=/);
    });
  });
}
