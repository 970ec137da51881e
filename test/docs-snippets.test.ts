/**
 * The docs' code runs as written. In docs/*.md, a block after `<!-- snippet: NAME -->` is a file of
 * its own (saved as NAME, importing `tollgate` as a user would: this package, built in dist/), and a
 * block after `<!-- quote: PATH -->` is an excerpt that must still be in that source file verbatim.
 * The snippets are typechecked together, then run: the adapter ones as servers, driven by
 * openid-client (and Chromium for one), the others imported or run. Needs `npm run build` first.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import * as client from 'openid-client';
import { launchChromium } from './helpers/app-browser.js';
import { docBlocks } from './helpers/doc-blocks.js';
import { runShell } from './helpers/doc-shell.js';
import { assertFragmentRan, describeSnippetChecks, fragmentFile, snippetFile, writeDocCode } from './helpers/doc-snippets.js';
import { freePort } from './helpers/quickstart.js';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const DOCS = ['adapters.md', 'model.md', 'grants.md', 'stores.md', 'resource-servers.md'] as const;
// Inside the repository, so that `import 'tollgate'` resolves to this package (self-reference through "exports").
const DIR = `${ROOT}.docs-snippets-${process.pid}`;

const blocks = docBlocks();
const snippets = blocks.filter((block) => block.kind === 'snippet' && DOCS.some((doc) => doc === block.doc)).map(({ doc, value, code }) => ({ doc, target: value, code }));
// Quotes may be in any page and language (ui.md quotes the HTML template test/app/branding.test.ts renders).
const quotes = blocks.filter((block) => block.kind === 'quote').map(({ doc, value, code }) => ({ doc, target: value, code }));
const fileOf = (doc: string, name: string): string => snippetFile(DIR, doc, name);
const fragments = blocks.filter((block) => block.kind === 'fragment');

before(() => {
  writeDocCode(DIR);
  writeFileSync(
    `${DIR}/tsconfig.json`,
    // outDir away from dist/: TypeScript maps a self-reference's dist/*.d.ts back to rootDir/*.ts of the
    // same project, which would be the snippets themselves (express.ts for `tollgate/express`).
    JSON.stringify({ extends: '../tsconfig.json', compilerOptions: { noEmit: true, rootDir: '.', outDir: 'out' }, include: ['**/*.ts'] }),
  );
});
after(() => rmSync(DIR, { recursive: true, force: true }));

describe('the docs name what they quote and show', () => {
  test('every doc has its snippets (pages in name order) and quotes, each snippet headed by its own file name', () => {
    assert.deepEqual(snippets.map((s) => `${s.doc}:${s.target}`), [
      'adapters.md:auth.ts',
      'adapters.md:sign-in.ts',
      'adapters.md:built-in-pages.ts',
      'adapters.md:node.ts',
      'adapters.md:express.ts',
      'adapters.md:fastify.ts',
      'adapters.md:koa.ts',
      'adapters.md:hono.ts',
      'grants.md:api-key-grant.ts',
      'model.md:store-contract.test.ts',
      'model.md:model.ts',
      'resource-servers.md:resource-server.ts',
      'stores.md:sqlite-store.ts',
    ]);
    for (const { target, code } of snippets) assert.ok(code.startsWith(`// ${target}\n`), `${target} starts with "// ${target}"`);
    assert.ok(quotes.length >= 10, `found ${quotes.length} quotes`);
  });

  test('every quoted excerpt is still in its source file, verbatim', () => {
    for (const { doc, target, code } of quotes) {
      const source = readFileSync(`${ROOT}${target}`, 'utf8');
      assert.ok(source.includes(code), `docs/${doc} quotes ${target}, which no longer contains:\n${code}`);
    }
  });

  test('every snippet and fragment typechecks (strict, as the project compiles)', () => {
    const tsc = spawnSync(process.execPath, [`${ROOT}node_modules/typescript/bin/tsc`, '-p', `${DIR}/tsconfig.json`], { encoding: 'utf8' });
    assert.equal(tsc.status, 0, `${tsc.stdout}${tsc.stderr}`);
  });
});

describeSnippetChecks({
  importSnippet: (doc, name) => import(fileOf(doc, name)),
  runTestFile(doc, name) {
    // Without the runner's NODE_TEST_CONTEXT, the child reports in TAP on its stdout, as when a user runs it.
    const { NODE_TEST_CONTEXT: _parent, ...env } = process.env;
    return spawnSync(process.execPath, ['--import', 'tsx', '--test', '--test-reporter=tap', fileOf(doc, name)], { cwd: ROOT, encoding: 'utf8', env });
  },
});

