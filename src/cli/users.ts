/** `tollgate users list|add|remove|set-password`: the resource owners in the config's store. Passwords come from stdin. */
import type { Store, UserListing } from '../stores/store.js';
import { removeUser } from '../app/config-source.js';
import type { ServerConfig } from '../app/config.js';
import { loadUserModule, moduleUserByUsername } from '../app/user-module.js';
import { CommandError, UsageError, parseCommand, print, printJson, printTable, readValue, subcommand, withStore } from './common.js';

export const USERS_USAGE = `Usage:
  tollgate users list --config <file.json> [--json]
  tollgate users add <username> --config <file.json> [--json] < password.txt
      registers a user; the password is read from stdin, never from the command line
  tollgate users remove <username> --config <file.json>
      deletes the user, revokes their tokens, codes and consents and ends their sessions
  tollgate users set-password <username> --config <file.json> < password.txt
      replaces the user's password (read from stdin)`;

/**
 * The subject id of the user with this username: from the store, or, when the users come from a
 * module (config.users.module), through its `getUserByUsername`. A module without it can only check a
 * password or find an id, so a username names nobody: the error says what to export.
 */
export async function findUserId(store: Store, config: ServerConfig, username: string): Promise<string> {
  const file = config.usersModule;
  if (file === undefined) return (await findUser(store, username)).id;
  const user = await moduleUserByUsername(await loadUserModule(file), username);
  if (user === undefined) {
    throw new CommandError(`cannot look up user "${username}": the users come from ${file} (config.users.module), which exports no getUserByUsername(username); export it to name its users here`);
  }
  if (user === null) throw new CommandError(`no user "${username}" in ${file}`);
  return user.id as string;
}

/** The user with this username, or an error saying there is none. */
export async function findUser(store: Store, username: string): Promise<UserListing> {
  const user = (await store.listUsers()).find((candidate) => candidate.username === username);
  if (!user) throw new CommandError(`no user "${username}"`);
  return user;
}

/** Said when an operator changes a user the config seeds: the next start puts the config's version back. */
function configNotice(user: UserListing, change: string): void {
  if (user.source === 'config') {
    process.stderr.write(`tollgate: note: user "${user.username}" comes from the config; ${change} at the next start unless the config changes too\n`);
  }
}

/** The config's store, for its users: refused when the users come from a module (the user database is the module's, not tollgate's). */
function withUserStore<T>(file: string, what: string, work: (store: Store, config: ServerConfig) => Promise<T>): Promise<T> {
  return withStore(file, what, async (store, config) => {
    if (config.usersModule !== undefined) {
      throw new CommandError(`${what}: the users come from ${config.usersModule} (config.users.module); list, add and change them in that user database`);
    }
    return work(store, config);
  });
}

async function list(args: readonly string[]): Promise<void> {
  const { config, json } = parseCommand(args, {}, USERS_USAGE);
  const users = await withUserStore(config, 'users list', (store) => store.listUsers());
  if (json) return printJson(users);
  printTable(['USERNAME', 'ID', 'SOURCE'], users.map((u) => [u.username, u.id, u.source]), 'no users');
}

async function add(args: readonly string[]): Promise<void> {
  const { config, json, positionals } = parseCommand(args, {}, USERS_USAGE, 1);
  const username = positionals[0]!;
  if (username === '') throw new UsageError('the username must not be empty', USERS_USAGE);
  const password = await readValue('password');
  const user = await withUserStore(config, 'users add', async (store) => {
    if ((await store.listUsers()).some((u) => u.username === username)) throw new CommandError(`user "${username}" exists already (use users set-password)`);
    // RFC 9700 §4.15: a username that is also a client_id would let one pose as the other.
    if (await store.getClient(username, null)) throw new CommandError(`username "${username}" is also a client_id (RFC 9700 §4.15)`);
    return store.saveUser({ username, password, source: 'cli' });
  });
  if (json) return printJson({ id: user.id, username, source: 'cli' });
  print(`added user ${username} (id ${String(user.id)})`);
}

async function remove(args: readonly string[]): Promise<void> {
  const { config, json, positionals } = parseCommand(args, {}, USERS_USAGE, 1);
  const username = positionals[0]!;
  await withUserStore(config, 'users remove', async (store) => {
    const user = await findUser(store, username);
    configNotice(user, 'they come back');
    await removeUser(store, user.id);
  });
  if (json) return printJson({ removed: username });
  print(`removed user ${username}; their tokens, codes and consents are revoked and their sessions ended`);
}

async function setPassword(args: readonly string[]): Promise<void> {
  const { config, json, positionals } = parseCommand(args, {}, USERS_USAGE, 1);
  const username = positionals[0]!;
  const password = await readValue('password');
  await withUserStore(config, 'users set-password', async (store) => {
    const user = await findUser(store, username);
    configNotice(user, "the config's password comes back");
    await store.saveUser({ id: user.id, username, password, source: user.source });
  });
  if (json) return printJson({ username, passwordChanged: true });
  print(`new password set for user ${username}`);
}

/** Runs `tollgate users <sub> …`. */
export async function runUsers(args: readonly string[]): Promise<void> {
  const [sub, ...rest] = args;
  const command = subcommand({ list, add, remove, 'set-password': setPassword }, sub);
  if (!command) throw new UsageError(sub === undefined ? 'a users command is required' : `unknown command "users ${sub}"`, USERS_USAGE);
  return command(rest);
}
