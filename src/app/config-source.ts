/**
 * The config is the source of truth for what it lists (issue 14): at start, clients and users that
 * an earlier config seeded and this one no longer lists are removed, with everything they hold.
 * Dynamically registered clients (RFC 7591) and those added by `tollgate clients add` are not the
 * config's and stay.
 */
import type { Store } from '../stores/store.js';
import { sourceOf } from '../stores/records.js';
import type { ServerConfig } from './config.js';
import type { ServerEvent } from './server-events.js';
import { revokeUserSessions } from './session.js';

/** Revokes everything a user holds and ends their sign-in sessions; the user record itself stays. */
export async function revokeUser(store: Store, userId: string): Promise<void> {
  await store.revokeTokensOf({ userId });
  await revokeUserSessions(store, userId);
}

/** Deletes a user, revokes what they hold and ends their sessions. */
export async function removeUser(store: Store, userId: string): Promise<boolean> {
  const existed = await store.deleteUser(userId);
  await revokeUser(store, userId);
  return existed;
}

/** One removal at start: its log line and its audit event. */
export interface Removal {
  message: string;
  event: ServerEvent;
}

/** Removes what earlier configs seeded and this one dropped; returns each removal to log and to audit. */
export async function pruneUnlisted(store: Store, config: Pick<ServerConfig, 'clients' | 'users'>): Promise<Removal[]> {
  const removals: Removal[] = [];
  const reason = 'removed from config';
  const clientIds = new Set(config.clients.map((client) => client.client_id));
  for (const client of await store.listClients()) {
    if (sourceOf(client) !== 'config' || clientIds.has(client.client_id)) continue;
    await store.deleteClient(client.client_id); // its tokens, codes and consents with it
    removals.push({
      message: `removed client "${client.client_id}": no longer in the config; its tokens, codes and consents are revoked`,
      event: { type: 'client.deleted', clientId: client.client_id, reason },
    });
  }
  const usernames = new Set(config.users.map((user) => user.username));
  for (const user of await store.listUsers()) {
    if (user.source !== 'config' || usernames.has(user.username)) continue;
    await removeUser(store, user.id);
    removals.push({
      message: `removed user "${user.username}": no longer in the config; their tokens, codes, consents and sessions are revoked`,
      event: { type: 'user.deleted', userId: user.id, username: user.username, reason },
    });
  }
  return removals;
}