describe('fragments run inside their fixtures, which check what each block did', () => {
  test('there are fragments, each with a fixture of its own', () => {
    assert.ok(fragments.length >= 2, `found ${fragments.length} fragments`);
    assert.equal(new Set(fragments.map((f) => f.value)).size, fragments.length, 'one fixture per fragment');
  });
  for (const block of fragments) {
    test(`${block.where} (test/docs/fragments/${block.value}.ts.tmpl)`, (t) => {
      assertFragmentRan(t, block.where, spawnSync(process.execPath, ['--import', 'tsx', fragmentFile(DIR, block.value)], { cwd: ROOT, encoding: 'utf8' }));
    });
  }
});


// ---- docs/adapters.md: each host as a real server ----

const SERVICE_SECRET = 'change-me-to-32-random-characters!!';
const WEB_SECRET = 'another-secret-of-32-random-chars!!';
const REDIRECT_URI = 'http://localhost:8080/callback';
const PASSWORD = 'correct horse battery staple';
const insecure: client.DiscoveryRequestOptions = { execute: [client.allowInsecureRequests], algorithm: 'oauth2' };

/** Starts `node --import tsx <snippet>` with PORT set and resolves to its URL once it says it listens. */
async function start(name: string, children: ChildProcess[]): Promise<string> {
  const port = await freePort();
  const child = spawn(process.execPath, ['--import', 'tsx', fileOf('adapters.md', name)], { cwd: ROOT, env: { ...process.env, PORT: String(port) } });
  children.push(child);
  let output = '';
  child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
  return new Promise((resolve, reject) => {
    child.stdout.on('data', (chunk: Buffer) => {
      output += chunk.toString();
      if (output.includes(`listening on http://localhost:${port}`)) resolve(`http://localhost:${port}`);
    });
    child.once('exit', (code) => reject(new Error(`${name} exited with ${code}:\n${output}`)));
  });
}

/** Stops the hosts a suite started and waits until they are gone. */
async function stopAll(children: readonly ChildProcess[]): Promise<void> {
  for (const child of children) {
    if (child.exitCode !== null) continue;
    child.kill();
    await once(child, 'exit');
  }
}

const decodeHtml = (text: string): string => text.replace(/&#(\d+);/g, (_m, code: string) => String.fromCharCode(Number(code)));

/** The sign-in page's form: its action and hidden fields, read from the HTML. */
function signInForm(html: string): { action: string; fields: Record<string, string> } {
  const action = /<form method="post" action="([^"]*)"/.exec(html)?.[1];
  assert.ok(action, 'the page has the sign-in form');
  const fields: Record<string, string> = {};
  for (const m of html.matchAll(/<input type="hidden" name="([^"]*)" value="([^"]*)">/g)) fields[decodeHtml(m[1] ?? '')] = decodeHtml(m[2] ?? '');
  return { action: decodeHtml(action), fields };
}

/** An authorization request for `web-app` built by openid-client, with PKCE (RFC 7636) and state. */
async function authorizationRequest(issuer: string) {
  const config = await client.discovery(new URL(issuer), 'web-app', undefined, client.ClientSecretBasic(WEB_SECRET), insecure);
  const verifier = client.randomPKCECodeVerifier();
  const state = client.randomState();
  const url = client.buildAuthorizationUrl(config, {
    redirect_uri: REDIRECT_URI,
    scope: 'read',
    state,
    code_challenge: await client.calculatePKCECodeChallenge(verifier),
    code_challenge_method: 'S256',
  });
  return { config, verifier, state, url };
}

async function me(issuer: string, accessToken: string): Promise<Record<string, unknown>> {
  const response = await fetch(`${issuer}/me`, { headers: { authorization: `Bearer ${accessToken}` } });
  assert.equal(response.status, 200);
  return (await response.json()) as Record<string, unknown>;
}

