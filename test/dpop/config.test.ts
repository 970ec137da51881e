/** DPoP in the config file and in dynamic registration: checked at the edge, errors naming the field (RFC 9449 §5.2). */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { ConfigError, InvalidClientMetadataError } from '../../src/errors.js';
import { validateConfig } from '../../src/app/config.js';
import { validateClientMetadata } from '../../src/client-metadata.js';

const CLIENT = { client_id: 'app', client_secret: 's'.repeat(40), grant_types: ['client_credentials'] };

function refusedField(run: () => unknown, field: string): void {
  assert.throws(run, (err: unknown) => err instanceof ConfigError && err.field === field);
}

describe('config: dpop and dpop_bound_access_tokens', () => {
  it('accepts dpop { algorithms, nonce } and a client with dpop_bound_access_tokens', () => {
    const config = validateConfig({ dpop: { algorithms: ['ES256', 'EdDSA'], nonce: true }, clients: [{ ...CLIENT, dpop_bound_access_tokens: true }] });
    assert.deepEqual(config.dpop, { algorithms: ['ES256', 'EdDSA'], nonce: true });
    assert.equal(config.clients[0]?.dpop_bound_access_tokens, true);
    assert.deepEqual(validateConfig({}).dpop, { nonce: false });
  });

  it('refuses a symmetric or unknown algorithm, a non-boolean nonce, an unknown field, a non-boolean client flag', () => {
    refusedField(() => validateConfig({ dpop: { algorithms: ['HS256'] } }), 'config.dpop.algorithms[0]');
    refusedField(() => validateConfig({ dpop: { algorithms: [] } }), 'config.dpop.algorithms');
    refusedField(() => validateConfig({ dpop: { nonce: 'yes' } }), 'config.dpop.nonce');
    refusedField(() => validateConfig({ dpop: { window: 5 } }), 'config.dpop.window');
    refusedField(() => validateConfig({ clients: [{ ...CLIENT, dpop_bound_access_tokens: 'true' }] }), 'config.clients[0].dpop_bound_access_tokens');
  });
});

describe('registration: dpop_bound_access_tokens (RFC 9449 §5.2, RFC 7591 §2)', () => {
  const policy = { grantTypes: ['client_credentials'], scope: ['read'], authMethods: ['client_secret_basic'] } as const;
  it('is kept when true, and refused when not a boolean', () => {
    assert.equal(validateClientMetadata({ grant_types: ['client_credentials'], dpop_bound_access_tokens: true }, policy).dpop_bound_access_tokens, true);
    assert.equal(validateClientMetadata({ grant_types: ['client_credentials'] }, policy).dpop_bound_access_tokens, undefined);
    assert.throws(() => validateClientMetadata({ grant_types: ['client_credentials'], dpop_bound_access_tokens: 'yes' }, policy), InvalidClientMetadataError);
  });
});
