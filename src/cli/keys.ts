/** `tollgate keys list|rotate|retire`: the JWT signing keys in the config's store (RFC 7517 key sets). */
import { ACCESS_TOKEN_ALGORITHMS, keyChain, publishedKeys, rotateSigningKey } from '../tokens/signing-keys.js';
import type { SigningKey } from '../tokens/signing-keys.js';
import { signingKeyAt } from '../tokens/jwt.js';
import { CommandError, UsageError, parseCommand, print, printJson, printTable, subcommand, withStore } from './common.js';

export const KEYS_USAGE = `Usage:
  tollgate keys list --config <file.json> [--json]
      every signing key: its kid, algorithm, creation time and whether it signs, only verifies, or is retired
  tollgate keys rotate --config <file.json> [--json]
      adds a new JWT signing key; older keys keep verifying (refused on the memory store, where the key would vanish)
  tollgate keys retire <kid> --config <file.json> [--json]
      drops a key from the JWKS at once: tokens it signed stop verifying; refused for the key that signs now`;

/**
 * What a key does now: one of its chain signs (the newest past the activation delay), the others
 * still published verify, newer ones wait for JWKS caches to learn them, the rest are retired.
 */
function statusOf(key: SigningKey, keys: readonly SigningKey[], settings: { accessTokenTtl: number; keyActivationDelay: number }): string {
  if (key.withdrawnAt !== undefined) return 'retired';
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
    // The configured algorithm: rotating after changing it moves the chain to the new algorithm.
    const key = await rotateSigningKey(store, settings.accessTokenSigningAlg);
    return { key, signsFrom: new Date(key.createdAt.getTime() + settings.keyActivationDelay * 1000).toISOString() };
  });
  if (json) return printJson({ kid: key.kid, alg: key.alg, signsFrom });
  print(`new signing key ${key.kid} (${key.alg}): published now, signs from ${signsFrom}; earlier keys stay published until their tokens expire`);
}

async function retire(args: readonly string[]): Promise<void> {
  const { config, json, positionals } = parseCommand(args, {}, KEYS_USAGE, 1);
  const kid = positionals[0]!;
  await withStore(config, 'keys retire', async (store, settings) => {
    const all = await store.getSigningKeys();
    const key = all.find((k) => k.kid === kid);
    if (!key) throw new CommandError(`no signing key "${kid}"`);
    const status = statusOf(key, all, settings);
    // Without its signing key the server could issue nothing that verifies: a new key must take over first.
    if (status === 'signing') throw new CommandError(`key ${kid} signs tokens now: run "tollgate keys rotate", and retire it once the new key signs (after keyActivationDelay)`);
    if (key.withdrawnAt !== undefined) throw new CommandError(`key ${kid} is already retired`);
    await store.withdrawSigningKey(kid);
  });
  if (json) return printJson({ retired: kid });
  print(`retired signing key ${kid}: it is out of the JWKS; tokens it signed no longer verify (resource servers holding a cached JWKS drop it at their next fetch)`);
}

/** Runs `tollgate keys <sub> …`. */
export async function runKeys(args: readonly string[]): Promise<void> {
  const [sub, ...rest] = args;
  const command = subcommand({ list, rotate, retire }, sub);
  if (!command) throw new UsageError(sub === undefined ? 'a keys command is required' : `unknown command "keys ${sub}"`, KEYS_USAGE);
  return command(rest);
}