describe('docs/adapters.md: tollgate/pages', () => {
  test("the built-in sign-in page in the browser's language, CSP-strict, with the host's cookie added", async () => {
    const { signInPage } = (await import(fileOf('adapters.md', 'built-in-pages.ts'))) as { signInPage: (request: unknown, clientName: string, id: string, browser: string) => { status: number; headers: Record<string, string>; body: string } };
    const page = signInPage({ method: 'GET', url: '/authorize', headers: { 'accept-language': 'de-DE,de;q=0.9' } }, 'Acme Web', 'pending-1', 'b1');
    assert.equal(page.status, 200);
    assert.equal(page.headers['Content-Language'], 'de');
    assert.equal(page.headers['Set-Cookie'], 'pending=b1; Path=/; HttpOnly; SameSite=Lax');
    assert.match(page.headers['Content-Security-Policy'] ?? '', /^default-src 'none'; style-src 'sha256-[^']+'; img-src 'none'/);
    assert.match(page.body, /<title>Anmelden · Acme Files<\/title>[\s\S]*name="csrf_token" value="pending-1"[\s\S]*<label for="username">Benutzername<\/label>/);
  });
});

describe('docs/adapters.md: every host runs as pasted', () => {
  const children: ChildProcess[] = [];
  after(() => stopAll(children));

  for (const name of ['node.ts', 'express.ts', 'fastify.ts', 'koa.ts', 'hono.ts']) {
    describe(name, () => {
      let issuer: string;
      before(async () => {
        issuer = await start(name, children);
      });

      test('client_credentials through openid-client, then /me behind the bearer check (RFC 6749 §4.4, RFC 6750 §2.1, §3)', async () => {
        const config = await client.discovery(new URL(issuer), 'reports-service', undefined, client.ClientSecretBasic(SERVICE_SECRET), insecure);
        const tokens = await client.clientCredentialsGrant(config, { scope: 'read' });
        assert.deepEqual(await me(issuer, tokens.access_token), { id: 'reports-service' });
        const anonymous = await fetch(`${issuer}/me`);
        assert.equal(anonymous.status, 401);
        assert.match(anonymous.headers.get('www-authenticate') ?? '', /^Bearer realm=/);
      });

      test('the sign-in page: a wrong password is refused on the page, the right one redirects with a code openid-client redeems (RFC 6749 §4.1, RFC 7636, RFC 9207)', async () => {
        const { config, verifier, state, url } = await authorizationRequest(issuer);
        const shown = await fetch(url, { redirect: 'manual' });
        assert.equal(shown.status, 200);
        assert.match(shown.headers.get('content-security-policy') ?? '', /frame-ancestors 'none'/);
        const html = await shown.text();
        assert.match(html, /Web App asks for: read/);
        const { action, fields } = signInForm(html);
        const post = (password: string) =>
          fetch(new URL(action, issuer), {
            method: 'POST',
            redirect: 'manual',
            headers: { 'content-type': 'application/x-www-form-urlencoded' },
            body: new URLSearchParams({ ...fields, username: 'alice', password }),
          });

        const refused = await post('not the password');
        assert.equal(refused.status, 200);
        assert.equal(refused.headers.get('location'), null);
        assert.match(await refused.text(), /role="alert">Incorrect username or password/);

        const allowed = await post(PASSWORD);
        assert.equal(allowed.status, 303, 'a form POST is answered 303 (RFC 9700 §4.12)');
        const location = allowed.headers.get('location') ?? '';
        assert.ok(location.startsWith(`${REDIRECT_URI}?`), location);
        const tokens = await client.authorizationCodeGrant(config, new URL(location), { pkceCodeVerifier: verifier, expectedState: state });
        assert.equal(tokens.token_type.toLowerCase(), 'bearer');
        assert.equal(typeof tokens.refresh_token, 'string');
        assert.equal((await me(issuer, tokens.access_token)).username, 'alice');
      });

      test('credentials in a link are not a sign-in: a GET with username and password shows the page, no code (RFC 6749 §3.1)', async () => {
        const { url } = await authorizationRequest(issuer);
        url.searchParams.set('username', 'alice');
        url.searchParams.set('password', PASSWORD);
        const response = await fetch(url, { redirect: 'manual' });
        assert.equal(response.status, 200);
        assert.equal(response.headers.get('location'), null);
        const html = await response.text();
        assert.doesNotMatch(html, /role="alert"/);
        assert.doesNotMatch(html, /correct horse/, 'the password is not echoed into the page');
      });

      test('an unregistered redirect_uri gets the error page, never a redirect (RFC 6749 §4.1.2.1)', async () => {
        const { url } = await authorizationRequest(issuer);
        url.searchParams.set('redirect_uri', 'https://evil.example/cb');
        const response = await fetch(url, { redirect: 'manual' });
        assert.equal(response.status, 400);
        assert.equal(response.headers.get('location'), null);
        assert.match(await response.text(), /This request cannot be completed/);
      });
    });
  }
});

