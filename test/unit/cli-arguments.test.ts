/** How an admin command's arguments are read (src/cli/common.ts): options strictly, positionals as given. */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { parseCommand, UsageError } from '../../src/cli/common.js';

const usage = 'Usage:\n  tollgate keys retire <kid> --config <file.json>';

describe('parseCommand', () => {
  test('a positional that begins with "-" is a positional, before or after the options (an RFC 7638 kid may)', () => {
    for (const args of [['-aFk0', '--config', 'c.json'], ['--config', 'c.json', '-aFk0'], ['--config=c.json', '--json', '-aFk0'], ['--config', 'c.json', '--', '-aFk0']]) {
      const parsed = parseCommand(args, {}, usage, 1);
      assert.deepEqual(parsed.positionals, ['-aFk0'], args.join(' '));
      assert.equal(parsed.config, 'c.json');
    }
  });

  test('an option\'s value is not taken for a positional, and positionals keep their order', () => {
    const parsed = parseCommand(['one', '--name', 'x', '-two', '--config', 'c.json'], { name: { type: 'string' } }, usage, 2);
    assert.deepEqual(parsed.positionals, ['one', '-two']);
    assert.equal(parsed.values.name, 'x');
    const short = parseCommand(['-n', 'x', '-kid', '--config', 'c.json'], { name: { type: 'string', short: 'n' } }, usage, 1);
    assert.deepEqual(short.positionals, ['-kid'], 'a short option and its value are options, the rest a positional');
    assert.equal(short.values.name, 'x');
  });

  test('an unknown option is still refused: by name where the command takes no positional, as an extra argument where it does', () => {
    assert.throws(() => parseCommand(['--config', 'c.json', '--typo'], {}, usage), (err: unknown) => err instanceof UsageError && /Unknown option '--typo'/.test(err.message));
    assert.throws(() => parseCommand(['kid', '--typo', '--config', 'c.json'], {}, usage, 1), (err: unknown) => err instanceof UsageError && err.message === '"--typo" is not an option of this command');
    assert.throws(() => parseCommand(['--config', 'c.json'], {}, usage, 1), (err: unknown) => err instanceof UsageError && err.message === 'expected 1 argument');
  });

  test('an option that takes a value and is given none is a usage error', () => {
    assert.throws(() => parseCommand(['kid', '--config'], {}, usage, 1), UsageError);
  });
});
