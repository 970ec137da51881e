/**
 * `tollgate serve`'s pages with the `ui` config, driven with fetch (issue 18): the language from
 * ui_locales and Accept-Language, branding on the error page, "Not you? Sign out" on consent,
 * a bad template stopping the start, and users from a module signing in through the pages.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { RunningCli } from '../helpers/app-server.js';
import { REDIRECT_URI, demoConfig, runCli, startCli, tempDir, writeConfig } from '../helpers/app-server.js';
import { authorizeThroughPages, createAgent, hiddenField, postToken } from '../helpers/app-agent.js';
import { skyvault } from '../helpers/fixtures.js';
import { tv } from '../helpers/device.js';

const REQUEST = { response_type: 'code', client_id: 'SkyVaultapp', redirect_uri: REDIRECT_URI, state: 's', scope: 'read write' };
const query = (params: Record<string, string>) => `/authorize?${new URLSearchParams(params)}`;
const ui = { productName: 'Acme Files', scopes: { read: { en: 'Read your files', de: 'Ihre Dateien lesen' }, write: 'Change your files' } };

describe('ui pages', () => {
  let cli: RunningCli;
  before(async () => {
    cli = await startCli(demoConfig({ ui }));
  });
  after(() => cli.stop());

  test('ui_locales=de (OpenID Connect Core §3.1.2.1) gives a German sign-in page with Content-Language and Vary', async () => {
    const page = await createAgent(cli.url).get(query({ ...REQUEST, ui_locales: 'de en' }));
    assert.equal(page.status, 200);
    assert.match(page.body, /<html lang="de">/);
    assert.match(page.body, /<label for="username">Benutzername<\/label>/);
    assert.match(page.body, /<title>Anmelden · Acme Files<\/title>/);
    assert.equal(page.headers.get('content-language'), 'de');
    assert.match(page.headers.get('vary') ?? '', /Accept-Language/);
  });

  test('Accept-Language picks German by q-value; without it the English labels are the contract', async () => {
    const german = await fetch(`${cli.url}${query(REQUEST)}`, { headers: { 'accept-language': 'fr;q=1, en;q=0.3, de;q=0.8' } });
    assert.match(await german.text(), /<button type="submit">Anmelden<\/button>/);
    const english = await createAgent(cli.url).get(query(REQUEST));
    assert.match(english.body, /<html lang="en">[\s\S]*<label for="password">Password<\/label>[\s\S]*<button type="submit">Sign in<\/button>/);
    assert.equal(english.headers.get('content-language'), 'en');
  });

  test('the error page carries the branding and the language too', async () => {
    const response = await fetch(`${cli.url}${query({ ...REQUEST, client_id: 'nobody' })}`, { headers: { 'accept-language': 'de' } });
    const body = await response.text();
    assert.equal(response.status, 400);
    assert.match(body, /<p class="brand named">Acme Files<\/p>/);
    assert.match(body, /<h1>Diese Anfrage kann nicht abgeschlossen werden<\/h1>/);
    assert.doesNotMatch(body, /tollgate/);
  });

  test('consent in German shows the German scope description; "Not you? Sign out" signs out and comes back to the same request\'s sign-in', async () => {
    const agent = createAgent(cli.url);
    const signIn = await agent.get(query({ ...REQUEST, ui_locales: 'de' }));
    const back = await agent.post('/authorize/login', { csrf_token: hiddenField(signIn.body, 'csrf_token'), username: 'admin', password: 'tiger' });
    assert.equal(back.status, 303);
    const consent = await agent.get(back.location as string);
    assert.match(consent.body, /<span class="description">Ihre Dateien lesen<\/span><code>read<\/code>/);
    assert.match(consent.body, /<span class="description">Change your files<\/span><code>write<\/code>/);
    assert.match(consent.body, /Nicht Sie\? <button type="submit" class="link">Abmelden<\/button>/);
    const signedOut = await agent.post('/logout', { csrf_token: hiddenField(consent.body, 'csrf_token'), resume: 'authorization' });
    assert.equal(signedOut.status, 303);
    assert.equal(new URL(signedOut.location as string, cli.url).search, `?${new URLSearchParams({ ...REQUEST, ui_locales: 'de' })}`);
    const again = await agent.get(signedOut.location as string);
    assert.match(again.body, /action="\/authorize\/login"/, 'signed out: the same request asks for a sign-in again');
  });

  test('a forged "Not you?" form (no valid CSRF token) signs nobody out (RFC 9700 §4.7)', async () => {
    const agent = createAgent(cli.url);
    const signIn = await agent.get(query(REQUEST));
    const back = await agent.post('/authorize/login', { csrf_token: hiddenField(signIn.body, 'csrf_token'), username: 'admin', password: 'tiger' });
    await agent.get(back.location as string);
    const forged = await agent.post('/logout', { csrf_token: 'forged', resume: 'authorization' });
    assert.equal(forged.status, 403);
    const consent = await agent.get(back.location as string);
    assert.match(consent.body, /name="decision"/, 'still signed in');
  });
});

describe('ui templates at start', () => {
  test('a template with an unknown placeholder stops the start with a config error naming the file', async () => {
    const dir = tempDir();
    writeFileSync(join(dir, 'error.html'), '<p>{{description}} {{stack}}</p>');
    const file = writeConfig(demoConfig({ ui: { templates: { error: './error.html' } } }), dir);
    const { code, stderr } = await runCli(['serve', '--config', file, '--port', '0']);
    assert.equal(code, 1);
    assert.match(stderr, /config\.ui\.templates\.error: \.\/error\.html: unknown placeholder \{\{stack\}\}/);
  });
});

describe('users from a module', () => {
  let cli: RunningCli;
  let dir: string;
  let configFile: string;
  before(async () => {
    dir = tempDir();
    writeFileSync(
      join(dir, 'users.mjs'),
      `const people = new Map([['ada', { id: 'u-ada', username: 'ada', password: 'lovelace', email: 'ada@example.com' }]]);
export async function getUser(username, password) {
  const person = people.get(username);
  return person && person.password === password ? { id: person.id, username, email: person.email } : null;
}
export async function getUserById(id) {
  const person = [...people.values()].find((p) => p.id === id);
  return person ? { id, username: person.username, email: person.email } : null;
}
export async function getUserByUsername(username) {
  const person = people.get(username);
  return person ? { id: person.id, username } : null;
}
`,
    );
    writeFileSync(join(dir, 'check-only.mjs'), 'export async function getUser() { return null; }\n');
    const clients = [{ ...skyvault, scope: 'read write openid email' }];
    configFile = writeConfig(demoConfig({ clients, users: { module: './users.mjs' }, store: `sqlite:${join(dir, 'db.sqlite')}` }), dir);
    cli = await startCli(undefined, { configFile });
  });
  after(() => cli?.stop());

  test('a module user signs in through the pages, and the session finds them again (getUserById)', async () => {
    const agent = createAgent(cli.url);
    const done = await authorizeThroughPages(agent, REQUEST, { username: 'ada', password: 'lovelace' });
    assert.equal(done.status, 303);
    assert.ok(done.location?.startsWith(`${REDIRECT_URI}?code=`), done.location);
    const consent = await agent.get(query({ ...REQUEST, state: 'again' }));
    // Remembered consent or the consent page: either way no sign-in page, the session's user was found.
    assert.ok(consent.status === 302 || /Signed in as ada/.test(consent.body), consent.body);
    assert.doesNotMatch(consent.body, /action="\/authorize\/login"/);
  });

  test('OpenID Connect: the module user is the subject, and UserInfo releases the claims the scope asks for (Core §5.4)', async () => {
    const done = await authorizeThroughPages(createAgent(cli.url), { ...REQUEST, scope: 'openid email', nonce: 'n' }, { username: 'ada', password: 'lovelace' });
    const code = new URL(done.location as string).searchParams.get('code') as string;
    const tokens = await postToken(cli.url, { grant_type: 'authorization_code', code, redirect_uri: REDIRECT_URI }, [skyvault.client_id, skyvault.client_secret as string]);
    assert.equal(tokens.status, 200, JSON.stringify(tokens.json));
    const userinfo = await fetch(`${cli.url}/userinfo`, { headers: { authorization: `Bearer ${String(tokens.json.access_token)}` } });
    assert.deepEqual(await userinfo.json(), { sub: 'u-ada', email: 'ada@example.com' });
  });

  test('a wrong password, and the config\'s own users, do not sign in', async () => {
    const agent = createAgent(cli.url);
    const wrong = await authorizeThroughPages(agent, REQUEST, { username: 'ada', password: 'nope' });
    assert.match(wrong.body, /Incorrect username or password\./);
    const admin = await authorizeThroughPages(createAgent(cli.url), REQUEST, { username: 'admin', password: 'tiger' });
    assert.match(admin.body, /Incorrect username or password\./, 'the module is the only user database');
  });

  test('the users commands refuse, pointing at the module', async () => {
    const file = writeConfig(demoConfig({ users: { module: './users.mjs' }, store: `sqlite:${join(dir, 'cli.sqlite')}` }), dir);
    const { code, stderr } = await runCli(['users', 'list', '--config', file]);
    assert.equal(code, 1);
    assert.match(stderr, /^tollgate: users list: the users come from .*users\.mjs \(config\.users\.module\); list, add and change them in that user database/);
  });

  test('grants list / revoke and sessions revoke --user find the module\'s user through its getUserByUsername', async () => {
    const done = await authorizeThroughPages(createAgent(cli.url), { ...REQUEST, state: 'cli' }, { username: 'ada', password: 'lovelace' });
    const code = new URL(done.location as string).searchParams.get('code') as string;
    const tokens = await postToken(cli.url, { grant_type: 'authorization_code', code, redirect_uri: REDIRECT_URI }, [skyvault.client_id, skyvault.client_secret as string]);
    assert.equal(tokens.status, 200, JSON.stringify(tokens.json));
    const listed = await runCli(['grants', 'list', '--user', 'ada', '--config', configFile, '--json']);
    assert.equal(listed.code, 0, listed.stderr);
    const grants = JSON.parse(listed.stdout) as Array<{ userId: string; username: string; clientId: string }>;
    assert.ok(grants.length >= 1, listed.stdout);
    for (const grant of grants) assert.deepEqual([grant.userId, grant.username, grant.clientId], ['u-ada', 'ada', skyvault.client_id]);
    const sessions = await runCli(['sessions', 'revoke', '--user', 'ada', '--config', configFile]);
    assert.equal(sessions.code, 0, sessions.stderr);
    assert.match(sessions.stdout, /^ended [1-9]\d* sessions? of user ada$/m);
    const revoked = await runCli(['grants', 'revoke', '--user', 'ada', '--config', configFile]);
    assert.equal(revoked.code, 0, revoked.stderr);
    const after = await runCli(['grants', 'list', '--user', 'ada', '--config', configFile, '--json']);
    assert.deepEqual(JSON.parse(after.stdout), []);
    const unknown = await runCli(['grants', 'list', '--user', 'nobody', '--config', configFile]);
    assert.equal(unknown.code, 1);
    assert.match(unknown.stderr, /no user "nobody" in .*users\.mjs/);
  });

  test('a module without getUserByUsername: --user is refused with the reason and what to export', async () => {
    const file = writeConfig(demoConfig({ users: { module: './check-only.mjs' }, store: `sqlite:${join(dir, 'check-only.sqlite')}` }), dir);
    for (const args of [['grants', 'list', '--user', 'ada'], ['sessions', 'revoke', '--user', 'ada']]) {
      const { code, stderr } = await runCli([...args, '--config', file]);
      assert.equal(code, 1);
      assert.match(stderr, /cannot look up user "ada": the users come from .*check-only\.mjs \(config\.users\.module\), which exports no getUserByUsername\(username\); export it to name its users here/);
    }
  });
});

describe('device consent: "Not you? Sign out"', () => {
  let cli: RunningCli;
  before(async () => {
    cli = await startCli(demoConfig({ clients: [...(demoConfig().clients as unknown[]), tv] }));
  });
  after(() => cli.stop());

  test('the device page\'s consent offers it; it signs out and goes back to the code form with the code prefilled, not yet confirmed (RFC 8628 §5.4)', async () => {
    const started = await fetch(`${cli.url}/oauth/device_authorization`, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: new URLSearchParams({ client_id: 'tv', scope: 'read' }) });
    const { user_code: userCode } = (await started.json()) as { user_code: string };
    const agent = createAgent(cli.url);
    const form = await agent.get('/device');
    const signIn = await agent.post('/device', { csrf_token: hiddenField(form.body, 'csrf_token'), user_code: userCode });
    const consent = await agent.post('/device', { csrf_token: hiddenField(signIn.body, 'csrf_token'), username: 'admin', password: 'tiger' });
    assert.match(consent.body, /name="decision"/);
    assert.match(consent.body, /Not you\? <button type="submit" class="link">Sign out<\/button>/);
    assert.equal(hiddenField(consent.body, 'resume'), 'device');
    const signedOut = await agent.post('/logout', { csrf_token: hiddenField(consent.body, 'csrf_token'), resume: 'device' });
    assert.equal(signedOut.status, 303);
    assert.equal(signedOut.location, `/device?${new URLSearchParams({ user_code: userCode })}`);
    const again = await agent.get(signedOut.location as string);
    assert.equal(again.status, 200);
    assert.match(again.body, new RegExp(`name="user_code"[^>]*value="${userCode}"`));
    const reentered = await agent.post('/device', { csrf_token: hiddenField(again.body, 'csrf_token'), user_code: userCode });
    assert.match(reentered.body, /name="password"/, 'signed out: the code asks for a sign-in again');
  });
});
