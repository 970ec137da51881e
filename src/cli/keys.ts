/** `tollgate keys list|rotate`: the JWT signing keys in the config's store. */
import { ACCESS_TOKEN_ALGORITHMS, keyChain, publishedKeys, rotateSigningKey } from '../tokens/signing-keys.js';
import type { SigningKey } from '../tokens/signing-keys.js';
import { signingKeyAt } from '../tokens/jwt.js';
import { UsageError, parseCommand, print, printJson, printTable, subcommand, withStore } from './common.js';

export const KEYS_USAGE = `Usage:
  tollgate keys list --config <file.json> [--json]
      every signing key: its kid, algorithm, creation time and whether it signs, only verifies, or is retired
  tollgate keys rotate --config <file.json> [--json]
      adds a new JWT signing key; older keys keep verifying (refused on the memory store, where the key would vanish)`;

/**
 * What a key does now: one of its chain signs (the newest past the activation delay), the others
 * still published verify, newer ones wait for JWKS caches to learn them, the rest are retired.
 */
function statusOf(key: SigningKey, keys: readonly SigningKey[], settings: { accessTokenTtl: number; keyActivationDelay: number }): string {
  const chain = keyChain(keys, ACCESS_TOKEN_ALGORITHMS.includes(key.alg) ? ACCESS_TOKEN_ALGORITHMS : [key.alg]);
  const signing = signingKeyAt(chain, settings.keyActivationDelay, Date.now());
  if (key === signing) return 'signing';
  if (signing !== undefined && key.createdAt > signing.createdAt) return 'published, not yet signing';
  return publishedKeys(chain, settings.accessTokenTtl).includes(key) ? 'verifying' : 'retired';
}

async function list(args: readonly string[]): Promise<void> {
  const { config, json } = parseCommand(args, {}, KEYS_USAGE);
  const keys = await withStore(config, 'keys list', async (store, settings) => {
    const all = await store.getSigningKeys();
    // Only public facts: the private JWK never leaves the store.
    return all.map((key) => ({ kid: key.kid, alg: key.alg, createdAt: key.createdAt.toISOString(), status: statusOf(key, all, settings) }));
  });
  if (json) return printJson(keys);
  printTable(['KID', 'ALG', 'CREATED', 'STATUS'], keys.map((k) => [k.kid, k.alg, k.createdAt, k.status]), 'no signing keys (one is made at the first start with accessTokenFormat "jwt")');
}

async function rotate(args: readonly string[]): Promise<void> {
  const { config, json } = parseCommand(args, {}, KEYS_USAGE);
  const { key, signsFrom } = await withStore(config, 'keys rotate', async (store, settings) => {
    const key = await rotateSigningKey(store);
    return { key, signsFrom: new Date(key.createdAt.getTime() + settings.keyActivationDelay * 1000).toISOString() };
  });
  if (json) return printJson({ kid: key.kid, alg: key.alg, signsFrom });
  print(`new signing key ${key.kid} (${key.alg}): published now, signs from ${signsFrom}; earlier keys stay published until their tokens expire`);
}

/** Runs `tollgate keys <sub> …`. */
export async function runKeys(args: readonly string[]): Promise<void> {
  const [sub, ...rest] = args;
  const command = subcommand({ list, rotate }, sub);
  if (!command) throw new UsageError(sub === undefined ? 'a keys command is required' : `unknown command "keys ${sub}"`, KEYS_USAGE);
  return command(rest);
}
