/**
 * The docs' code runs as written. In docs/*.md, a block after `<!-- snippet: NAME -->` is a file of
 * its own (saved as NAME, importing `tollgate` as a user would: this package, built in dist/), and a
 * block after `<!-- quote: PATH -->` is an excerpt that must still be in that source file verbatim.
 * The snippets are typechecked together, then run: the adapter ones as servers, driven by
 * openid-client (and Chromium for one), the others imported or run. README's layout tree is checked
 * against src/. Needs `npm run build` first.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { mkdirSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { fileURLToPath } from 'node:url';
import * as client from 'openid-client';
import type { AuthorizationServer } from '../src/index.js';
import { launchChromium } from './helpers/app-browser.js';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const DOCS = ['adapters.md', 'model.md', 'grants.md', 'stores.md', 'resource-servers.md'] as const;
// Inside the repository, so that `import 'tollgate'` resolves to this package (self-reference through "exports").
const DIR = `${ROOT}.docs-snippets-${process.pid}`;

interface Block {
  doc: string;
  /** The snippet's file name, or the quoted source file. */
  target: string;
  code: string;
}

function blocks(doc: string, marker: 'snippet' | 'quote'): Block[] {
  const text = readFileSync(`${ROOT}docs/${doc}`, 'utf8');
  const pattern = new RegExp(`<!-- ${marker}: (\\S+) -->\\n\`\`\`ts\\n([\\s\\S]*?)\`\`\``, 'g');
  return [...text.matchAll(pattern)].map((m) => ({ doc, target: m[1] ?? '', code: m[2] ?? '' }));
}

const snippets = DOCS.flatMap((doc) => blocks(doc, 'snippet'));
const quotes = DOCS.flatMap((doc) => blocks(doc, 'quote'));
const fileOf = (doc: string, name: string): string => `${DIR}/${doc.replace(/\.md$/, '')}/${name}`;

before(() => {
  for (const { doc, target, code } of snippets) {
    mkdirSync(fileOf(doc, ''), { recursive: true });
    writeFileSync(fileOf(doc, target), code);
  }
  writeFileSync(
    `${DIR}/tsconfig.json`,
    // outDir away from dist/: TypeScript maps a self-reference's dist/*.d.ts back to rootDir/*.ts of the
    // same project, which would be the snippets themselves (express.ts for `tollgate/express`).
    JSON.stringify({ extends: '../tsconfig.json', compilerOptions: { noEmit: true, rootDir: '.', outDir: 'out' }, include: ['**/*.ts'] }),
  );
});
after(() => rmSync(DIR, { recursive: true, force: true }));

describe('the docs name what they quote and show', () => {
  test('every doc has its snippets and quotes, each snippet headed by its own file name', () => {
    assert.deepEqual(snippets.map((s) => `${s.doc}:${s.target}`), [
      'adapters.md:auth.ts',
      'adapters.md:sign-in.ts',
      'adapters.md:built-in-pages.ts',
      'adapters.md:node.ts',
      'adapters.md:express.ts',
      'adapters.md:fastify.ts',
      'adapters.md:koa.ts',
      'adapters.md:hono.ts',
      'model.md:store-contract.test.ts',
      'model.md:model.ts',
      'grants.md:api-key-grant.ts',
      'stores.md:sqlite-store.ts',
      'resource-servers.md:resource-server.ts',
    ]);
    for (const { target, code } of snippets) assert.ok(code.startsWith(`// ${target}\n`), `${target} starts with "// ${target}"`);
    assert.ok(quotes.length >= 10, `found ${quotes.length} quotes`);
  });

  test("README's layout tree has one line per folder of src/, and every folder", () => {
    const readme = readFileSync(`${ROOT}README.md`, 'utf8');
    const tree = /<!-- layout:begin -->\s*```\n([\s\S]*?)```/.exec(readme)?.[1];
    assert.ok(tree, 'README has the layout block');
    const listed = [...tree.matchAll(/^ {2}([a-z-]+)\/ /gm)].map((m) => m[1]);
    const folders = readdirSync(`${ROOT}src`, { withFileTypes: true }).filter((e) => e.isDirectory()).map((e) => e.name).sort();
    assert.deepEqual(listed, folders);
  });

  test('every quoted excerpt is still in its source file, verbatim', () => {
    for (const { doc, target, code } of quotes) {
      const source = readFileSync(`${ROOT}${target}`, 'utf8');
      assert.ok(source.includes(code), `docs/${doc} quotes ${target}, which no longer contains:\n${code}`);
    }
  });

  test('every snippet typechecks (strict, as the project compiles)', () => {
    const tsc = spawnSync(process.execPath, [`${ROOT}node_modules/typescript/bin/tsc`, '-p', `${DIR}/tsconfig.json`], { encoding: 'utf8' });
    assert.equal(tsc.status, 0, `${tsc.stdout}${tsc.stderr}`);
  });
});

