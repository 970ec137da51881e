/** What every `tollgate` command shares: usage errors, option parsing, stdin values, the store a config names, output. */
import { parseArgs } from 'node:util';
import type { ParseArgsConfig } from 'node:util';
import type { Store } from '../stores/store.js';
import type { ServerConfig } from '../app/config.js';
import { loadConfig } from '../app/config.js';
import { parseStoreSpec } from '../app/open-store.js';
import { openReachableStore } from '../app/reachable-store.js';

/** A command line that cannot be run as typed: exit 2 with the usage. */
export class UsageError extends Error {
  /** The usage text of the command it concerns. */
  readonly usage: string | undefined;
  constructor(message: string, usage?: string) {
    super(message);
    this.usage = usage;
  }
}

/** A command that ran and failed (unknown id, refused operation): exit 1 with one line. */
export class CommandError extends Error {}

type Options = NonNullable<ParseArgsConfig['options']>;

/** A parsed option: a string, a repeated string's list, or a flag. */
export type OptionValues = Record<string, string | boolean | (string | boolean)[] | undefined>;

/** A parsed command line. */
export interface ParsedCommand {
  values: OptionValues;
  positionals: string[];
  /** The `--config` file. */
  config: string;
  /** Whether `--json` asks for machine-readable output. */
  json: boolean;
}

/** Parses a command's arguments strictly; every admin command takes `--config` and `--json`. */
export function parseCommand(args: readonly string[], options: Options, usage: string, positionals = 0): ParsedCommand {
  const all: Options = { config: { type: 'string' }, json: { type: 'boolean' }, ...options };
  let parsed: { values: OptionValues; positionals: string[] };
  try {
    parsed = parseArgs({ args: positionals > 0 ? positionalsLast(args, all) : [...args], options: all, strict: true, allowPositionals: positionals > 0 });
  } catch (err) {
    throw new UsageError((err as Error).message, usage);
  }
  if (parsed.positionals.length !== positionals) {
    const unexpected = parsed.positionals.find((arg) => arg.startsWith('-'));
    throw new UsageError(
      positionals === 0 ? `unexpected argument "${parsed.positionals[0]}"`
        : unexpected !== undefined ? `"${unexpected}" is not an option of this command`
        : `expected ${positionals} argument${positionals > 1 ? 's' : ''}`,
      usage,
    );
  }
  const config = parsed.values.config;
  if (typeof config !== 'string') throw new UsageError('--config <file.json> is required', usage);
  return { values: parsed.values, positionals: parsed.positionals, config, json: parsed.values.json === true };
}

/**
 * Moves every argument that is not one of the command's options (nor an option's value) after a `--`, in
 * order. A positional may begin with `-`: a key id is an RFC 7638 thumbprint in base64url, so about one in 64
 * does, and parseArgs alone would read `-aFk0…` as the short flags `-a -F -k -0`.
 */
function positionalsLast(args: readonly string[], options: Options): string[] {
  const known = new Map<string, boolean>();
  for (const [name, option] of Object.entries(options)) {
    const takesValue = option.type === 'string';
    known.set(`--${name}`, takesValue);
    if (option.short !== undefined) known.set(`-${option.short}`, takesValue);
  }
  const named: string[] = [];
  const rest: string[] = [];
  for (let i = 0; i < args.length; i++) {
    const arg = args[i]!;
    if (arg === '--') {
      rest.push(...args.slice(i + 1));
      break;
    }
    const name = arg.startsWith('--') ? arg.split('=', 1)[0]! : arg;
    const takesValue = known.get(name);
    if (takesValue === undefined) {
      rest.push(arg);
      continue;
    }
    named.push(arg);
    if (takesValue && !arg.includes('=') && i + 1 < args.length) named.push(args[++i]!);
  }
  return [...named, '--', ...rest];
}

/** A string option's value, if given. */
export function stringOption(values: OptionValues, name: string): string | undefined {
  const value = values[name];
  return typeof value === 'string' ? value : undefined;
}

/** A repeatable string option's values. */
export function listOption(values: OptionValues, name: string): string[] {
  const value = values[name];
  return Array.isArray(value) ? value.filter((item): item is string => typeof item === 'string') : [];
}

/**
 * Opens the store the config names. A memory store lives inside the server's process: a command
 * run beside it would change a store that vanishes when the command exits, so it is refused.
 */
export async function openConfigStore(file: string, what: string): Promise<{ config: ServerConfig; store: Store }> {
  const config = await loadConfig(file);
  if (parseStoreSpec(config.store).kind === 'memory') {
    throw new CommandError(`${what} needs a persistent store: the config's store is "memory", which lives only inside a running server and would vanish when this command exits`);
  }
  return { config, store: await openReachableStore(config.store) };
}

/** Runs `work` on the config's store and closes it whatever happens. */
export async function withStore<T>(file: string, what: string, work: (store: Store, config: ServerConfig) => Promise<T>): Promise<T> {
  const { config, store } = await openConfigStore(file, what);
  try {
    return await work(store, config);
  } finally {
    await store.close();
  }
}

/**
 * A value from stdin rather than an argument: arguments show in `ps` and shell history.
 * One final line break goes (what `echo` and editors add); anything else is part of the value.
 */
export async function readValue(what: string): Promise<string> {
  if (process.stdin.isTTY) process.stderr.write(`Type the ${what}, then Enter and Ctrl-D:\n`);
  const chunks: Buffer[] = [];
  for await (const chunk of process.stdin) chunks.push(chunk as Buffer);
  const value = Buffer.concat(chunks).toString('utf8').replace(/\r?\n$/, '');
  if (value === '') throw new UsageError(`no ${what} on stdin`);
  // verifyPassword never matches a password holding U+0000 (RFC 2104 §2 zero padding): refuse to make one.
  if (value.includes('\u0000')) throw new UsageError(`the ${what} holds a NUL character`);
  return value;
}

/** Writes a line to stdout. */
export function print(line: string): void {
  process.stdout.write(`${line}\n`);
}

/** Writes a value as JSON (for `--json`). */
export function printJson(value: unknown): void {
  print(JSON.stringify(value, null, 2));
}

/** Writes rows as aligned columns under a header; `empty` when there are none. */
export function printTable(header: readonly string[], rows: readonly (readonly string[])[], empty: string): void {
  if (rows.length === 0) return print(empty);
  const widths = header.map((title, i) => Math.max(title.length, ...rows.map((row) => (row[i] ?? '').length)));
  for (const row of [header, ...rows]) print(row.map((cell, i) => (i === row.length - 1 ? cell : cell.padEnd(widths[i] ?? 0))).join('  '));
}

/** Whether the arguments ask for help: `tollgate <command> … --help`. */
export function wantsHelp(args: readonly string[]): boolean {
  return args.includes('--help') || args.includes('-h');
}

/** The subcommand named `name`, if it is one (never an inherited property such as `constructor`). */
export function subcommand(commands: Record<string, (args: readonly string[]) => Promise<void>>, name: string | undefined) {
  return name !== undefined && Object.hasOwn(commands, name) ? commands[name] : undefined;
}
