/**
 * Runs the shell blocks of docs/ (`<!-- run: demo -->`, `<!-- run: cli -->`) with bash, wherever
 * `tollgate` is installed: the repository (dist/cli.js) or a project where the packed tarball is
 * installed (node_modules/.bin/tollgate). test/docs/code-blocks.test.ts says what each kind gets.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { chmodSync, mkdirSync, realpathSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { assertShown, outputOf } from './doc-blocks.js';
import type { DocBlock } from './doc-blocks.js';

export const DEMO_BASE = 'BASE=http://localhost:9191';

/** Runs `code` with bash (`set -euo pipefail`) in `cwd`; fails with the block's output unless it exits 0. */
export function runShell(where: string, code: string, cwd: string, env: NodeJS.ProcessEnv = {}): string {
  const run = spawnSync('bash', ['-c', `set -euo pipefail\n${code}`], { cwd, encoding: 'utf8', env: { ...process.env, ...env } });
  assert.equal(run.status, 0, `${where} exited ${run.status}:\n${run.stdout}${run.stderr}`);
  return run.stdout;
}

/** A `run: demo` block against the demo server at `base`: it exits 0, every answer is a success, one is a token. */
export function runDemoBlock(block: DocBlock, base: string, cwd: string): void {
  assert.ok(block.code.includes(DEMO_BASE), `${block.where}: a demo block sets ${DEMO_BASE}`);
  const stdout = runShell(block.where, block.code.replace(DEMO_BASE, `BASE=${base}`), cwd);
  assert.doesNotMatch(stdout, /"error"/, `${block.where}:\n${stdout}`);
  assert.match(stdout, /"access_token"/, `${block.where}:\n${stdout}`);
}

/** The ids docs/cli.md shows in its examples, replaced in `run: cli` blocks by the store's real ones. */
export const CLI_EXAMPLE_IDS = { grant: '8c1f…', kid: 'CJUp56dbmodAdnxwQG_ul32SB-6QGK3n8d_qhn8019M' } as const;
const CLIENT_SECRET = 'a-client-secret-of-32-characters!!';

/**
 * The world of the `run: cli` blocks (docs/cli.md's, then README.md's), in a temp dir: `my.json`,
 * `config/my.json` and `tollgate.json` (one SQLite store in the dir, `data/tollgate.db`, the client
 * SkyVaultapp, the user admin, JWT access tokens, `keyActivationDelay: 0` so that a rotated key signs
 * at once and the old one may be retired; `tollgate.json` also has `"port": 0`, so that a block's
 * `serve` without `--port` takes a free port, not 9191), `client.json`, `$PASSWORD`,
 * `$NEW_PASSWORD`, `$SECRET`, `tollgate` on the PATH, and `dist/cli.js` (a link to the same
 * `tollgate`'s file, for the README's `node dist/cli.js`). That `tollgate` is the real one except
 * for `serve`, which it starts, waits for its "listening" line, stops with SIGTERM and answers with
 * serve's own exit code (documented 0 after SIGTERM).
 */
export class CliWorld {
  readonly #dir: string;
  /** The real `tollgate` as a shell command: `'node' 'dist/cli.js'` or the installed bin. */
  readonly #tollgate: string;
  /** Where `import 'tollgate'` resolves: the repository or the user's project. */
  readonly #project: string;
  readonly #database: string;

