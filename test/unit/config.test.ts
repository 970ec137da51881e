/** The server's config file: redirect URI schemes and the introspection permission, checked at start with errors naming the field. */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { ConfigError } from '../../src/errors.js';
import { hashPassword, hashSecret } from '../../src/secrets.js';
import { loadConfig, validateConfig } from '../../src/app/config.js';
import { poster, service, skyvault, spa } from '../helpers/fixtures.js';

const SECRET = 's'.repeat(40);
const withClient = (client: Record<string, unknown>) => validateConfig({ clients: [{ client_id: 'app', client_secret: SECRET, ...client }] });

/** Asserts a ConfigError for `field` whose message is exactly `message`. */
function refused(run: () => unknown, field: string, message: string): void {
  assert.throws(run, (err: unknown) => {
    assert.ok(err instanceof ConfigError, String(err));
    assert.equal(err.code, 'ERR_TOLLGATE_INVALID_CONFIG');
    assert.equal(err.field, field);
    assert.equal(err.message, `${field}: ${message}`);
    return true;
  });
}

describe('config: redirect URIs use https, except on loopback (RFC 6749 §3.1.2.1, RFC 8252 §7.3)', () => {
  it('a plain-http redirect URI on a non-loopback host is a ConfigError naming the field', () => {
    refused(
      () => withClient({ redirect_uris: ['https://app.example/ok', 'http://app.example/cb'] }),
      'config.clients[0].redirect_uris[1]',
      '"http://app.example/cb" uses plain http; only loopback hosts may (RFC 6749 §3.1.2.1, RFC 8252 §7.3), or set allowInsecureRedirect',
    );
    // Names that merely start like a loopback host are not one.
    for (const uri of ['http://localhost.evil.example/cb', 'http://127.0.0.1.nip.io/cb', 'http://10.0.0.1/cb', 'http://[::2]/cb']) {
      assert.throws(() => withClient({ redirect_uris: [uri] }), /uses plain http/, uri);
    }
  });

  it('loopback hosts may use plain http, on any port', () => {
    const uris = ['http://127.0.0.1/cb', 'http://127.0.0.1:8123/cb', 'http://[::1]:9000/cb', 'http://localhost:3000/cb', 'https://app.example/cb'];
    assert.deepEqual(withClient({ redirect_uris: uris }).clients[0]?.redirect_uris, uris);
  });

  it('allowInsecureRedirect: true admits plain http for that client only, and is not stored with it', () => {
    const config = validateConfig({
      clients: [
        { client_id: 'legacy', client_secret: SECRET, redirect_uris: ['http://intranet.example/cb'], allowInsecureRedirect: true },
        { client_id: 'modern', client_secret: SECRET, redirect_uris: ['https://app.example/cb'] },
      ],
    });
    assert.deepEqual(config.clients[0]?.redirect_uris, ['http://intranet.example/cb']);
    assert.equal('allowInsecureRedirect' in (config.clients[0] ?? {}), false);
    refused(
      () => validateConfig({ clients: [{ client_id: 'a', client_secret: SECRET, redirect_uris: ['http://x.example/cb'], allowInsecureRedirect: true }, { client_id: 'b', client_secret: SECRET, redirect_uris: ['http://x.example/cb'] }] }),
      'config.clients[1].redirect_uris[0]',
      '"http://x.example/cb" uses plain http; only loopback hosts may (RFC 6749 §3.1.2.1, RFC 8252 §7.3), or set allowInsecureRedirect',
    );
    refused(() => withClient({ redirect_uris: ['https://app.example/cb'], allowInsecureRedirect: 'yes' }), 'config.clients[0].allowInsecureRedirect', 'must be true or false, not "yes"');
  });

  it('the demo config and the test fixtures still load', async () => {
    const demo = await loadConfig('config/demo.json');
    assert.ok(demo.clients.length > 0);
    assert.equal(validateConfig({ clients: [skyvault, spa, poster, service] }).clients.length, 4);
  });
});

describe('config: introspection_allowed (RFC 7662 §4)', () => {
  it('is kept on the client when true or false, and absent by default', () => {
    assert.equal(withClient({ grant_types: ['client_credentials'], introspection_allowed: true }).clients[0]?.introspection_allowed, true);
    assert.equal(withClient({ grant_types: ['client_credentials'], introspection_allowed: false }).clients[0]?.introspection_allowed, false);
    assert.equal('introspection_allowed' in (withClient({ grant_types: ['client_credentials'] }).clients[0] ?? {}), false);
  });

  it('must be a boolean, and only a confidential client may have it', () => {
    refused(() => withClient({ grant_types: ['client_credentials'], introspection_allowed: 'true' }), 'config.clients[0].introspection_allowed', 'must be true or false, not "true"');
    refused(
      () => validateConfig({ clients: [{ client_id: 'spa', redirect_uris: ['https://spa.example/cb'], introspection_allowed: true }] }),
      'config.clients[0].introspection_allowed',
      'is true but the client has no client_secret (a public client cannot introspect)',
    );
  });
});

