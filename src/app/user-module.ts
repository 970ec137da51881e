/**
 * Users from a module (`"users": { "module": "./users.mjs" }`): the existing-user-database case.
 * The module exports `getUser(username, password)` (async; the user `{ id, username, ...claims }`
 * or null) and optionally `getUserById(id)`, which sessions and OpenID Connect claims need to find
 * the person again, and `getUserByUsername(username)`, with which the admin commands name a user
 * (`grants --user`, `sessions revoke --user`). The store keeps everything else (clients, tokens, consent, sessions).
 */
import { pathToFileURL } from 'node:url';
import { ConfigError } from '../errors.js';
import type { User } from '../index.js';
import type { Store } from '../stores/store.js';

export interface UserModule {
  getUser(username: string, password: string): Promise<User | null | undefined>;
  getUserById?: ((id: string) => Promise<User | null | undefined>) | undefined;
  getUserByUsername?: ((username: string) => Promise<User | null | undefined>) | undefined;
}

const FIELD = 'config.users.module';

/** Imports the module and checks its exports; a ConfigError naming the file when it cannot be used. */
export async function loadUserModule(file: string): Promise<UserModule> {
  let exported: Record<string, unknown>;
  try {
    exported = (await import(pathToFileURL(file).href)) as Record<string, unknown>;
  } catch (err) {
    throw new ConfigError('ERR_TOLLGATE_INVALID_CONFIG', FIELD, `cannot load ${file}: ${(err as Error).message.split('\n')[0]}`);
  }
  const { getUser, getUserById, getUserByUsername } = exported;
  if (typeof getUser !== 'function') throw new ConfigError('ERR_TOLLGATE_INVALID_CONFIG', FIELD, `${file} must export a function getUser(username, password)`);
  for (const [name, value] of Object.entries({ getUserById, getUserByUsername })) {
    if (value !== undefined && typeof value !== 'function') throw new ConfigError('ERR_TOLLGATE_INVALID_CONFIG', FIELD, `${file} exports ${name}, but not as a function`);
  }
  return {
    getUser: getUser as UserModule['getUser'],
    getUserById: getUserById as UserModule['getUserById'],
    getUserByUsername: getUserByUsername as UserModule['getUserByUsername'],
  };
}

/** A user as the module answered, checked: one without a string `id` cannot be signed in (it would be no subject, OpenID Connect Core §2). */
function checked(user: unknown, what: string): User | null {
  if (user === null || user === undefined || user === false) return null;
  if (typeof user !== 'object' || typeof (user as User).id !== 'string' || (user as User).id === '') {
    throw new TypeError(`the users module's ${what} returned a user without a string id`);
  }
  return user as User;
}

/**
 * A module's user by username, for the admin commands: its `getUserByUsername`, checked like a
 * signed-in user; undefined when the module exports none (it can then only check a password).
 */
export async function moduleUserByUsername(users: UserModule, username: string): Promise<User | null | undefined> {
  return users.getUserByUsername ? checked(await users.getUserByUsername(username), 'getUserByUsername') : undefined;
}

/** How many users signed in without `getUserById` this process remembers (the oldest go first). */
const REMEMBERED = 10_000;

/**
 * The store with its users from the module. Without `getUserById`, a user signed in here is
 * remembered by this process only: sessions then end with it (and `workers` > 1 is refused at start).
 */
export function withUserModule(store: Store, users: UserModule): Store {
  const remembered = new Map<string, User>();
  return {
    ...store,
    async getUser(username: string, password: string) {
      const user = checked(await users.getUser(username, password), 'getUser');
      if (user && !users.getUserById) {
        remembered.delete(user.id as string);
        remembered.set(user.id as string, user);
        if (remembered.size > REMEMBERED) remembered.delete(remembered.keys().next().value as string);
      }
      return user;
    },
    async getUserById(id: string) {
      return users.getUserById ? checked(await users.getUserById(id), 'getUserById') : (remembered.get(id) ?? null);
    },
  };
}

/** getUserClaims for the model (OpenID Connect Core §5.3.2): the module's user, found again, without its id and username. */
export function moduleClaims(store: Store): (user: User) => Promise<Readonly<Record<string, unknown>> | undefined> {
  return async (user) => {
    const found = user.id === undefined ? null : await store.getUserById(user.id);
    if (!found) return undefined;
    const { id: _id, username: _username, ...claims } = found;
    return claims;
  };
}
