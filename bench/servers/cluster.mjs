/**
 * The `--workers N` reference: N copies of a plain server as node:cluster workers sharing one port,
 * as `tollgate serve --workers N` runs (src/app/workers.ts), so a tollgate 2-worker row is read beside
 * what two processes doing the plain work give on the same machine, not beside a hoped-for 2x.
 *   node cluster.mjs --workers N <server>.mjs [its flags]
 * The primary serves nothing: it takes a free port, forks the workers on it, and prints the one
 * "listening on" line once every worker listens. plain-sqlite.mjs's workers share its file, as
 * tollgate's share theirs; plain.mjs's Map is per process, so a token issued by one worker is
 * unknown to the other and its 2-worker row runs issuance only.
 */
import cluster from 'node:cluster';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { flag } from './fixture.mjs';

const workers = Number(flag('workers'));
// Everything after `--workers N` is the server and its own flags.
const [script, ...scriptArgs] = process.argv.slice(process.argv.indexOf('--workers') + 2);
if (!(workers >= 1) || script === undefined) throw new Error('usage: node cluster.mjs --workers N <server>.mjs [its flags]');

/** A port nobody listens on: every worker listens on it (port 0 would not stay shared, see workers.ts). */
const port = await new Promise((resolve, reject) => {
  const probe = createServer();
  probe.once('error', reject);
  probe.listen(0, '127.0.0.1', () => {
    const { port: free } = probe.address();
    probe.close(() => resolve(free));
  });
});

cluster.setupPrimary({ exec: join(import.meta.dirname, script), args: scriptArgs });
let name;
let listening = 0;
for (let i = 0; i < workers; i++) {
  const worker = cluster.fork({ BENCH_PORT: String(port) });
  worker.on('message', (message) => {
    name ??= message?.name;
    if (message?.type === 'bench:listening' && ++listening === workers) {
      process.stdout.write(`${name} --workers ${workers} listening on http://127.0.0.1:${port}\n`);
    }
  });
}
cluster.on('exit', (worker, code, signal) => {
  if (!stopping) {
    console.error(`cluster.mjs: worker ${worker.process.pid} died (${signal ?? code})`);
    process.exit(1);
  }
});
let stopping = false;
const stop = () => {
  stopping = true;
  for (const worker of Object.values(cluster.workers)) worker.process.kill('SIGTERM');
  const force = setTimeout(() => process.exit(0), 5000);
  cluster.on('exit', () => {
    if (Object.keys(cluster.workers).length === 0) {
      clearTimeout(force);
      process.exit(0);
    }
  });
};
process.once('SIGTERM', stop);
process.once('SIGINT', stop);
