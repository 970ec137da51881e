/** Starting the servers under test as child processes, reading their peak RSS, and always stopping them. */
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';

const live = new Set();

/** Kills whatever is still running when the runner exits, however it exits. */
function killAll() {
  for (const child of live) child.kill('SIGKILL');
}
process.on('exit', killAll);
for (const signal of ['SIGINT', 'SIGTERM']) {
  process.once(signal, () => {
    killAll();
    process.exit(130);
  });
}

/**
 * Spawns a server and resolves once it prints a line with its base URL (the `tollgate serve`
 * contract, which the bench hosts follow too).
 */
export function startServer({ command, args, cwd, env, timeoutMs = 30_000 }) {
  const child = spawn(command, args, { cwd, env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  live.add(child);
  child.once('exit', () => live.delete(child));
  let output = '';
  const collect = (chunk) => {
    output = (output + chunk).slice(-4000);
  };
  child.stderr.on('data', collect);
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => fail(new Error(`no URL line within ${timeoutMs} ms`)), timeoutMs);
    const fail = (err) => {
      clearTimeout(timer);
      child.kill('SIGKILL');
      reject(new Error(`${err.message}\n${output.trim()}`));
    };
    child.once('exit', (code, signal) => fail(new Error(`exited (${code ?? signal}) before listening`)));
    child.stdout.on('data', (chunk) => {
      collect(chunk);
      const url = /https?:\/\/[^\s"']+/.exec(output)?.[0];
      if (!url) return;
      clearTimeout(timer);
      child.removeAllListeners('exit');
      child.once('exit', () => live.delete(child));
      child.stdout.removeAllListeners('data');
      child.stdout.resume();
      resolve({ child, url: url.replace(/\/$/, ''), output: () => output });
    });
  });
}

/** The peak resident set size of a live process, in bytes (VmHWM). */
export function peakRss(pid) {
  try {
    const kb = /VmHWM:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1];
    return kb === undefined ? undefined : Number(kb) * 1024;
  } catch {
    return undefined;
  }
}

/**
 * CPU time (user + system, ms) a process and its direct children (`--workers` processes) have used so
 * far. Per request, it is the figure the neighbours on a shared machine disturb least: req/s falls
 * when the server waits for a core, CPU per request does not.
 */
export function cpuMs(pid) {
  const ticks = (p) => {
    try {
      // Fields after the parenthesised command: utime and stime are the 12th and 13th (clock ticks, 100 Hz on Linux).
      const fields = readFileSync(`/proc/${p}/stat`, 'utf8').split(') ')[1].split(' ');
      return Number(fields[11]) + Number(fields[12]);
    } catch {
      return 0;
    }
  };
  let children = [];
  try {
    children = readFileSync(`/proc/${pid}/task/${pid}/children`, 'utf8').trim().split(/\s+/).filter(Boolean);
  } catch {}
  return [pid, ...children].reduce((sum, p) => sum + ticks(p), 0) * 10;
}

/** SIGTERM, then SIGKILL after `graceMs`; resolves when the process is gone. */
export function stopServer({ child }, graceMs = 5000) {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => {
    const timer = setTimeout(() => child.kill('SIGKILL'), graceMs);
    child.once('exit', () => {
      clearTimeout(timer);
      resolve();
    });
    child.kill('SIGTERM');
  });
}

/** Runs a command to completion, failing on a non-zero exit. */
export function run(command, args, options = {}) {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { stdio: 'inherit', ...options });
    live.add(child);
    // A command that cannot start (not installed) rejects instead of crashing the runner.
    child.once('error', reject);
    child.once('exit', (code) => {
      live.delete(child);
      code === 0 ? resolve() : reject(new Error(`${command} ${args.join(' ')} exited with ${code}`));
    });
  });
}

/** Runs a command and returns its stdout. */
export function capture(command, args, options = {}) {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { stdio: ['ignore', 'pipe', 'pipe'], ...options });
    live.add(child);
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (c) => (stdout += c));
    child.stderr.on('data', (c) => (stderr += c));
    // A command that cannot start (valgrind not installed, for `--instructions`) rejects instead of crashing the runner.
    child.once('error', reject);
    // 'close', not 'exit': the process can exit before its output has been read to the end.
    child.once('close', (code) => {
      live.delete(child);
      code === 0 ? resolve(stdout) : reject(new Error(`${command} exited with ${code}: ${stderr.trim()}`));
    });
  });
}