describe('docs/adapters.md: "Trying it", its curl blocks against node.ts', () => {
  const children: ChildProcess[] = [];
  after(() => stopAll(children));
  const [tokenBlock, codeBlock] = blocks.filter((block) => block.kind === 'run' && block.value === 'host');

  test('the client_credentials token opens /me; <access_token> is a token got with the block\'s own first request (RFC 6749 §4.4, RFC 6750 §2.1)', async () => {
    assert.ok(tokenBlock, 'adapters.md has its run: host blocks');
    assert.ok(tokenBlock.code.includes('<access_token>'));
    const issuer = await start('node.ts', children);
    const first = tokenBlock.code.split('\n').find((line) => line.startsWith('curl') && line.includes('/oauth/token'));
    assert.ok(first, `${tokenBlock.where} asks for a token first`);
    const { access_token: token } = JSON.parse(runShell(tokenBlock.where, first.replaceAll('http://localhost:3000', issuer), ROOT)) as { access_token: string };
    const printed = runShell(tokenBlock.where, tokenBlock.code.replaceAll('http://localhost:3000', issuer).replaceAll('<access_token>', token), ROOT);
    assert.match(printed, /^\{"access_token":"[\w-]+","token_type":"Bearer"/);
    assert.ok(printed.endsWith('{"id":"reports-service"}'), printed);
  });

  test('the code from signing in at the page\'s link redeems for tokens; <code> is that code (RFC 6749 §4.1.3)', async () => {
    assert.ok(codeBlock, 'adapters.md has its run: host blocks');
    assert.ok(codeBlock.code.includes('<code>'));
    const issuer = await start('node.ts', children);
    // The link the page says to open, just before the block.
    const page = readFileSync(`${ROOT}docs/adapters.md`, 'utf8');
    const link = /<(http:\/\/localhost:3000\/authorize\?[^>]+)>/.exec(page.slice(0, page.indexOf(codeBlock.code)))?.[1];
    assert.ok(link, 'the page gives the authorization link');
    const shown = await fetch(link.replace('http://localhost:3000', issuer), { redirect: 'manual' });
    assert.equal(shown.status, 200);
    const { action, fields } = signInForm(await shown.text());
    const signedIn = await fetch(new URL(action, issuer), {
      method: 'POST',
      redirect: 'manual',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ ...fields, username: 'alice', password: PASSWORD }),
    });
    const location = new URL(signedIn.headers.get('location') ?? '');
    assert.equal(`${location.origin}${location.pathname}`, REDIRECT_URI);
    const code = location.searchParams.get('code');
    assert.ok(code, location.href);
    const printed = runShell(codeBlock.where, codeBlock.code.replaceAll('http://localhost:3000', issuer).replaceAll('<code>', code), ROOT);
    const tokens = JSON.parse(printed) as { access_token?: string; refresh_token?: string; error?: string };
    assert.equal(tokens.error, undefined, printed);
    assert.equal(typeof tokens.access_token, 'string', printed);
    assert.equal((await me(issuer, tokens.access_token!)).username, 'alice');
  });
});

describe('docs/adapters.md: a person signs in with Chromium (node.ts)', async () => {
  const browser = await launchChromium();
  if (!browser) return;
  const children: ChildProcess[] = [];
  after(async () => {
    await browser.close();
    await stopAll(children);
  });

  test('the sign-in page in a browser: fill in, Sign in, the browser lands on the redirect URI with a code that redeems (RFC 6749 §4.1.2)', async () => {
    const issuer = await start('node.ts', children);
    const { config, verifier, state, url } = await authorizationRequest(issuer);
    const page = await browser.newPage();
    // The client's callback is not running: the browser's request to it is answered here.
    await page.route(`${REDIRECT_URI}**`, (route) => route.fulfill({ status: 200, contentType: 'text/plain', body: 'callback' }));
    await page.goto(url.href);
    await page.getByLabel('Username').fill('alice');
    await page.getByLabel('Password').fill(PASSWORD);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.waitForURL(`${REDIRECT_URI}**`);
    const tokens = await client.authorizationCodeGrant(config, new URL(page.url()), { pkceCodeVerifier: verifier, expectedState: state });
    assert.equal((await me(issuer, tokens.access_token)).username, 'alice');
    await page.close();
  });
});