  constructor(dir: string, tollgate: readonly string[], project: string) {
    this.#dir = dir;
    this.#tollgate = tollgate.map((word) => `'${word.replaceAll("'", "'\\''")}'`).join(' ');
    this.#project = project;
    this.#database = join(dir, 'data', 'tollgate.db');
    const config = JSON.stringify({
      store: `sqlite:${this.#database}`,
      accessTokenFormat: 'jwt',
      keyActivationDelay: 0,
      clients: [{
        client_id: 'SkyVaultapp',
        client_name: 'SkyVault',
        client_secret: CLIENT_SECRET,
        redirect_uris: ['https://client.example.com/cb'],
        grant_types: ['authorization_code', 'refresh_token', 'client_credentials', 'password'],
        scope: 'read write',
      }],
      users: [{ username: 'admin', password: 'a-password-for-the-admin' }],
    });
    mkdirSync(join(dir, 'config'), { recursive: true });
    mkdirSync(join(dir, 'bin'));
    writeFileSync(join(dir, 'my.json'), config);
    writeFileSync(join(dir, 'config', 'my.json'), config);
    writeFileSync(join(dir, 'tollgate.json'), JSON.stringify({ ...JSON.parse(config), port: 0 }));
    mkdirSync(join(dir, 'dist'));
    symlinkSync(realpathSync(tollgate.at(-1)!), join(dir, 'dist', 'cli.js'));
    writeFileSync(join(dir, 'client.json'), JSON.stringify({ client_id: 'reports', grant_types: ['client_credentials'], redirect_uris: [], scope: 'read' }));
    writeFileSync(
      join(dir, 'bin', 'tollgate'),
      `#!/usr/bin/env bash
if [ "$1" != serve ]; then exec ${this.#tollgate} "$@"; fi
log=$(mktemp)
${this.#tollgate} "$@" >"$log" 2>&1 &
pid=$!
until grep -q 'listening on' "$log"; do
  if ! kill -0 "$pid" 2>/dev/null; then cat "$log"; wait "$pid"; exit $?; fi
  sleep 0.2
done
grep 'listening on' "$log"
kill -TERM "$pid"
wait "$pid"
`,
    );
    chmodSync(join(dir, 'bin', 'tollgate'), 0o755);
  }

  /**
   * Runs a `run: cli` block, its example ids replaced by the store's; answers its output, after
   * checking it against the `output` block the page shows after it, if any (the one port there,
   * 9191, stands for the free port `tollgate.json` gets).
   */
  run(block: DocBlock, blocks?: readonly DocBlock[]): string {
    const stdout = this.#run(block);
    const shown = outputOf(block, blocks);
    if (shown) assertShown(block.where, shown.code, stdout, [['http://127.0.0.1:9191', 'http://127\\.0\\.0\\.1:\\d+']]);
    return stdout;
  }

  #run(block: DocBlock): string {
    let code = block.code;
    if (code.includes(CLI_EXAMPLE_IDS.grant)) code = code.replaceAll(CLI_EXAMPLE_IDS.grant, this.#seedGrantOfCarol());
    if (code.includes(CLI_EXAMPLE_IDS.kid)) code = code.replaceAll(CLI_EXAMPLE_IDS.kid, this.#firstKid());
    return runShell(block.where, code, this.#dir, {
      PATH: `${join(this.#dir, 'bin')}:${process.env.PATH}`,
      PASSWORD: 'carols-first-password-of-some-length',
      NEW_PASSWORD: 'carols-second-password-of-some-length',
      SECRET: 'a-secret-from-your-secret-manager!!',
    });
  }

  /**
   * The user carol with one grant, as her sign-in would have left them: saved through the store,
   * from the project where `tollgate` is installed. Answers the grant's id.
   */
  #seedGrantOfCarol(): string {
    const grantId = `grant-${process.pid}-${Date.now()}`;
    const script = join(this.#project, `.docs-cli-seed-${process.pid}.mjs`);
    writeFileSync(
      script,
      `import { createSqliteStore } from 'tollgate/stores/sqlite';
       const store = await createSqliteStore({ filename: ${JSON.stringify(this.#database)} });
       const client = await store.getClient('SkyVaultapp', null);
       const user = await store.saveUser({ username: 'carol', password: 'carols-password-of-some-length', source: 'cli' });
       const hour = new Date(Date.now() + 3_600_000);
       await store.saveToken({ accessToken: 'at-' + ${JSON.stringify(grantId)}, accessTokenExpiresAt: hour, refreshToken: 'rt-' + ${JSON.stringify(grantId)}, refreshTokenExpiresAt: hour, scope: ['read', 'write'], client, user, grantId: ${JSON.stringify(grantId)} }, client, user);
       await store.close();`,
    );
    try {
      runShell('seeding carol\'s grant', `node ${JSON.stringify(script)}`, this.#project);
    } finally {
      spawnSync('rm', ['-f', script]);
    }
    return grantId;
  }

  /** The oldest signing key's id, from `tollgate keys list --json`. */
  #firstKid(): string {
    const keys = JSON.parse(runShell('keys list', `${this.#tollgate} keys list --config my.json --json`, this.#dir)) as { kid: string; createdAt: string }[];
    const first = [...keys].sort((a, b) => a.createdAt.localeCompare(b.createdAt))[0];
    assert.ok(first, 'a signing key exists (serve made one)');
    return first.kid;
  }
}
