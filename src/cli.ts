#!/usr/bin/env node
/**
 * The `tollgate` command: `serve` runs the server, `check` validates a config and its store, the
 * admin commands (`clients`, `users`, `grants`, `keys`, `sessions`; src/cli/) manage the store, and
 * `hash-secret` / `hash-password` hash a value for the config. Exit codes: 0 done, 1 a configuration,
 * store or command error (one line on stderr), 2 a usage error (with the usage).
 */
import cluster from 'node:cluster';
import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { ConfigError } from './index.js';
import { loadConfig, workerCount } from './app/config.js';
import { serve } from './app/serve.js';
import { runWorker, serveWorkers } from './app/workers.js';
import { StoreUnreachableError } from './app/reachable-store.js';
import { hashPassword, hashSecret } from './secrets.js';
import { CommandError, UsageError, readValue, wantsHelp } from './cli/common.js';
import { CHECK_USAGE, runCheck } from './cli/check.js';
import { CLIENTS_USAGE, runClients } from './cli/clients.js';
import { USERS_USAGE, runUsers } from './cli/users.js';
import { GRANTS_USAGE, SESSIONS_USAGE, runGrants, runSessions } from './cli/grants.js';
import { KEYS_USAGE, runKeys } from './cli/keys.js';

const SERVE_USAGE = `Usage:
  tollgate serve --config <file.json> [--port <n>] [--workers <n>]
      run the server (--port 0: any free port; --workers: processes sharing the port and the store)`;

const HASH_USAGE = {
  secret: `Usage:
  tollgate hash-secret < secret.txt
      print a client secret's hash for "client_secret_hash" (SHA-256, base64url)`,
  password: `Usage:
  tollgate hash-password < password.txt
      print a password's hash for "password_hash" (scrypt)`,
};

const USAGE = `Usage:
  tollgate serve --config <file.json> [--port <n>] [--workers <n>]
      run the server (--port 0: any free port; --workers: processes sharing the port and the store)
  tollgate check --config <file.json>
      validate the config and reach its store, without serving
  tollgate clients list|show|add|remove|rotate-secret …   manage clients
  tollgate users list|add|remove|set-password …            manage users (passwords from stdin)
  tollgate grants list|revoke --user|--client|--grant …     see and revoke what users and clients hold
  tollgate keys list|rotate …                               JWT signing keys
  tollgate sessions revoke --user <username> …              end a user's sign-in sessions
  tollgate hash-secret < secret.txt
      print a client secret's hash for "client_secret_hash" (SHA-256, base64url)
  tollgate hash-password < password.txt
      print a password's hash for "password_hash" (scrypt)
  tollgate --version
  tollgate <command> --help
Admin commands take the config file of the server (any store but "memory") and --json for machine-readable output.`;

/** The usage of each command, for `tollgate <command> --help` and its usage errors. */
const USAGES: Record<string, string> = {
  serve: SERVE_USAGE,
  check: CHECK_USAGE,
  clients: CLIENTS_USAGE,
  users: USERS_USAGE,
  grants: GRANTS_USAGE,
  keys: KEYS_USAGE,
  sessions: SESSIONS_USAGE,
  'hash-secret': HASH_USAGE.secret,
  'hash-password': HASH_USAGE.password,
};

function parseServe(args: string[]) {
  let parsed;
  try {
    parsed = parseArgs({
      args,
      options: { config: { type: 'string' }, port: { type: 'string' }, workers: { type: 'string' } },
      strict: true,
      allowPositionals: false,
    });
  } catch (err) {
    throw new UsageError((err as Error).message, SERVE_USAGE);
  }
  const { config, port, workers } = parsed.values;
  if (config === undefined) throw new UsageError('--config <file.json> is required', SERVE_USAGE);
  if (port !== undefined && !/^\d{1,5}$/.test(port)) throw new UsageError(`--port must be a number from 0 to 65535, not "${port}"`, SERVE_USAGE);
  const portNumber = port === undefined ? undefined : Number(port);
  if (portNumber !== undefined && portNumber > 65_535) throw new UsageError(`--port must be a number from 0 to 65535, not "${port}"`, SERVE_USAGE);
  if (workers !== undefined && !/^\d{1,3}$/.test(workers)) throw new UsageError(`--workers must be a number of processes, not "${workers}"`, SERVE_USAGE);
  return { config, port: portNumber, workers: workers === undefined ? undefined : Number(workers) };
}

async function runServe(args: string[]): Promise<void> {
  const { config: file, port, workers } = parseServe(args);
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

async function runHash(args: string[], kind: 'secret' | 'password'): Promise<void> {
  if (args.length > 0) throw new UsageError(`hash-${kind} reads the ${kind} from stdin and takes no arguments`, HASH_USAGE[kind]);
  const value = await readValue(kind === 'secret' ? 'client secret' : 'password');
  process.stdout.write(`${kind === 'secret' ? hashSecret(value) : await hashPassword(value)}\n`);
}

/** The version in package.json, beside dist/ (or src/ when run from source). */
function version(): string {
  const manifest = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as { version: string };
  return manifest.version;
}

async function main(argv: string[]): Promise<void> {
  const [command, ...rest] = argv;
  if (command === '--help' || command === '-h' || command === 'help') return void process.stdout.write(`${USAGE}\n`);
  if (command === '--version' || command === '-v') return void process.stdout.write(`tollgate ${version()}\n`);
  if (command !== undefined && Object.hasOwn(USAGES, command) && wantsHelp(rest)) return void process.stdout.write(`${USAGES[command]}\n`);
  switch (command) {
    case 'serve':
      return runServe(rest);
    case 'check':
      return runCheck(rest);
    case 'clients':
      return runClients(rest);
    case 'users':
      return runUsers(rest);
    case 'grants':
      return runGrants(rest);
    case 'keys':
      return runKeys(rest);
    case 'sessions':
      return runSessions(rest);
    case 'hash-secret':
      return runHash(rest, 'secret');
    case 'hash-password':
      return runHash(rest, 'password');
  }
  throw new UsageError(command === undefined ? 'a command is required' : `unknown command "${command}"`);
}

/** One line on stderr and the exit code: 2 for usage errors, 1 for everything else. */
function fail(err: unknown): never {
  if (err instanceof UsageError) {
    process.stderr.write(`tollgate: ${err.message}\n\n${err.usage ?? USAGE}\n`);
    process.exit(2);
  }
  if (err instanceof ConfigError) process.stderr.write(`tollgate: invalid configuration: ${err.message}\n`);
  else if (err instanceof CommandError || err instanceof StoreUnreachableError) process.stderr.write(`tollgate: ${err.message}\n`);
  else process.stderr.write(`tollgate: cannot start: ${err instanceof Error ? err.message : String(err)}\n`);
  process.exit(1);
}

// node:cluster runs this file again in each worker, which takes its orders from the primary.
if (cluster.isWorker) runWorker();
else main(process.argv.slice(2)).catch(fail);
