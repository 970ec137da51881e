/** `tollgate check --config <file>`: validates the config and proves its store opens (migrations run) and answers, without serving. */
import { loadConfig } from '../app/config.js';
import { describeStore, openReachableStore } from '../app/reachable-store.js';
import { parseCommand, print } from './common.js';

export const CHECK_USAGE = `Usage:
  tollgate check --config <file.json>
      validates the config, opens its store (running migrations) and pings it; exit 0 with one line,
      or 1 with one line naming the bad field or the store that cannot be reached`;

/** Runs `tollgate check`; errors (ConfigError, StoreUnreachableError) leave as one line through the CLI's handler. */
export async function runCheck(args: readonly string[]): Promise<void> {
  const { config: file } = parseCommand(args, {}, CHECK_USAGE);
  const config = await loadConfig(file);
  const store = await openReachableStore(config.store);
  await store.close();
  // Users from a module live in the operator's own database: name the module rather than count none.
  const users = config.usersModule === undefined ? `${config.users.length} users configured` : `users from ${config.usersModule}`;
  print(`tollgate: ${file} is valid; ${describeStore(config.store)} is reachable and up to date (${config.clients.length} clients, ${users})`);
}
