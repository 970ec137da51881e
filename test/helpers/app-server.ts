/** Running `tollgate` as users do: `node dist/cli.js` (built by `npm test`), with a config written to a temp file. */
import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { once } from 'node:events';
import { admin, skyvault, spa } from './fixtures.js';

export const CLI = join(import.meta.dirname, '../../dist/cli.js');
export { REDIRECT_URI } from './fixtures.js';

/** The SkyVault demo set-up on the memory store: the fixtures' demo client, public client and admin/tiger. */
export function demoConfig(overrides: Record<string, unknown> = {}): Record<string, unknown> {
  return { store: 'memory', clients: [skyvault, spa], users: [admin], ...overrides };
}

/** A temp directory for this test file's configs and databases. */
export function tempDir(): string {
  return mkdtempSync(join(tmpdir(), 'tollgate-app-'));
}

export function writeConfig(config: unknown, dir = tempDir()): string {
  const file = join(dir, `config-${Math.random().toString(36).slice(2)}.json`);
  writeFileSync(file, JSON.stringify(config, null, 2));
  return file;
}

export interface CliResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Runs the CLI to completion (for commands that end, or fail at start); `input` is written to its stdin. */
export async function runCli(args: readonly string[], options: { input?: string } = {}): Promise<CliResult> {
  const child = spawn(process.execPath, [CLI, ...args], { stdio: ['pipe', 'pipe', 'pipe'] });
  // Without input, stdin is closed at once: a command reading it sees an empty stream, never waits.
  // A command that exits before reading its input closes the pipe: EPIPE there is no test failure.
  child.stdin.on('error', () => {});
  child.stdin.end(options.input);
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (chunk: Buffer) => (stdout += chunk));
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk));
  const [code] = (await once(child, 'exit')) as [number | null];
  return { code, stdout, stderr };
}

export interface RunningCli {
  url: string;
  process: ChildProcess;
  /** Everything written to stdout and stderr so far. */
  output(): string;
  /** Sends the signal and resolves with the exit code. */
  stop(signal?: NodeJS.Signals): Promise<number | null>;
}

/** Starts `tollgate serve --config <file> --port 0` (then `args`, e.g. `--workers 2`) and resolves once it printed its URL. */
export async function startCli(
  config: unknown,
  options: { configFile?: string; args?: readonly string[]; env?: Record<string, string> } = {},
): Promise<RunningCli> {
  const file = options.configFile ?? writeConfig(config);
  const env = options.env && { ...process.env, ...options.env };
  const child = spawn(process.execPath, [CLI, 'serve', '--config', file, '--port', '0', ...(options.args ?? [])], { stdio: ['ignore', 'pipe', 'pipe'], ...(env && { env }) });
  let output = '';
  const exited = once(child, 'exit') as Promise<[number | null]>;
  const url = await new Promise<string>((resolve, reject) => {
    const onData = (chunk: Buffer): void => {
      output += chunk;
      const match = /tollgate listening on (http:\/\/[^\s]+)[^\n]*\n/.exec(output);
      if (match?.[1]) resolve(match[1]);
    };
    child.stdout.on('data', onData);
    child.stderr.on('data', onData);
    exited.then(([code]) => reject(new Error(`tollgate exited (${code}) before listening:\n${output}`)), () => {});
  });
  return {
    url,
    process: child,
    output: () => output,
    async stop(signal = 'SIGTERM') {
      if (child.exitCode !== null || child.signalCode !== null) return child.exitCode;
      child.kill(signal);
      const [code] = await exited;
      return code;
    },
  };
}
