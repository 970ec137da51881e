/** `tollgate clients list|show|add|remove|rotate-secret`: the clients in the config's store. */
import { readFile } from 'node:fs/promises';
import type { Store } from '../stores/store.js';
import type { Client } from '../types.js';
import { ConfigError } from '../errors.js';
import type { TokenEndpointAuthMethod } from '../types.js';
import { newClientSecret, usesSecret } from '../client-metadata.js';
import { sourceOf } from '../stores/records.js';
import { validateClientEntry } from '../app/config.js';
import type { OptionValues } from './common.js';
import { CommandError, UsageError, listOption, readValue, subcommand, parseCommand, print, printJson, printTable, stringOption, withStore } from './common.js';

export const CLIENTS_USAGE = `Usage:
  tollgate clients list --config <file.json> [--json]
  tollgate clients show <client_id> --config <file.json> [--json]
  tollgate clients add --config <file.json> [--json]
      (--id <client_id> [--name <name>] [--redirect-uri <uri>]... [--grant-type <type>]... [--scope "<a b>"] [--public]
       | --file <client.json> | --file -)
      registers a client (RFC 7591 field names, checked as the config's clients are); a confidential
      client gets a generated secret, printed this once
  tollgate clients remove <client_id> --config <file.json>
      deletes the client and revokes its tokens, codes and consents
  tollgate clients rotate-secret <client_id> --config <file.json> [--json]
      gives a confidential client a new secret, printed this once; the old one stops working`;

/** What a client shows: its metadata and source, never a hash. */
function visible(client: Client): Record<string, unknown> {
  const { registration_access_token_hash: _hash, ...metadata } = client;
  return { ...metadata, source: sourceOf(client) };
}

async function findClient(store: Store, clientId: string): Promise<Client> {
  const client = await store.getClient(clientId, null);
  if (!client) throw new CommandError(`no client "${clientId}"`);
  return client;
}

/** Said when an operator changes a client the config seeds: the next start puts the config's version back. */
function configNotice(client: Client, change: string): void {
  if (sourceOf(client) === 'config') {
    process.stderr.write(`tollgate: note: client "${client.client_id}" comes from the config; ${change} at the next start unless the config changes too\n`);
  }
}

async function list(args: readonly string[]): Promise<void> {
  const { config, json } = parseCommand(args, {}, CLIENTS_USAGE);
  const clients = await withStore(config, 'clients list', (store) => store.listClients());
  if (json) return printJson(clients.map(visible));
  printTable(
    ['CLIENT_ID', 'SOURCE', 'AUTH', 'GRANTS', 'NAME'],
    clients.map((c) => [c.client_id, sourceOf(c), c.token_endpoint_auth_method, c.grant_types.join(','), c.client_name ?? '']),
    'no clients',
  );
}

async function show(args: readonly string[]): Promise<void> {
  const { config, json, positionals } = parseCommand(args, {}, CLIENTS_USAGE, 1);
  const client = visible(await withStore(config, 'clients show', (store) => findClient(store, positionals[0]!)));
  if (json) return printJson(client);
  for (const [field, value] of Object.entries(client)) print(`${field}: ${typeof value === 'string' ? value : JSON.stringify(value)}`);
}

/** The client's metadata from `--file` (a path, or `-` for stdin) or from the flags. */
async function metadataOf(values: OptionValues): Promise<Record<string, unknown>> {
  const file = stringOption(values, 'file');
  const flags = ['id', 'name', 'redirect-uri', 'grant-type', 'scope', 'public'].filter((flag) => values[flag] !== undefined);
  if (file !== undefined) {
    if (flags.length > 0) throw new UsageError(`give --file or the field flags, not both (--${flags[0]})`, CLIENTS_USAGE);
    const text = file === '-' ? await readValue('client JSON') : await readFile(file, 'utf8').catch((err: NodeJS.ErrnoException) => {
      throw new CommandError(`cannot read ${file}: ${err.code ?? err.message}`);
    });
    try {
      return JSON.parse(text) as Record<string, unknown>;
    } catch (err) {
      throw new CommandError(`${file === '-' ? 'stdin' : file} is not valid JSON: ${(err as Error).message}`);
    }
  }
  const id = stringOption(values, 'id');
  if (id === undefined) throw new UsageError('--id <client_id> or --file <client.json> is required', CLIENTS_USAGE);
  const name = stringOption(values, 'name');
  const scope = stringOption(values, 'scope');
  const redirectUris = listOption(values, 'redirect-uri');
  const grantTypes = listOption(values, 'grant-type');
  return {
    client_id: id,
    ...(name !== undefined && { client_name: name }),
    ...(scope !== undefined && { scope }),
    redirect_uris: redirectUris,
    ...(grantTypes.length > 0 && { grant_types: grantTypes }),
    ...(values.public === true && { token_endpoint_auth_method: 'none' }),
  };
}

