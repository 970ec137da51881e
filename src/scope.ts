/** Scope values: parsing, formatting and comparison. RFC 6749 §3.3. */
import { InvalidScopeError } from './errors.js';

// §3.3: scope-token = 1*( %x21 / %x23-5B / %x5D-7E ), tokens separated by single spaces.
const SCOPE_TOKEN = /^[\x21\x23-\x5B\x5D-\x7E]+$/;

/** The scope tokens of a `scope` parameter, without repeats; undefined when absent. */
export function parseScope(value: string | undefined): string[] | undefined {
  if (value === undefined) return undefined;
  const tokens = value.split(' ');
  for (const token of tokens) {
    if (!SCOPE_TOKEN.test(token)) throw new InvalidScopeError('The scope parameter is malformed (RFC 6749 §3.3)');
  }
  return [...new Set(tokens)];
}

/** A scope list as the space-separated wire form. */
export function formatScope(scope: readonly string[]): string {
  return scope.join(' ');
}

/** Whether every token of `requested` is in `granted`. */
export function isSubset(requested: readonly string[], granted: readonly string[]): boolean {
  return requested.every((token) => granted.includes(token));
}

/** Whether two scope lists hold the same tokens, in any order. */
export function sameScope(a: readonly string[], b: readonly string[]): boolean {
  return a.length === b.length && isSubset(a, b);
}
