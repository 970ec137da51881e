/**
 * docs/mcp.md's "Try it" (`<!-- run: mcp -->`): a clone's commands, run as written in the repository
 * (the package has neither the examples' sources' `src/` nor tsx, so not in the tarball). Each
 * command (a line, with its `\` continuations) runs with bash in the repository: one that ends is
 * waited for; tollgate serve and the MCP server, which do not, run in the background until each
 * prints its "listening" line; the client runs last. The person's part is done here: at the URL the
 * client prints, sign in as alice / wonderland through tollgate's pages and allow, then follow the
 * redirect to the client's loopback callback. The client must then exit 0 having printed the steps
 * the page names. The ports are the block's own (9191, 3001): they must be free.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { fileURLToPath } from 'node:url';
import { authorizeThroughPages, createAgent } from './app-agent.js';
import type { DocBlock } from './doc-blocks.js';
import { runShell } from './doc-shell.js';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
/** What a long-running command prints once it serves. */
const LISTENING = /listening on/;

/** The block's commands: `\`-continued lines joined, comments and blank lines dropped. */
function commandsOf(block: DocBlock): string[] {
  return block.code
    .replace(/\\\n\s*/g, '')
    .split('\n')
    .map((line) => line.trim())
    .filter((line) => line !== '' && !line.startsWith('#'));
}

/** A command started with bash in its own process group, and everything it printed so far. */
function start(command: string): { child: ChildProcess; output(): string } {
  // Its own process group (detached): stopping it stops bash and the node it started.
  const child = spawn('bash', ['-c', command], { cwd: ROOT, detached: true, stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  child.stdout!.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr!.on('data', (chunk: Buffer) => (output += chunk.toString()));
  return { child, output: () => output };
}

/** Resolves once `test` matches what the command printed; fails if it exits first. */
function printed(started: ReturnType<typeof start>, test: RegExp): Promise<RegExpExecArray> {
  return new Promise((resolve, reject) => {
    const check = (): void => {
      const match = test.exec(started.output());
      if (match) resolve(match);
    };
    started.child.stdout!.on('data', check);
    started.child.stderr!.on('data', check);
    started.child.once('exit', (code) => reject(new Error(`exited ${code} before printing ${test}:\n${started.output()}`)));
    check();
  });
}

/** Runs the block as the page says; answers what the client printed. */
export async function runMcpBlock(block: DocBlock): Promise<string> {
  const commands = commandsOf(block);
  const client = commands.pop() ?? '';
  assert.ok(client.includes('examples/mcp/client.ts'), `${block.where}: the last command runs the client`);
  const background: ChildProcess[] = [];
  try {
    for (const command of commands) {
      if (!/\b(serve|mcp-server\.ts)\b/.test(command)) {
        runShell(block.where, command, ROOT);
        continue;
      }
      const server = start(command);
      background.push(server.child);
      await printed(server, LISTENING);
    }
    const run = start(client);
    background.push(run.child);
    const [, url] = await printed(run, /sign in and allow:\s+(\S+)/);
    const authorization = new URL(url!);
    const page = await authorizeThroughPages(createAgent(authorization.origin), Object.fromEntries(authorization.searchParams), { username: 'alice', password: 'wonderland' });
    assert.ok(page.location, `${block.where}: signing in as alice got no redirect: ${page.status} ${page.body}`);
    // The browser follows the redirect to the client's loopback callback (RFC 8252 §7.3).
    assert.equal((await fetch(page.location)).status, 200);
    const [code] = (await once(run.child, 'exit')) as [number | null];
    assert.equal(code, 0, `${block.where}: the client exited ${code}:\n${run.output()}`);
    return run.output();
  } finally {
    for (const child of background.reverse()) {
      if (child.exitCode !== null || child.signalCode !== null) continue;
      process.kill(-child.pid!, 'SIGTERM');
      await once(child, 'exit');
    }
  }
}
