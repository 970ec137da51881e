import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { formatScope, isSubset, parseScope, sameScope } from '../../src/scope.js';

describe('scope (RFC 6749 §3.3)', () => {
  it('parses space-delimited tokens and drops repeats', () => {
    assert.deepEqual(parseScope('read write read'), ['read', 'write']);
    assert.equal(parseScope(undefined), undefined);
  });

  it('refuses characters outside scope-token and empty tokens', () => {
    for (const bad of ['read  write', ' read', 'read ', 'a"b', 'a\\b', 'caf\u00e9', 'tab\there']) {
      assert.throws(() => parseScope(bad), { error: 'invalid_scope' }, bad);
    }
  });

  it('formats and compares', () => {
    assert.equal(formatScope(['read', 'write']), 'read write');
    assert.ok(isSubset(['read'], ['read', 'write']));
    assert.ok(!isSubset(['admin'], ['read']));
  });
});

describe('scope edge cases (RFC 6749 §3.3)', () => {
  it('accepts every scope-token character, and refuses the excluded ones', () => {
    const all = Array.from({ length: 0x7e - 0x21 + 1 }, (_, i) => String.fromCharCode(0x21 + i)).filter((c) => c !== '"' && c !== '\\').join('');
    assert.deepEqual(parseScope(all), [all]);
    for (const bad of ['', ' ', '\x20read', 'read\x7f', 'line\nbreak']) assert.throws(() => parseScope(bad), { error: 'invalid_scope' }, JSON.stringify(bad));
  });

  it('compares as sets: order and repeats do not matter', () => {
    assert.ok(isSubset(['write', 'read'], ['read', 'write']));
    assert.ok(isSubset([], ['read']));
    assert.ok(!isSubset(['read'], []));
    assert.ok(sameScope(['read', 'write'], ['write', 'read']));
    assert.ok(!sameScope(['read'], ['read', 'write']));
  });
});