/** The method of a client's metadata, client_secret_basic when it names none (RFC 7591 §2). */
function methodOf(metadata: Record<string, unknown>): TokenEndpointAuthMethod {
  return (metadata.token_endpoint_auth_method ?? 'client_secret_basic') as TokenEndpointAuthMethod;
}

/** What the operator is told beside a new secret: how the store keeps it. */
function secretNote(method: TokenEndpointAuthMethod): string {
  return method === 'client_secret_jwt'
    ? '(shown this once; a client_secret_jwt secret is kept in the store as it is, the HMAC key of its assertions)'
    : '(shown this once: tollgate keeps only its hash)';
}

async function add(args: readonly string[]): Promise<void> {
  const options = {
    id: { type: 'string' },
    name: { type: 'string' },
    'redirect-uri': { type: 'string', multiple: true },
    'grant-type': { type: 'string', multiple: true },
    scope: { type: 'string' },
    public: { type: 'boolean' },
    file: { type: 'string' },
  } as const;
  const { config, json, values } = parseCommand(args, options, CLIENTS_USAGE);
  const metadata = await metadataOf(values);
  if (metadata.client_secret !== undefined) {
    throw new CommandError('client_secret is generated, never chosen: leave it out (or give client_secret_hash, as `tollgate hash-secret` prints)');
  }
  // A generated secret: 256 random bits, what a fast hash keeps safe (src/app/serve.ts); 512 for client_secret_jwt.
  const secret = usesSecret(methodOf(metadata)) && metadata.client_secret_hash === undefined ? newClientSecret(methodOf(metadata)) : undefined;
  let registration;
  try {
    registration = validateClientEntry({ ...metadata, ...(secret !== undefined && { client_secret: secret }) }, 'client');
  } catch (err) {
    if (err instanceof ConfigError) throw new CommandError(`invalid client: ${err.message}`);
    throw err;
  }
  const client = await withStore(config, 'clients add', async (store) => {
    if (await store.getClient(registration.client_id, null)) {
      throw new CommandError(`client "${registration.client_id}" exists already (remove it first, or rotate its secret)`);
    }
    // RFC 9700 §4.15: a client_id that is also a user's id or username would let one pose as the other.
    if ((await store.listUsers()).some((user) => user.id === registration.client_id || user.username === registration.client_id)) {
      throw new CommandError(`client_id "${registration.client_id}" is also a user's id or username (RFC 9700 §4.15)`);
    }
    return store.saveClient({ ...registration, source: 'cli' });
  });
  if (json) return printJson({ ...visible(client), ...(secret !== undefined && { client_secret: secret }) });
  print(`added client ${client.client_id} (${client.token_endpoint_auth_method})`);
  if (secret !== undefined) print(`client_secret: ${secret}\n${secretNote(client.token_endpoint_auth_method)}`);
}

async function remove(args: readonly string[]): Promise<void> {
  const { config, json, positionals } = parseCommand(args, {}, CLIENTS_USAGE, 1);
  const clientId = positionals[0]!;
  await withStore(config, 'clients remove', async (store) => {
    configNotice(await findClient(store, clientId), 'it comes back');
    await store.deleteClient(clientId); // its tokens, codes and consents with it
  });
  if (json) return printJson({ removed: clientId });
  print(`removed client ${clientId}; its tokens, codes and consents are revoked`);
}

async function rotateSecret(args: readonly string[]): Promise<void> {
  const { config, json, positionals } = parseCommand(args, {}, CLIENTS_USAGE, 1);
  let secret = '';
  const client = await withStore(config, 'clients rotate-secret', async (store) => {
    const client = await findClient(store, positionals[0]!);
    if (!usesSecret(client.token_endpoint_auth_method)) {
      throw new CommandError(`client "${client.client_id}" authenticates with ${client.token_endpoint_auth_method}, not a secret`);
    }
    configNotice(client, "the config's secret comes back");
    secret = newClientSecret(client.token_endpoint_auth_method);
    return store.saveClient({ ...client, client_secret: secret });
  });
  if (json) return printJson({ client_id: client.client_id, client_secret: secret });
  print(`new secret for client ${client.client_id}; the old one no longer authenticates`);
  print(`client_secret: ${secret}\n${secretNote(client.token_endpoint_auth_method)}`);
}

/** Runs `tollgate clients <sub> …`. */
export async function runClients(args: readonly string[]): Promise<void> {
  const [sub, ...rest] = args;
  const command = subcommand({ list, show, add, remove, 'rotate-secret': rotateSecret }, sub);
  if (!command) throw new UsageError(sub === undefined ? 'a clients command is required' : `unknown command "clients ${sub}"`, CLIENTS_USAGE);
  return command(rest);
}
