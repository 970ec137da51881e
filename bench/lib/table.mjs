/** The results table: for the terminal and as Markdown for the README. */

const fmt = (value, digits) => (value === undefined ? '' : value.toFixed(digits));
const mib = (bytes) => (bytes === undefined ? '' : `${(bytes / 1048576).toFixed(0)} MiB`);

/** One row's cells; a void run shows why instead of numbers. */
export function cells(row) {
  const base = [row.server, row.scenario, String(row.connections)];
  if (row.skipped) return [...base, `skipped: ${row.skipped}`, '', '', '', '', '', '', '', '', '', ''];
  const errors = row.requests === undefined ? '' : String(row.non2xx + row.socketErrors + row.exhausted);
  const rss = mib(row.peakRss);
  if (row.void) return [...base, `VOID: ${row.void}`, '', '', '', '', errors, rss, '', '', '', ''];
  return [
    ...base,
    fmt(row.rps, 0),
    fmt(row.p50, 2),
    fmt(row.p99, 2),
    fmt(row.max, 0),
    fmt(row.cpuPerRequest, 0),
    errors,
    rss,
    row.rpsRatio === undefined ? '' : `${row.rpsRatio.toFixed(2)}x`,
    row.p99Ratio === undefined ? '' : `${row.p99Ratio.toFixed(2)}x`,
    row.limitRatio === undefined ? '' : `${row.limitRatio.toFixed(2)}x`,
    row.workersRatio === undefined ? '' : `${row.workersRatio.toFixed(2)}x`,
  ];
}

export const HEADER = ['server', 'scenario', 'conns', 'req/s', 'p50 ms', 'p99 ms', 'max ms', 'CPU µs/req', 'errors', 'peak RSS', 'req/s vs plain', 'p99 vs plain', 'req/s vs own limit', 'vs 1 worker'];

export function textTable(rows) {
  return alignedText(HEADER, rows.map(cells));
}

/** Columns for the terminal: the first two (server, scenario) left-aligned, the figures right-aligned. */
export function alignedText(header, body) {
  const all = [header, ...body];
  const widths = header.map((_, i) => Math.max(...all.map((r) => r[i].length)));
  const line = (r) => r.map((c, i) => (i < 2 ? c.padEnd(widths[i]) : c.padStart(widths[i]))).join('  ');
  return [line(header), widths.map((w) => '-'.repeat(w)).join('  '), ...body.map(line)].join('\n');
}

export function markdownTable(rows) {
  const esc = (c) => c.replace(/\|/g, '\\|');
  return [
    `| ${HEADER.join(' | ')} |`,
    `| ${HEADER.map((_, i) => (i < 2 ? '---' : '---:')).join(' | ')} |`,
    ...rows.map((r) => `| ${cells(r).map(esc).join(' | ')} |`),
  ].join('\n');
}
