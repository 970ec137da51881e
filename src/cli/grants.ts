/** `tollgate grants list|revoke` and `tollgate sessions revoke`: what users and clients hold. */
import type { GrantListing, Store, TokenHolder } from '../stores/store.js';
import { revokeUserSessions } from '../app/session.js';
import { CommandError, UsageError, parseCommand, print, printJson, printTable, stringOption, subcommand, withStore } from './common.js';
import { findUserId } from './users.js';
import type { ServerConfig } from '../app/config.js';

export const GRANTS_USAGE = `Usage:
  tollgate grants list (--user <username> | --client <client_id>) --config <file.json> [--json]
      the live grants (unexpired, unrevoked tokens) with client, user, scope and expiry; never a token
  tollgate grants revoke (--user <username> | --client <client_id> | --grant <grant_id>) --config <file.json> [--json]
      revokes them: access tokens deleted, refresh tokens and codes consumed, consents dropped`;

export const SESSIONS_USAGE = `Usage:
  tollgate sessions revoke --user <username> --config <file.json> [--json]
      ends every sign-in session of the user: they sign in again at the next authorization`;

const HOLDER_OPTIONS = { user: { type: 'string' }, client: { type: 'string' } } as const;

/** The one holder the options name: a user (by username, from the store or the users module) or a client. */
async function holderOf(store: Store, config: ServerConfig, user: string | undefined, client: string | undefined): Promise<TokenHolder> {
  if (user !== undefined) return { userId: await findUserId(store, config, user) };
  if (client !== undefined) return { clientId: client };
  throw new CommandError('no holder');
}

function exactlyOne(given: Record<string, string | undefined>, usage: string): void {
  const names = Object.keys(given).filter((name) => given[name] !== undefined);
  if (names.length !== 1) throw new UsageError(`give exactly one of ${Object.keys(given).map((name) => `--${name}`).join(', ')}`, usage);
}

async function list(args: readonly string[]): Promise<void> {
  const { config, json, values } = parseCommand(args, HOLDER_OPTIONS, GRANTS_USAGE);
  const [user, client] = [stringOption(values, 'user'), stringOption(values, 'client')];
  exactlyOne({ user, client }, GRANTS_USAGE);
  const { grants, names } = await withStore(config, 'grants list', async (store, serverConfig) => {
    const holder = await holderOf(store, serverConfig, user, client);
    const grants = await store.listGrants(holder);
    // Usernames for the table: a grant names its user by subject id (a module's user: the one asked for).
    const names = new Map((await store.listUsers()).map((u) => [u.id, u.username]));
    if (holder.userId !== undefined && user !== undefined) names.set(holder.userId, user);
    return { grants, names };
  });
  if (json) return printJson(grants.map((grant) => ({ ...grant, username: names.get(grant.userId ?? '') })));
  printTable(
    ['GRANT', 'CLIENT', 'USER', 'SCOPE', 'EXPIRES'],
    grants.map((g: GrantListing) => [g.grantId, g.clientId, names.get(g.userId ?? '') ?? g.userId ?? '', g.scope.join(' '), g.expiresAt.toISOString()]),
    'no live grants',
  );
}

async function revoke(args: readonly string[]): Promise<void> {
  const { config, json, values } = parseCommand(args, { ...HOLDER_OPTIONS, grant: { type: 'string' } }, GRANTS_USAGE);
  const [user, client, grant] = [stringOption(values, 'user'), stringOption(values, 'client'), stringOption(values, 'grant')];
  exactlyOne({ user, client, grant }, GRANTS_USAGE);
  const what = await withStore(config, 'grants revoke', async (store, serverConfig) => {
    if (grant !== undefined) {
      await store.revokeGrant?.(grant);
      return `grant ${grant}`;
    }
    await store.revokeTokensOf(await holderOf(store, serverConfig, user, client));
    return user !== undefined ? `every grant of user ${user}` : `every grant of client ${String(client)}`;
  });
  if (json) return printJson({ revoked: { user, client, grant } });
  print(`revoked ${what}`);
}

/** Runs `tollgate grants <sub> …`. */
export async function runGrants(args: readonly string[]): Promise<void> {
  const [sub, ...rest] = args;
  const command = subcommand({ list, revoke }, sub);
  if (!command) throw new UsageError(sub === undefined ? 'a grants command is required' : `unknown command "grants ${sub}"`, GRANTS_USAGE);
  return command(rest);
}

/** Runs `tollgate sessions revoke --user <username>`. */
export async function runSessions(args: readonly string[]): Promise<void> {
  const [sub, ...rest] = args;
  if (sub !== 'revoke') throw new UsageError(sub === undefined ? 'a sessions command is required' : `unknown command "sessions ${sub}"`, SESSIONS_USAGE);
  const { config, json, values } = parseCommand(rest, { user: { type: 'string' } }, SESSIONS_USAGE);
  const username = stringOption(values, 'user');
  if (username === undefined) throw new UsageError('--user <username> is required', SESSIONS_USAGE);
  const ended = await withStore(config, 'sessions revoke', async (store, serverConfig) => revokeUserSessions(store, await findUserId(store, serverConfig, username)));
  if (json) return printJson({ user: username, sessionsEnded: ended });
  print(`ended ${ended} session${ended === 1 ? '' : 's'} of user ${username}`);
}
