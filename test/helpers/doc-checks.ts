/**
 * The checks of `<!-- check: NAME -->` blocks: blocks that are not a program to run as they stand
 * (a command summary, a config file of another program, an answer tollgate gives), each compared by
 * NAME here with the real thing. A check runs wherever `tollgate` is installed (`Place`): in the
 * repository (test/docs/code-blocks.test.ts) and, unless `repositoryOnly`, in the project where the
 * packed tarball is installed (test/package/installed-tarball.test.ts).
 */
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, dirname, join } from 'node:path';
import { createRequire } from 'node:module';
import { fileURLToPath, pathToFileURL } from 'node:url';
import type { TestContext } from 'node:test';
import { authorizeThroughPages, createAgent } from './app-agent.js';
import { assertShown, outputOf } from './doc-blocks.js';
import type { DocBlock } from './doc-blocks.js';
import { runShell } from './doc-shell.js';
import { freePort } from './quickstart.js';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));

/** Where a check runs: the `tollgate` command, and the project where `import 'tollgate'` resolves. */
export interface Place {
  tollgate: readonly string[];
  project: string;
}

/**
 * A check that cannot run here (a tool it compares with is not installed): skipped with the reason,
 * or failed when `CI=true`, where .ci/run installs every tool the checks need.
 */
export function checkUnavailable(t: TestContext, reason: string): void {
  if (process.env.CI === 'true') assert.fail(`${reason} (required when CI=true)`);
  t.skip(reason);
}

export interface DocCheck {
  /** What the check compares the block with, for the test's name. */
  against: string;
  /** Checks what only a clone of the repository has (its scripts, its sources); not run in the tarball. */
  repositoryOnly?: boolean;
  /** Fails unless the block says what is true; answers a reason when it cannot be checked here (a skip). */
  run(block: DocBlock, place: Place): Promise<string | void>;
}

/** Runs `tollgate args…` in `cwd`; answers its exit code and output. */
function tollgate(place: Place, args: readonly string[], cwd = place.project): { status: number | null; stdout: string; stderr: string } {
  const [command, ...rest] = place.tollgate;
  return spawnSync(command!, [...rest, ...args], { cwd, encoding: 'utf8' });
}

/** Runs `code` as a module in the user's project (where `tollgate` resolves); answers what it printed. */
function nodeIn(place: Place, code: string, extension = '.mjs'): string {
  const file = join(place.project, `.doc-check-${process.pid}-${Math.random().toString(36).slice(2)}${extension}`);
  writeFileSync(file, code);
  try {
    const run = spawnSync(process.execPath, [file], { cwd: place.project, encoding: 'utf8' });
    assert.equal(run.status, 0, `${code}\n${run.stdout}${run.stderr}`);
    return run.stdout;
  } finally {
    rmSync(file, { force: true });
  }
}

