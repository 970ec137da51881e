#!/usr/bin/env node
/** The `tollgate` command: `serve` runs the server, `keys rotate` adds a new JWT signing key, `hash-secret` and `hash-password` hash a value for the config. */
import cluster from 'node:cluster';
import { parseArgs } from 'node:util';
import { ConfigError } from './index.js';
import { loadConfig, workerCount } from './app/config.js';
import { serve } from './app/serve.js';
import { runWorker, serveWorkers } from './app/workers.js';
import { openStore } from './app/open-store.js';
import { rotateSigningKey } from './tokens/signing-keys.js';
import { hashPassword, hashSecret } from './secrets.js';

const USAGE = `Usage:
  tollgate serve --config <file.json> [--port <n>] [--workers <n>]
      run the server (--port 0: any free port; --workers: processes sharing the port and the store)
  tollgate keys rotate --config <file.json>
      add a new JWT signing key; older keys keep verifying
  tollgate hash-secret < secret.txt
      print a client secret's hash for "client_secret_hash" (SHA-256, base64url)
  tollgate hash-password < password.txt
      print a password's hash for "password_hash" (scrypt)
  tollgate --help`;

class UsageError extends Error {}

function parse(args: string[], options: { serve?: boolean }) {
  let parsed;
  try {
    parsed = parseArgs({
      args,
      options: {
        config: { type: 'string' },
        ...(options.serve && { port: { type: 'string' as const }, workers: { type: 'string' as const } }),
      },
      strict: true,
      allowPositionals: false,
    });
  } catch (err) {
    throw new UsageError((err as Error).message);
  }
  const { config, port, workers } = parsed.values as { config?: string; port?: string; workers?: string };
  if (config === undefined) throw new UsageError('--config <file.json> is required');
  if (port !== undefined && !/^\d{1,5}$/.test(port)) throw new UsageError(`--port must be a number from 0 to 65535, not "${port}"`);
  const portNumber = port === undefined ? undefined : Number(port);
  if (portNumber !== undefined && portNumber > 65_535) throw new UsageError(`--port must be a number from 0 to 65535, not "${port}"`);
  if (workers !== undefined && !/^\d{1,3}$/.test(workers)) throw new UsageError(`--workers must be a number of processes, not "${workers}"`);
  return { config, port: portNumber, workers: workers === undefined ? undefined : Number(workers) };
}

async function runServe(args: string[]): Promise<void> {
  const { config: file, port, workers } = parse(args, { serve: true });
  const config = await loadConfig(file);
  const count = workers === undefined ? config.workers : workerCount(workers, config.store, '--workers');
  const where = port === undefined ? {} : { port };
  const server = count > 1 ? await serveWorkers(config, { ...where, count }) : await serve(config, where);
  const stop = (): void => {
    server.close().then(
      () => process.exit(0),
      (err: unknown) => {
        console.error('tollgate: error while stopping', err);
        process.exit(1);
      },
    );
  };
  // Before the URL is printed: whoever reads it may signal at once.
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
  const issuer = server.issuer === server.url ? '' : ` (issuer ${server.issuer})`;
  process.stdout.write(`tollgate listening on ${server.url}${issuer}\n`);
}

async function runKeysRotate(args: string[]): Promise<void> {
  const { config: file } = parse(args, {});
  const config = await loadConfig(file);
  const store = await openStore(config.store);
  try {
    const key = await rotateSigningKey(store);
    const signsFrom = new Date(key.createdAt.getTime() + config.keyActivationDelay * 1000).toISOString();
    process.stdout.write(
      `new signing key ${key.kid} (${key.alg}): published now, signs from ${signsFrom}; earlier keys stay published until their tokens expire\n`,
    );
  } finally {
    await store.close();
  }
}

/**
 * The value to hash, from stdin rather than an argument: arguments show in `ps` and shell history.
 * One final line break goes (what `echo` and editors add); anything else is part of the value.
 */
async function readValue(what: string): Promise<string> {
  if (process.stdin.isTTY) process.stderr.write(`Type the ${what}, then Enter and Ctrl-D:\n`);
  const chunks: Buffer[] = [];
  for await (const chunk of process.stdin) chunks.push(chunk as Buffer);
  const value = Buffer.concat(chunks).toString('utf8').replace(/\r?\n$/, '');
  if (value === '') throw new UsageError(`no ${what} on stdin`);
  // verifyPassword never matches a password holding U+0000 (RFC 2104 §2 zero padding): refuse to make one.
  if (value.includes('\u0000')) throw new UsageError(`the ${what} holds a NUL character`);
  return value;
}

async function runHash(args: string[], kind: 'secret' | 'password'): Promise<void> {
  if (args.length > 0) throw new UsageError(`hash-${kind} reads the ${kind} from stdin and takes no arguments`);
  const value = await readValue(kind === 'secret' ? 'client secret' : 'password');
  process.stdout.write(`${kind === 'secret' ? hashSecret(value) : await hashPassword(value)}\n`);
}

async function main(argv: string[]): Promise<void> {
  const [command, ...rest] = argv;
  if (command === '--help' || command === '-h' || command === 'help') {
    process.stdout.write(`${USAGE}\n`);
    return;
  }
  if (command === 'serve') return runServe(rest);
  if (command === 'keys' && rest[0] === 'rotate') return runKeysRotate(rest.slice(1));
  if (command === 'hash-secret') return runHash(rest, 'secret');
  if (command === 'hash-password') return runHash(rest, 'password');
  throw new UsageError(command === undefined ? 'a command is required' : `unknown command "${[command, ...rest.slice(0, command === 'keys' ? 1 : 0)].join(' ')}"`);
}

// node:cluster runs this file again in each worker, which takes its orders from the primary.
if (cluster.isWorker) runWorker();
else main(process.argv.slice(2)).catch((err: unknown) => {
  if (err instanceof UsageError) {
    process.stderr.write(`tollgate: ${err.message}\n\n${USAGE}\n`);
    process.exit(2);
  }
  if (err instanceof ConfigError) {
    process.stderr.write(`tollgate: invalid configuration: ${err.message}\n`);
    process.exit(1);
  }
  process.stderr.write(`tollgate: cannot start: ${err instanceof Error ? err.message : String(err)}\n`);
  process.exit(1);
});
