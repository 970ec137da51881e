/**
 * The audit trail of `tollgate serve` (config `audit`): every event as one JSON line, `event`
 * naming it. `true`: into the server's log at info, whatever `logLevel` says; `{ file }`: appended
 * to that file (created 0600, tightened to 0600 if it exists), written asynchronously and flushed
 * when the server stops. Events never hold a token, code, secret or password (src/events.ts).
 */
import { fchmodSync, openSync } from 'node:fs';
import type { FastifyBaseLogger } from 'fastify';
import { ConfigError } from '../errors.js';
import type { ServerEvent } from './server-events.js';
import { createLogDestination } from './log-destination.js';

/** The `audit` field of the config file. */
export type AuditConfig = boolean | { file: string };

export interface AuditLog {
  write(event: ServerEvent): void;
  /** Writes out what is buffered (the file's lines). */
  close(): void;
}

/** The audit log the config asks for; undefined when it is off. */
export function createAuditLog(config: AuditConfig, log: FastifyBaseLogger): AuditLog | undefined {
  if (config === false) return undefined;
  if (config === true) {
    // Its own level: an operator who turned the audit on wants it even with logLevel "warn".
    const audit = log.child({}, { level: 'info' });
    return {
      write: ({ type, ...fields }) => audit.info({ event: type, ...fields }, 'audit'),
      close: () => {},
    };
  }
  let fd: number;
  try {
    // Only the server's own user may read who signed in when.
    fd = openSync(config.file, 'a', 0o600);
    fchmodSync(fd, 0o600);
  } catch (err) {
    throw new ConfigError('ERR_TOLLGATE_INVALID_CONFIG', 'config.audit.file', `cannot be opened for appending: ${(err as NodeJS.ErrnoException).code ?? String(err)}`);
  }
  const destination = createLogDestination(fd);
  return {
    write: ({ type, ...fields }) => destination.stream.write(`${JSON.stringify({ time: new Date().toISOString(), event: type, ...fields })}\n`),
    close() {
      destination.close();
      // Closes the descriptor once a write still on its way is done.
      destination.stream.end();
    },
  };
}