describe('config: OpenID Connect (users\' claims, Core §5.1; id_token_signed_response_alg, Registration §2)', () => {
  const withUser = (user: Record<string, unknown>) => validateConfig({ users: [{ username: 'ada', password: 'lovelace', ...user }] });

  it('standard claims of the right types are kept on the user', () => {
    const claims = { name: 'Ada', email: 'ada@example.com', email_verified: true, updated_at: 1700000000, address: { country: 'NL', locality: 'Delft' } };
    assert.deepEqual(validateConfig({ users: [{ username: 'ada', password: 'lovelace', claims }] }).users[0]?.claims, claims);
  });

  it('a claim that is not a standard one, or has the wrong type, is a ConfigError naming the claim', () => {
    assert.throws(() => withUser({ claims: { role: 'admin' } }), (err: unknown) => err instanceof ConfigError && err.field === 'config.users[0].claims.role' && /not a standard claim/.test(err.message));
    // sub is the server's to set (the user's id): never taken from claims.
    assert.throws(() => withUser({ claims: { sub: 'someone-else' } }), (err: unknown) => err instanceof ConfigError && err.field === 'config.users[0].claims.sub');
    refused(() => withUser({ claims: { email_verified: 'yes' } }), 'config.users[0].claims.email_verified', 'must be true or false');
    refused(() => withUser({ claims: { name: '' } }), 'config.users[0].claims.name', 'must be a non-empty string');
    assert.throws(() => withUser({ claims: { address: { planet: 'Mars' } } }), (err: unknown) => err instanceof ConfigError && err.field === 'config.users[0].claims.address');
    assert.throws(() => withUser({ claims: 'name=Ada' }), (err: unknown) => err instanceof ConfigError && err.field === 'config.users[0].claims');
  });

  it('id_token_signed_response_alg is RS256, ES256 or EdDSA; never none or HS256', () => {
    assert.equal(withClient({ grant_types: ['client_credentials'], id_token_signed_response_alg: 'EdDSA' }).clients[0]?.id_token_signed_response_alg, 'EdDSA');
    for (const alg of ['none', 'HS256']) {
      refused(
        () => withClient({ grant_types: ['client_credentials'], id_token_signed_response_alg: alg }),
        'config.clients[0].id_token_signed_response_alg',
        `must be one of RS256, ES256, EdDSA, not "${alg}"`,
      );
    }
  });
});

describe('config: pre-hashed secrets (client_secret_hash, password_hash)', () => {
  const secretHash = hashSecret('a secret');
  const base = { client_id: 'app', redirect_uris: ['https://app.example/cb'] };

  it('client_secret_hash makes a confidential client and is passed to the store as given', () => {
    const client = validateConfig({ clients: [{ ...base, client_secret_hash: secretHash }] }).clients[0];
    assert.equal(client?.client_secret_hash, secretHash);
    assert.equal(client?.client_secret, undefined);
    // Confidential: the rules for public clients do not apply, the password grant is allowed.
    assert.doesNotThrow(() => validateConfig({ clients: [{ ...base, client_secret_hash: secretHash, grant_types: ['password'] }] }));
  });

  it('a malformed client_secret_hash, or one beside client_secret, is refused naming the field', () => {
    for (const bad of ['s3cret', secretHash.slice(1), `${secretHash}=`, hashSecret('x').replace(/.$/, 'B')]) {
      refused(
        () => validateConfig({ clients: [{ ...base, client_secret_hash: bad }] }),
        'config.clients[0].client_secret_hash',
        'must be a SHA-256 digest in base64url (43 characters), as `tollgate hash-secret` prints',
      );
    }
    refused(
      () => validateConfig({ clients: [{ ...base, client_secret: SECRET, client_secret_hash: secretHash }] }),
      'config.clients[0].client_secret_hash',
      'is set beside client_secret: give one of the two',
    );
  });

  it('password_hash takes what hashPassword makes; weaker, oversized or malformed hashes are refused naming the field', async () => {
    const hash = await hashPassword('tiger');
    assert.equal(validateConfig({ users: [{ username: 'u', password_hash: hash }] }).users[0]?.password_hash, hash);
    const [, , , , salt, key] = hash.split('$');
    const cases: Array<[string, string]> = [
      ['$2b$10$abcdefghijklmnopqrstuv', 'must be scrypt$N$r$p$salt$hash, as `tollgate hash-password` prints'],
      [`scrypt$16000$8$1$${salt}$${key}`, 'N must be a power of two, not 16000'],
      [`scrypt$8192$8$1$${salt}$${key}`, 'the cost must be at least N=16384, r=8'],
      [`scrypt$16384$4$1$${salt}$${key}`, 'the cost must be at least N=16384, r=8'],
      [`scrypt$1048576$8$1$${salt}$${key}`, 'N and r need more than the 64 MiB scrypt may use here'],
      [`scrypt$16384$8$17$${salt}$${key}`, 'p must be at most 16'],
      [`scrypt$16384$8$0$${salt}$${key}`, 'N, r and p must be positive whole numbers'],
      [`scrypt$16384$8$1$short$${key}`, 'the salt must be at least 16 bytes, base64url'],
      [`scrypt$16384$8$1$${salt}$${key!.slice(2)}`, 'the hash must be 32 bytes, base64url'],
    ];
    for (const [bad, message] of cases) refused(() => validateConfig({ users: [{ username: 'u', password_hash: bad }] }), 'config.users[0].password_hash', message);
    refused(() => validateConfig({ users: [{ username: 'u', password: 'tiger', password_hash: hash }] }), 'config.users[0].password_hash', 'is set beside password: give one of the two');
  });
});

