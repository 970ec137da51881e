/**
 * Exact bytes over a TCP socket (node:net): request-targets and bodies that fetch refuses to send
 * (`OPTIONS *`, a bad port, a broken IPv6 literal, a raw NUL, CR or LF), and the answer as it came.
 */
import { connect } from 'node:net';

export interface RawResponse {
  /** The status code of the first response line, undefined if the server closed without answering. */
  status: number | undefined;
  /** Header block, as sent. */
  head: string;
  /** Everything after the header block (chunk sizes included when chunked). */
  body: string;
}

/** Sends `bytes` to the server at `baseUrl` and reads until it closes the connection (send `Connection: close`). */
export function rawExchange(baseUrl: string, bytes: string | Uint8Array, timeoutMs = 5000): Promise<RawResponse> {
  const { hostname, port } = new URL(baseUrl);
  return new Promise((resolve, reject) => {
    const socket = connect({ host: hostname, port: Number(port) });
    const chunks: Buffer[] = [];
    const timer = setTimeout(() => {
      socket.destroy();
      reject(new Error(`no complete answer within ${timeoutMs} ms; got:\n${Buffer.concat(chunks).toString('latin1')}`));
    }, timeoutMs);
    socket.on('data', (chunk: Buffer) => chunks.push(chunk));
    // A reset after the answer (the server closing a refused request) still leaves the answer to read.
    socket.on('error', () => {});
    socket.on('close', () => {
      clearTimeout(timer);
      const text = Buffer.concat(chunks).toString('latin1');
      const end = text.indexOf('\r\n\r\n');
      const head = end === -1 ? text : text.slice(0, end);
      const status = /^HTTP\/1\.[01] (\d{3})/.exec(text)?.[1];
      resolve({ status: status === undefined ? undefined : Number(status), head, body: end === -1 ? '' : text.slice(end + 4) });
    });
    socket.write(typeof bytes === 'string' ? Buffer.from(bytes, 'latin1') : bytes);
  });
}

/** A request line, `Host` and `Connection: close` (all as UTF-8 bytes), and a body with its type when given. */
export function rawRequest(requestLine: string, body?: string | Uint8Array, contentType = 'application/x-www-form-urlencoded'): Buffer {
  const head = [requestLine, 'Host: 127.0.0.1', 'Connection: close'];
  const bytes = body === undefined ? undefined : typeof body === 'string' ? Buffer.from(body, 'utf8') : Buffer.from(body);
  if (bytes) head.push(`Content-Type: ${contentType}`, `Content-Length: ${bytes.length}`);
  return Buffer.concat([Buffer.from(`${head.join('\r\n')}\r\n\r\n`, 'utf8'), bytes ?? Buffer.alloc(0)]);
}

/** What a 5xx body must never show: an exception's name or message, a stack frame, a Node error code. */
export const INTERNAL_DETAIL = /TypeError|RangeError|SyntaxError|Invalid URL|ERR_[A-Z_]+|\bat [^\s]+ \(|\.(?:ts|js):\d+|stack/;
