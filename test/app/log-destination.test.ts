/**
 * The log destination batches lines into large writes (issue 17), yet a line written at low traffic
 * reaches the log at the next flush tick, without waiting for 32 KiB of lines or for the exit; and
 * what waits for a stdout that stopped reading is bounded.
 */
import { test, mock } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { closeSync, constants, mkdtempSync, openSync, readFileSync, readSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setImmediate as turn, setTimeout as sleep } from 'node:timers/promises';
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
    // As many turns as for the first line: under a loaded machine the thread pool's write can take
    // more than a few hundred turns (a CI rehearsal failed at 200).
    await appears(file, 'second');
  }
  assert.ok(readFileSync(file, 'utf8').endsWith('{"msg":"first"}\n{"msg":"second"}\n'), `written out after ${ticks} ticks`);
});

test('when stdout stops reading, what waits is bounded: later lines are dropped, and their count is logged once it reads again', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'tollgate-log-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const fifo = join(dir, 'stdout');
  execFileSync('mkfifo', [fifo]);
  // Non-blocking ends (a full pipe answers EAGAIN, which SonicBoom retries; an empty one answers
  // EAGAIN to the reader), so no thread waits on the pipe: a stdout that nobody reads.
  const readEnd = openSync(fifo, constants.O_RDONLY | constants.O_NONBLOCK);
  const destination = createLogDestination(openSync(fifo, constants.O_WRONLY | constants.O_NONBLOCK), { maxQueued: 256 * 1024 });
  let received = '';
  const chunk = Buffer.alloc(64 * 1024);
  const readAvailable = (): void => {
    for (;;) {
      try {
        const n = readSync(readEnd, chunk);
        if (n === 0) return;
        received += chunk.toString('utf8', 0, n);
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code === 'EAGAIN') return;
        throw err;
      }
    }
  };
  const padding = 'x'.repeat(200);
  const written = 4000; // about 880 KB: past the 64 KiB the pipe holds and the 256 KiB that may wait
  for (let i = 0; i < written; i++) destination.stream.write(`{"msg":"line ${i}","pad":"${padding}"}\n`);

  // The reader comes back; lines keep coming until the count of those dropped is through.
  let probes = 0;
  while (!received.includes('log lines dropped') && probes < 500) {
    destination.stream.write(`{"msg":"probe ${probes++}"}\n`);
    await sleep(20);
    readAvailable();
  }
  for (let i = 0; i < 500 && !received.endsWith(`{"msg":"probe ${probes - 1}"}\n`); i++) {
    await sleep(20);
    readAvailable();
  }
  destination.close();
  destination.stream.end();
  readAvailable();
  closeSync(readEnd);

  const lines = received.trim().split('\n').map((line) => JSON.parse(line) as { msg: string; dropped?: number; level?: number });
  // A count is logged each time lines go through again after some were dropped.
  const notes = lines.filter((line) => line.dropped !== undefined);
  const dropped = notes.reduce((sum, note) => sum + note.dropped!, 0);
  assert.ok(dropped > 0 && lines.length - notes.length < written, `nothing dropped: all ${written} lines waited for the reader`);
  for (const note of notes) assert.equal(note.level, 40);
  // Every line is either in the log or in a count, and the lines that waited came in order.
  assert.equal(lines.length - notes.length + dropped, written + probes);
  // Where lines are missing, the count of those dropped stands in their place: lines wait as chunks, so
  // the last ones, still waiting when the bound was reached, may come after a gap.
  let last = -1;
  let kept = 0;
  for (const [i, line] of lines.entries()) {
    if (!line.msg.startsWith('line ')) continue;
    const n = Number(line.msg.slice(5));
    assert.ok(n > last, `line ${n} after line ${last}: out of order`);
    if (n !== last + 1) assert.notEqual(lines[i - 1]?.dropped, undefined, `lines ${last + 1} to ${n - 1} are missing without a count before line ${n}`);
    last = n;
    kept++;
  }
  // What waited: the bound, what the pipe holds, the chunk on its way, and the last chunk not yet queued.
  assert.ok(kept * 220 <= 256 * 1024 + 64 * 1024 + 64 * 1024 + 32 * 1024, `${kept} lines waited: more than the bound and the pipe hold`);
});