describe('config: branding and scopeDescriptions', () => {
  it('are read into branding; a logo URL is normalised', () => {
    const config = validateConfig({ branding: { productName: 'Acme', logoUrl: 'https://cdn.acme.example/logo.svg', primaryColor: '#0F766E' }, scopeDescriptions: { read: 'Read your files' } });
    assert.deepEqual(config.branding, { productName: 'Acme', logoUrl: 'https://cdn.acme.example/logo.svg', primaryColor: '#0F766E', scopeDescriptions: { read: 'Read your files' } });
    assert.deepEqual(validateConfig({}).branding, {});
  });

  it('a non-https logo, a colour that is not a hex literal (it goes into the stylesheet), or a bad name is refused naming the field', () => {
    refused(() => validateConfig({ branding: { logoUrl: 'http://cdn.example/l.png' } }), 'config.branding.logoUrl', 'must be an https URL, not "http://cdn.example/l.png"');
    refused(() => validateConfig({ branding: { logoUrl: 'data:image/png;base64,AA' } }), 'config.branding.logoUrl', 'must be an https URL, not "data:image/png;base64,AA"');
    for (const color of ['red', '#12345', '#fff;}body{display:none', '1d4ed8']) {
      assert.throws(() => validateConfig({ branding: { primaryColor: color } }), /config\.branding\.primaryColor: must be a CSS hex colour/, color);
    }
    refused(() => validateConfig({ branding: { productName: ' ' } }), 'config.branding.productName', 'must be 1 to 60 characters');
    refused(() => validateConfig({ branding: { tagline: 'x' } }), 'config.branding.tagline', 'is not a known field; allowed: productName, logoUrl, primaryColor');
    refused(() => validateConfig({ scopeDescriptions: { read: 1 } }), 'config.scopeDescriptions.read', 'must be a non-empty string, not 1');
  });
});

describe('config: the device authorization grant (RFC 8628)', () => {
  it('deviceCodeTtl defaults to 600 seconds; anything but a whole number of seconds is a ConfigError naming the field', () => {
    assert.equal(validateConfig({}).deviceCodeTtl, 600);
    assert.equal(validateConfig({ deviceCodeTtl: 30 }).deviceCodeTtl, 30);
    for (const value of [0, -5, 1.5, '600', 86_401]) {
      assert.throws(() => validateConfig({ deviceCodeTtl: value }), { name: 'ConfigError', field: 'config.deviceCodeTtl' }, String(value));
    }
  });

  it('a public client may list the device grant with no redirect URI', () => {
    const config = validateConfig({ clients: [{ client_id: 'tv', grant_types: ['urn:ietf:params:oauth:grant-type:device_code'] }] });
    assert.deepEqual(config.clients[0]?.grant_types, ['urn:ietf:params:oauth:grant-type:device_code']);
  });
});

describe('accessTokenSigningAlg', () => {
  it('defaults to ES256 and takes EdDSA (RFC 8037)', () => {
    assert.equal(validateConfig({}).accessTokenSigningAlg, 'ES256');
    assert.equal(validateConfig({ accessTokenSigningAlg: 'EdDSA' }).accessTokenSigningAlg, 'EdDSA');
  });

  it('refuses an algorithm access tokens are not signed with: RS256 signs only ID tokens, HS256 and none never (RFC 8725 §3.1)', () => {
    for (const alg of ['RS256', 'HS256', 'none']) {
      refused(() => validateConfig({ accessTokenSigningAlg: alg }), 'config.accessTokenSigningAlg', `must be one of ES256, EdDSA, not "${alg}"`);
    }
  });
});
