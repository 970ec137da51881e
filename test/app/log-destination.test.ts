/**
 * The log destination batches lines into large writes (issue 17), yet a line written at low traffic
 * reaches the log at the next flush tick, without waiting for 32 KiB of lines or for the exit.
 */
import { test, mock } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, openSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setImmediate as turn } from 'node:timers/promises';
import { createLogDestination } from '../../src/app/log-destination.js';

/** Waits (event-loop turns, not a clock) until the file holds `text`; false after many turns. */
async function appears(file: string, text: string, turns = 10_000): Promise<boolean> {
  for (let i = 0; i < turns; i++) {
    if (readFileSync(file, 'utf8').includes(text)) return true;
    await turn();
  }
  return false;
}

test('a lone line is written out at the flush tick, not held until 32 KiB wait', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'tollgate-log-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const file = join(dir, 'log');
  mock.timers.enable({ apis: ['setInterval'] });
  t.after(() => mock.timers.reset());
  const destination = createLogDestination(openSync(file, 'a'));
  t.after(() => {
    destination.close();
    destination.stream.end();
  });

  destination.stream.write('{"msg":"first"}\n');
  assert.equal(await appears(file, 'first'), false, 'written before any tick: the lines are not batched');
  mock.timers.tick(1000);
  assert.ok(await appears(file, '{"msg":"first"}\n'), 'the tick wrote the line out');

  // Written while the first write may still be on its way: a tick's flush then does nothing, and a
  // later tick writes the line out.
  destination.stream.write('{"msg":"second"}\n');
  let ticks = 0;
  for (; ticks < 5 && !readFileSync(file, 'utf8').includes('second'); ticks++) {
    mock.timers.tick(1000);
    await appears(file, 'second', 200);
  }
  assert.ok(readFileSync(file, 'utf8').endsWith('{"msg":"first"}\n{"msg":"second"}\n'), `written out after ${ticks} ticks`);
});