/** A form POST to a server's `handle`, as a client would send it. */
function formPost(path: string, form: Record<string, string>, basic?: string): Parameters<AuthorizationServer['handle']>[0] {
  const headers: Record<string, string> = { 'content-type': 'application/x-www-form-urlencoded' };
  if (basic) headers.authorization = `Basic ${Buffer.from(basic).toString('base64')}`;
  return { method: 'POST', url: path, headers, body: new URLSearchParams(form).toString() };
}

describe('docs/model.md: the minimal model', () => {
  test('issues a client_credentials token that authenticates, and refuses a wrong secret (RFC 6749 §2.3.1, §4.4)', async () => {
    const { server } = (await import(fileOf('model.md', 'model.ts'))) as { server: AuthorizationServer };
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
    // Without the runner's NODE_TEST_CONTEXT, the child reports in TAP on its stdout, as when a user runs it.
    const { NODE_TEST_CONTEXT: _parent, ...env } = process.env;
    const file = fileOf('model.md', 'store-contract.test.ts');
    const run = spawnSync(process.execPath, ['--import', 'tsx', '--test', '--test-reporter=tap', file], { cwd: ROOT, encoding: 'utf8', env });
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
    const { server } = (await import(fileOf('grants.md', 'api-key-grant.ts'))) as { server: AuthorizationServer };
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
    const { server } = (await import(fileOf('stores.md', 'sqlite-store.ts'))) as { server: AuthorizationServer };
    const ok = await server.handle(formPost('/oauth/token', { grant_type: 'client_credentials' }, 'reports-service:change-me-to-32-random-characters!!'));
    assert.equal(ok?.status, 200, ok?.body);
    const wrong = await server.handle(formPost('/oauth/token', { grant_type: 'client_credentials' }, 'reports-service:wrong'));
    assert.equal(wrong?.status, 401);
  });
});

describe('docs/resource-servers.md: a JWT-checking API', () => {
  test('a token from the issuer opens the API; a forged one gets invalid_token, none a bare challenge, both naming the metadata (RFC 9068 §4, RFC 6750 §3.1, RFC 9728 §5.1)', async () => {
    const { server, reports } = (await import(fileOf('resource-servers.md', 'resource-server.ts'))) as {
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

// ---- docs/adapters.md: each host as a real server ----

const SERVICE_SECRET = 'change-me-to-32-random-characters!!';
const WEB_SECRET = 'another-secret-of-32-random-chars!!';
const REDIRECT_URI = 'http://localhost:8080/callback';
const PASSWORD = 'correct horse battery staple';
const insecure: client.DiscoveryRequestOptions = { execute: [client.allowInsecureRequests], algorithm: 'oauth2' };

async function freePort(): Promise<number> {
  const probe = createServer().listen(0, '127.0.0.1');
  await once(probe, 'listening');
  const { port } = probe.address() as { port: number };
  probe.close();
  await once(probe, 'close');
  return port;
}

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
  after(async () => {
    for (const child of children) {
      if (child.exitCode !== null) continue;
      child.kill();
      await once(child, 'exit');
    }
  });

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

describe('docs/adapters.md: a person signs in with Chromium (node.ts)', async () => {
  const browser = await launchChromium();
  if (!browser) return;
  const children: ChildProcess[] = [];
  after(async () => {
    await browser.close();
    for (const child of children) {
      if (child.exitCode !== null) continue;
      child.kill();
      await once(child, 'exit');
    }
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
