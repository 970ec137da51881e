/**
 * The README's library quick start (its two `<!-- run: quickstart -->` blocks), run as written
 * wherever `tollgate` resolves: the repository (test/readme.test.ts) or a project where the packed
 * tarball is installed (test/package/installed-tarball.test.ts).
 */
import assert from 'node:assert/strict';
import { once } from 'node:events';
import { writeFile } from 'node:fs/promises';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { assertShown, docBlocks } from './doc-blocks.js';
import { runShell } from './doc-shell.js';

/** A port nothing listens on now (the probe closes before answering). */
export async function freePort(): Promise<number> {
  const probe = createServer().listen(0, '127.0.0.1');
  await once(probe, 'listening');
  const { port } = probe.address() as { port: number };
  probe.close();
  await once(probe, 'close');
  return port;
}

/**
 * Saves the quick start's JavaScript block in `dir` under the name its first line gives
 * (`// server.mjs`), then runs its shell block there with bash: the server in the background, the
 * curl for a client_credentials token. Checks that the curl printed what the block's `# ` comment
 * shows and that the token is the one asked for. The one change to both blocks: a free port for
 * 3000. The server is stopped when the shell exits.
 */
export async function runReadmeQuickstart(dir: string): Promise<void> {
  const [file, shell] = docBlocks().filter((block) => block.file === 'README.md' && block.kind === 'run' && block.value === 'quickstart');
  assert.ok(file?.lang === 'js' && shell?.lang === 'sh', 'README has the quick start: a js block, then the sh block that runs it');
  const name = /^\/\/ (\S+\.mjs)\n/.exec(file.code)?.[1];
  assert.ok(name, `${file.where} starts with the file name it is saved as`);
  const port = String(await freePort());
  await writeFile(join(dir, name), file.code.replaceAll('3000', port));
  const stdout = runShell(shell.where, `trap 'kill $(jobs -p) 2>/dev/null' EXIT\n${shell.code.replaceAll('3000', port)}`, dir);

  const shown = shell.code.split('\n').filter((line) => line.startsWith('# ')).map((line) => line.slice(2));
  assert.ok(shown.length > 0, `${shell.where} shows what it prints`);
  assertShown(shell.where, [`listening on http://localhost:${port}`, ...shown].join('\n'), stdout);
  const body = JSON.parse(stdout.slice(stdout.indexOf('{'))) as Record<string, unknown>;
  assert.equal(body.token_type, 'Bearer');
  assert.equal(typeof body.access_token, 'string');
  assert.equal(body.scope, 'reports:read');
}