/** `tollgate serve --config file --port 0` in `cwd`, once it says it listens: its first line and a stop. */
export async function serve(place: Place, file: string, cwd: string): Promise<{ line: string; url: string; stop(): Promise<void> }> {
  const [command, ...rest] = place.tollgate;
  const child: ChildProcess = spawn(command!, [...rest, 'serve', '--config', file, '--port', '0'], { cwd, stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  const line = await new Promise<string>((resolve, reject) => {
    child.stdout!.on('data', (chunk: Buffer) => {
      output += chunk.toString();
      const first = /^tollgate listening on .*$/m.exec(output)?.[0];
      if (first) resolve(first);
    });
    child.stderr!.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.once('exit', (code) => reject(new Error(`serve exited ${code} before listening:\n${output}`)));
  });
  return {
    line,
    url: /listening on (http:\/\/\S+)/.exec(line)![1]!,
    async stop() {
      if (child.exitCode !== null || child.signalCode !== null) return;
      child.kill('SIGTERM');
      await once(child, 'exit');
    },
  };
}

const DEMO = `${ROOT}config/demo.json`;

/** The repository's files that a path with `*` in its last part (`test/production/*.test.ts`) names. */
function filesNamed(path: string): string[] {
  const folder = `${ROOT}${dirname(path)}`;
  const name = new RegExp(`^${basename(path).replace(/[.+?^${}()|[\]\\]/g, '\\$&').replaceAll('*', '[^/]*')}$`);
  return existsSync(folder) ? readdirSync(folder).filter((file) => name.test(file)) : [];
}
const packageJson = (): { scripts: Record<string, string> } => JSON.parse(readFileSync(`${ROOT}package.json`, 'utf8')) as { scripts: Record<string, string> };

/**
 * A shell block of set-up and test commands for a clone of the repository: each `npm start`,
 * `npm test`, `npm run X` is a script of package.json (`npm start` serves config/demo.json), each
 * path or glob a test runs names files, each `VAR=` set before a command is read by the tests, and
 * `npm install` has package-lock.json to install from (it is not run: it would reinstall
 * node_modules). With an `output` block after it, config/demo.json itself is served (with `--port 0`,
 * in a temp dir for its SQLite file) and its first line must be the one shown, port aside.
 */
const commands: DocCheck = {
  against: "package.json's scripts, the test files, and the demo server's first line",
  repositoryOnly: true,
  async run(block, place) {
    const { scripts } = packageJson();
    for (const line of block.code.split('\n').map((text) => text.replace(/\s+#.*$/, '').trim()).filter(Boolean)) {
      for (const part of line.split('&&').map((text) => text.trim())) {
        const words = part.split(/\s+/);
        while (/^[A-Z_]+=/.test(words[0] ?? '')) {
          const name = words.shift()!.split('=')[0]!;
          const tests = readdirSync(`${ROOT}test`, { recursive: true, encoding: 'utf8' }).filter((file) => file.endsWith('.ts'));
          const readers = tests.filter((file) => readFileSync(`${ROOT}test/${file}`, 'utf8').includes(`process.env.${name}`));
          assert.ok(readers.length > 0, `${block.where}: ${name} is read by no test`);
        }
        const [tool, verb, script] = words;
        if (tool === 'npm' && verb === 'install' && words.length === 2) assert.ok(existsSync(`${ROOT}package-lock.json`), `${block.where}: npm install needs package-lock.json`);
        else if (tool === 'npm' && (verb === 'start' || verb === 'test')) assert.ok(scripts[verb], `${block.where}: package.json has no "${verb}" script`);
        else if (tool === 'npm' && verb === 'run') assert.ok(script && scripts[script], `${block.where}: package.json has no "${script}" script`);
        else if (tool === 'node') {
          const paths = words.filter((word) => word.includes('/'));
          assert.ok(paths.length > 0, `${block.where}: ${part} names no file`);
          for (const path of paths) assert.ok(filesNamed(path).length > 0, `${block.where}: ${path} names no file`);
        } else assert.fail(`${block.where}: no check knows the command "${part}"`);
      }
    }
    assert.match(scripts.start ?? '', /serve --config config\/demo\.json$/, 'npm start serves the demo config');
    const shown = outputOf(block);
    if (!shown) return;
    const dir = mkdtempSync(join(tmpdir(), 'tollgate-docs-demo-'));
    const server = await serve(place, DEMO, dir);
    try {
      assertShown(block.where, shown.code, server.line, [['http://127.0.0.1:9191', 'http://127\\.0\\.0\\.1:\\d+']]);
    } finally {
      await server.stop();
      rmSync(dir, { recursive: true, force: true });
    }
  },
};

/** A summary of the command line: every `tollgate COMMAND` (each of `a|b`) and every `--option` it names is in `tollgate --help`. */
const usage: DocCheck = {
  against: '`tollgate --help`',
  async run(block, place) {
    const help = tollgate(place, ['--help']);
    assert.equal(help.status, 0, help.stderr);
    const commandsNamed = [...block.code.matchAll(/^tollgate ([a-z|-]+)/gm)].flatMap((m) => m[1]!.split('|'));
    assert.ok(commandsNamed.length >= 5, `${block.where} names ${commandsNamed.length} commands`);
    for (const command of commandsNamed) assert.match(help.stdout, new RegExp(`^  tollgate ${command}\\b`, 'm'), `${block.where}: tollgate --help has no "${command}"`);
    for (const option of new Set(block.code.match(/--[a-z-]+/g))) assert.ok(help.stdout.includes(option), `${block.where}: tollgate --help has no ${option}`);
  },
};

/**
 * The two answers a server without `skyvaultCompat` gives to the SkyVault guide's requests: the
 * demo config with the switch off (memory store) is served, sent a password grant with its
 * parameters in the URL and a resource owner's Basic sign-in at /authorize; both answer 400 with
 * the bodies shown, in that order.
 */
const skyvaultOff: DocCheck = {
  against: 'the demo server with skyvaultCompat off',
  async run(block, place) {
    const dir = mkdtempSync(join(tmpdir(), 'tollgate-docs-skyvault-'));
    const { skyvaultCompat: _on, port: _port, ...demo } = JSON.parse(readFileSync(DEMO, 'utf8')) as Record<string, unknown>;
    writeFileSync(join(dir, 'tollgate.json'), JSON.stringify({ ...demo, store: 'memory' }));
    const server = await serve(place, 'tollgate.json', dir);
    try {
      const basic = (who: string): Record<string, string> => ({ authorization: `Basic ${Buffer.from(who).toString('base64')}` });
      const answers = [
        await fetch(`${server.url}/oauth/token?username=admin&password=tiger&grant_type=password`, { method: 'POST', headers: basic('SkyVaultapp:secret') }),
        await fetch(`${server.url}/authorize?response_type=code&client_id=SkyVaultapp&state=xyz&redirect_uri=https%3A%2F%2Fclient.example.com%2Fcb`, {
          method: 'POST',
          headers: basic('admin:tiger'),
          redirect: 'manual',
        }),
      ];
      assert.deepEqual(answers.map((answer) => answer.status), [400, 400]);
      assertShown(block.where, block.code, (await Promise.all(answers.map((answer) => answer.text()))).join('\n'));
    } finally {
      await server.stop();
      rmSync(dir, { recursive: true, force: true });
    }
  },
};

/**
 * Store URLs (`{ "store": … }` a line): each passes the config parser, and the store spec parser
 * (src/app/open-store.ts) takes out exactly tollgate's own parameters (`schema`, `pool_size`,
 * `prefix`, with their values) and leaves every other one in the driver's URL. Both parsers are
 * the installed package's (its dist/: they are what `tollgate serve` runs, and no entry exports them).
 */
const storeUrls: DocCheck = {
  against: 'the config parser and the store spec parser',
  async run(block, place) {
    const dist = join(dirname(createRequire(join(place.project, 'package.json')).resolve('tollgate/package.json')), 'dist');
    const { validateConfig } = (await import(pathToFileURL(join(dist, 'app', 'config.js')).href)) as typeof import('../../src/app/config.js');
    const { parseStoreSpec } = (await import(pathToFileURL(join(dist, 'app', 'open-store.js')).href)) as typeof import('../../src/app/open-store.js');
    const ours: Record<string, string> = { schema: 'schema', pool_size: 'poolSize', prefix: 'prefix' };
    const lines = block.code.split('\n').filter((line) => line.trim());
    assert.ok(lines.length > 0);
    for (const line of lines) {
      const { store } = JSON.parse(line) as { store: string };
      assert.doesNotThrow(() => validateConfig({ issuer: 'https://auth.example.com', store }), line);
      const spec = parseStoreSpec(store, { USER: 'tollgate' }) as unknown as Record<string, unknown>;
      const driverUrl = new URL(String(spec.connectionString ?? spec.url));
      for (const [name, value] of new URL(store).searchParams) {
        const field = ours[name];
        if (field) {
          assert.equal(String(spec[field]), value, `${block.where}: ${name}`);
          assert.equal(driverUrl.searchParams.has(name), false, `${block.where}: ${name} is not passed to the driver`);
        } else assert.equal(driverUrl.searchParams.get(name), value, `${block.where}: ${name} goes to the driver`);
      }
    }
  },
};

/**
 * SQLite backups, made while the store is open: a process keeps `data/tollgate.db` open (a client
 * saved in it) while the block runs in that directory with the `sqlite3` tool; then every file the
 * block wrote under backup/ opens as a store that has the client.
 */
const sqliteBackup: DocCheck = {
  against: 'a SQLite store that stays open meanwhile, then the backups opened as stores',
  async run(block, place) {
    if (spawnSync('sqlite3', ['-version']).status !== 0) return 'the sqlite3 command-line tool is not installed';
    const dir = mkdtempSync(join(tmpdir(), 'tollgate-docs-backup-'));
    const database = join(dir, 'data', 'tollgate.db');
    const holder = join(place.project, `.doc-check-hold-${process.pid}.mjs`);
    writeFileSync(
      holder,
      `import { createSqliteStore } from 'tollgate/stores/sqlite';
       const store = await createSqliteStore({ filename: ${JSON.stringify(database)} });
       await store.saveClient({ client_id: 'backed-up', client_secret: 'a-secret-of-32-characters-or-more!', redirect_uris: [], grant_types: ['client_credentials'] });
       console.log('open');
       process.stdin.resume();
       process.stdin.on('end', async () => { await store.close(); });`,
    );
    const open = spawn(process.execPath, [holder], { cwd: place.project, stdio: ['pipe', 'pipe', 'inherit'] });
    try {
      await once(open.stdout, 'data');
      runShell(block.where, block.code, dir);
      open.stdin.end();
      await once(open, 'exit');
      const backups = readdirSync(join(dir, 'backup')).map((name) => join(dir, 'backup', name));
      assert.equal(backups.length, block.code.split('\n').filter((line) => line.startsWith('sqlite3 ')).length, backups.join('\n'));
      const found = nodeIn(
        place,
        `import { createSqliteStore } from 'tollgate/stores/sqlite';
         for (const filename of ${JSON.stringify(backups)}) {
           const store = await createSqliteStore({ filename });
           console.log((await store.getClient('backed-up', null))?.client_id);
           await store.close();
         }`,
      );
      assert.deepEqual(found.trim().split('\n'), backups.map(() => 'backed-up'));
      return undefined;
    } finally {
      open.kill();
      rmSync(holder, { force: true });
      rmSync(dir, { recursive: true, force: true });
    }
  },
};

/**
 * Redis settings: `redis-server` starts from the block as its config file (on a free port, in a temp
 * dir), and `CONFIG GET` answers each setting's value as shown.
 */
const redisConf: DocCheck = {
  against: 'redis-server started from it',
  async run(block) {
    if (spawnSync('redis-server', ['--version']).status !== 0) return 'redis-server is not installed';
    const dir = mkdtempSync(join(tmpdir(), 'tollgate-docs-redis-'));
    const port = await freePort();
    writeFileSync(join(dir, 'redis.conf'), `${block.code}\nport ${port}\nbind 127.0.0.1\ndir ${dir}\n`);
    const redis = spawn('redis-server', [join(dir, 'redis.conf')], { stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    redis.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
    redis.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
    try {
      await new Promise<void>((resolve, reject) => {
        redis.stdout.on('data', () => output.includes('Ready to accept connections') && resolve());
        redis.once('exit', (code) => reject(new Error(`${block.where}: redis-server refused it (exit ${code}):\n${output}`)));
      });
      for (const line of block.code.split('\n').filter((text) => text.trim() && !text.trim().startsWith('#'))) {
        const [name, ...value] = line.trim().split(/\s+/);
        const got = spawnSync('redis-cli', ['-p', String(port), 'config', 'get', name!], { encoding: 'utf8' }).stdout.trim().split('\n');
        if (name === 'save') assert.ok(got[1]?.includes(value.join(' ')), `${block.where}: save ${got[1]}`);
        else assert.equal(got[1], value.join(' '), `${block.where}: ${name}`);
      }
      return undefined;
    } finally {
      redis.kill();
      if (redis.exitCode === null) await once(redis, 'exit');
      rmSync(dir, { recursive: true, force: true });
    }
  },
};

/** README's layout tree: one line per folder of src/, and every folder. */
const layout: DocCheck = {
  against: "src/'s folders",
  repositoryOnly: true,
  async run(block) {
    const listed = [...block.code.matchAll(/^ {2}([a-z-]+)\/ /gm)].map((m) => m[1]);
    const folders = readdirSync(`${ROOT}src`, { withFileTypes: true }).filter((e) => e.isDirectory()).map((e) => e.name).sort();
    assert.deepEqual(listed, folders);
  },
};

/**
 * A diff that changes one import (or require) line: the two lines differ only in the module they
 * name, and the `+` line, run in the user's project, gives a class for every name it binds.
 */
const importDiff: DocCheck = {
  against: 'the + line, run where tollgate is installed',
  async run(block, place) {
    const removed = block.code.split('\n').filter((line) => line.startsWith('- ')).map((line) => line.slice(2));
    const added = block.code.split('\n').filter((line) => line.startsWith('+ ')).map((line) => line.slice(2));
    assert.equal(added.length, 1, `${block.where}: one + line`);
    assert.equal(removed.length, 1, `${block.where}: one - line`);
    const line = added[0]!;
    const specifier = /['"]([^'"]+)['"]/;
    assert.equal(removed[0]!.replace(specifier, "'…'"), line.replace(specifier, "'…'"), `${block.where}: only the module changes`);
    const names = (/^(?:import|const)\s+(.*?)\s*(?:from|=)/.exec(line)?.[1] ?? '').match(/[A-Za-z_$][\w$]*/g) ?? [];
    assert.ok(names.length > 0, `${block.where}: the line binds names`);
    const typeOf = nodeIn(place, `${line}\nconsole.log(JSON.stringify([${names.map((name) => `typeof ${name}`).join(', ')}]));\n`, line.startsWith('import') ? '.mjs' : '.cjs');
    assert.deepEqual(JSON.parse(typeOf), names.map(() => 'function'), `${block.where}: ${names.join(', ')}`);
  },
};

/**
 * The message a bad page template gets: a sign-in template that is complete but for one placeholder
 * it does not know, `{{pageTitle}}`, named by a config in a temp dir; `tollgate check` must refuse
 * it (exit 1) with the line shown, after its "invalid configuration" prefix.
 */
const templateError: DocCheck = {
  against: '`tollgate check` on a template with an unknown placeholder',
  async run(block, place) {
    const dir = mkdtempSync(join(tmpdir(), 'tollgate-docs-template-'));
    try {
      mkdirSync(join(dir, 'pages'));
      writeFileSync(
        join(dir, 'pages', 'sign-in.html'),
        '<title>{{pageTitle}}</title><form method="post" action="{{action}}"><input type="hidden" name="csrf_token" value="{{csrf}}"><input name="username"><input name="password" type="password"></form>',
      );
      writeFileSync(join(dir, 'tollgate.json'), JSON.stringify({ store: 'memory', ui: { templates: { 'sign-in': './pages/sign-in.html' } } }));
      const checked = tollgate(place, ['check', '--config', 'tollgate.json'], dir);
      assert.equal(checked.status, 1, checked.stdout + checked.stderr);
      assertShown(block.where, block.code, checked.stderr.replace(/^tollgate: invalid configuration: /m, ''));
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  },
};

/**
 * DPoP challenges (RFC 9449 §7.1): `authenticate` on a library server (issuer
 * https://auth.example.com, DPoP on by default), asked without a token and then with the DPoP
 * scheme and a proof that is not a JWT; the two WWW-Authenticate headers must be the lines shown.
 */
const dpopChallenge: DocCheck = {
  against: "authenticate's challenges without a token and with a bad proof",
  async run(block, place) {
    const printed = nodeIn(
      place,
      `import { createAuthorizationServer } from 'tollgate';
       import { createMemoryStore } from 'tollgate/stores/memory';
       const model = await createMemoryStore({ clients: [{ client_id: 'app', client_secret: 'a-secret-of-32-characters-or-more!', redirect_uris: [], grant_types: ['client_credentials'], scope: 'read' }] });
       const server = createAuthorizationServer({ issuer: 'https://auth.example.com', grantTypes: ['client_credentials'], model });
       for (const headers of [{}, { authorization: 'DPoP some-token', dpop: 'not-a-proof' }]) {
         const result = await server.authenticate({ method: 'GET', url: '/orders', headers });
         const challenge = Object.entries(result.response.headers).find(([name]) => name.toLowerCase() === 'www-authenticate');
         console.log('WWW-Authenticate: ' + challenge[1]);
       }`,
    );
    assertShown(block.where, block.code, printed);
  },
};

/**
 * `ui.templates` (a part of the `ui` object): for each page it names, a file made of exactly what
 * docs/ui.md's "Per page" table says the page must contain, inside a `<form method="post">`, at the
 * path the block gives; `tollgate check` on `{ "ui": { <block> } }` (memory store) must accept them.
 * So the page names are the real ones and the table's requirements are enough.
 */
const templates: DocCheck = {
  against: "`tollgate check` on files made from ui.md's Per page table",
  async run(block, place) {
    const table = readFileSync(`${ROOT}docs/ui.md`, 'utf8');
    const { templates: files } = JSON.parse(`{${block.code}}`) as { templates: Record<string, string> };
    const dir = mkdtempSync(join(tmpdir(), 'tollgate-docs-templates-'));
    try {
      for (const [page, path] of Object.entries(files)) {
        const row = new RegExp(`^\\| \`${page}\` \\|[^|]*\\|([^|]*)\\|$`, 'm').exec(table);
        assert.ok(row, `docs/ui.md's Per page table has ${page}`);
        const required = [...row[1]!.matchAll(/`([^`]+)`/g)].map((m) => m[1]!);
        mkdirSync(dirname(join(dir, path)), { recursive: true });
        writeFileSync(join(dir, path), `<!doctype html><title>{{title}}</title><form method="post">${required.join(' ')}</form>`);
      }
      writeFileSync(join(dir, 'tollgate.json'), JSON.stringify({ store: 'memory', ui: { templates: files } }));
      const checked = tollgate(place, ['check', '--config', 'tollgate.json'], dir);
      assert.equal(checked.status, 0, `${block.where}:\n${checked.stdout}${checked.stderr}`);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  },
};

/**
 * What a users module's `db` and `verify` stand for: the reader's user database (alice, her password
 * kept as a hash of their own) and its password check.
 */
const USER_DATABASE = `const rows = [{ id: 'u-alice', username: 'alice', email: 'alice@example.com', name: 'Alice', passwordHash: 'hash:wonderland-of-some-length' }];
const db = {
  findUser: async (username) => rows.find((row) => row.username === username),
  findUserById: async (id) => rows.find((row) => row.id === id),
};
const verify = async (passwordHash, password) => passwordHash === \`hash:\${password}\`;
`;

/**
 * A users module (`"users": { "module": "./users.mjs" }`, docs/ui.md): the block saved as users.mjs
 * after USER_DATABASE, next to a config (SQLite in a temp dir) that names it. Served, alice signs in
 * through the pages and allows: her password gets a code at the redirect URI, a wrong one the page
 * again (getUser); `tollgate grants list --user alice` finds her, `--user nobody` does not
 * (getUserByUsername).
 */
const usersModule: DocCheck = {
  against: '`tollgate serve` and `tollgate grants` with it as the users module',
  async run(block, place) {
    const dir = mkdtempSync(join(tmpdir(), 'tollgate-docs-users-'));
    const redirectUri = 'https://app.example.com/cb';
    try {
      writeFileSync(join(dir, 'users.mjs'), `${USER_DATABASE}\n${block.code}\n`);
      writeFileSync(
        join(dir, 'tollgate.json'),
        JSON.stringify({
          store: `sqlite:${join(dir, 'tollgate.db')}`,
          users: { module: './users.mjs' },
          clients: [{ client_id: 'app', client_secret: 'the-apps-secret-of-32-characters!!', redirect_uris: [redirectUri], grant_types: ['authorization_code'], scope: 'read' }],
        }),
      );
      const server = await serve(place, 'tollgate.json', dir);
      try {
        const query = { response_type: 'code', client_id: 'app', redirect_uri: redirectUri, scope: 'read', state: 's1', code_challenge: 'E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM', code_challenge_method: 'S256' };
        const refused = await authorizeThroughPages(createAgent(server.url), query, { username: 'alice', password: 'not-her-password' });
        assert.equal(refused.location, undefined, `${block.where}: a wrong password got ${refused.status} ${refused.location}`);
        const allowed = await authorizeThroughPages(createAgent(server.url), query, { username: 'alice', password: 'wonderland-of-some-length' });
        assert.ok(allowed.location?.startsWith(`${redirectUri}?code=`), `${block.where}: ${allowed.status} ${allowed.location ?? allowed.body}`);
      } finally {
        await server.stop();
      }
      const found = tollgate(place, ['grants', 'list', '--user', 'alice', '--config', 'tollgate.json'], dir);
      assert.equal(found.status, 0, found.stdout + found.stderr);
      const unknown = tollgate(place, ['grants', 'list', '--user', 'nobody', '--config', 'tollgate.json'], dir);
      assert.notEqual(unknown.status, 0, unknown.stdout + unknown.stderr);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  },
};

/** The checks by the NAME of their marker. */
export const DOC_CHECKS: Record<string, DocCheck> = {
  commands,
  usage,
  'skyvault-off': skyvaultOff,
  'store-urls': storeUrls,
  'sqlite-backup': sqliteBackup,
  'redis-conf': redisConf,
  layout,
  'import-diff': importDiff,
  'template-error': templateError,
  'dpop-challenge': dpopChallenge,
  templates,
  'users-module': usersModule,
};
