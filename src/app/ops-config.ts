/**
 * The operations fields of the config file: `metrics`, `audit` and `trustProxy`, checked at start
 * with errors naming the field, like the rest of src/app/config.ts.
 */
import { isIP } from 'node:net';
import type { AuditConfig } from './audit-log.js';
import { array, boolean, fail, integer, object, string } from './config.js';

/** `metrics`: off (default), on the main port (`true`), or on a port of its own. */
export type MetricsConfig = boolean | { port: number };

/**
 * `trustProxy`: whose `X-Forwarded-For`/`-Proto`/`-Host` to believe. `false` (default): nobody's;
 * `true`: every hop's (only when nothing but the proxy can reach the port); a list: those addresses
 * and CIDR ranges (and proxy-addr's names `loopback`, `linklocal`, `uniquelocal`).
 */
export type TrustProxyConfig = boolean | string[];

const PROXY_RANGE_NAMES = ['loopback', 'linklocal', 'uniquelocal'];

export function metricsConfig(value: unknown, field: string): MetricsConfig {
  if (value === undefined) return false;
  if (typeof value === 'boolean') return value;
  const m = object(value, field, ['port']);
  return { port: integer(m.port, `${field}.port`, 0, 65_535) };
}

export function auditConfig(value: unknown, field: string): AuditConfig {
  if (value === undefined) return false;
  if (typeof value === 'boolean') return value;
  const a = object(value, field, ['file']);
  return { file: string(a.file, `${field}.file`) };
}

/** An address, or an address and a prefix length that fits its family. */
function proxyAddress(value: unknown, field: string): string {
  const text = string(value, field);
  if (PROXY_RANGE_NAMES.includes(text)) return text;
  const [address = '', prefix, ...rest] = text.split('/');
  const family = isIP(address);
  const bits = family === 4 ? 32 : 128;
  const prefixOk = prefix === undefined || (/^\d{1,3}$/.test(prefix) && Number(prefix) <= bits);
  if (family === 0 || !prefixOk || rest.length > 0) {
    fail(field, `must be an IP address or CIDR range (e.g. "10.0.0.0/8"), or one of ${PROXY_RANGE_NAMES.join(', ')}, not ${JSON.stringify(text)}`);
  }
  return text;
}

export function trustProxyConfig(value: unknown, field: string): TrustProxyConfig {
  if (value === undefined) return false;
  if (!Array.isArray(value)) return boolean(value, field);
  const list = array(value, field).map((entry, i) => proxyAddress(entry, `${field}[${i}]`));
  if (list.length === 0) fail(field, 'must list at least one address (or be false)');
  return list;
}
