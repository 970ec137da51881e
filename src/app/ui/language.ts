/**
 * Which language a page is shown in: the request's `ui_locales` first (OpenID Connect Core
 * §3.1.2.1: space-separated BCP 47 tags, in order of preference), then the browser's
 * `Accept-Language` by q-value (RFC 9110 §12.5.4), then the first language offered.
 */

/** The primary subtag, lower-cased: "de-CH" → "de" (the catalogues are per language, not region). */
function primary(tag: string): string {
  return tag.trim().split('-')[0]?.toLowerCase() ?? '';
}

/** `Accept-Language` ranges by preference; q=0 means "not this one" (RFC 9110 §12.4.2). */
function acceptLanguage(header: string): string[] {
  return header
    .split(',')
    .map((part, index) => {
      const [range = '', ...params] = part.split(';');
      const q = params.map((p) => /^\s*q\s*=\s*([0-9.]+)\s*$/i.exec(p)?.[1]).find((v) => v !== undefined);
      const weight = q === undefined ? 1 : Number(q);
      return { range: range.trim(), weight: Number.isFinite(weight) ? weight : 0, index };
    })
    .filter((r) => r.range !== '' && r.weight > 0)
    // A stable order: equal weights keep the header's order.
    .sort((a, b) => b.weight - a.weight || a.index - b.index)
    .map((r) => r.range);
}

/** The language to show from `offered` (first is the default). */
export function negotiateLanguage(offered: readonly string[], uiLocales: string | undefined, accept: string | undefined): string {
  const fallback = offered[0] ?? 'en';
  const pick = (tags: readonly string[]): string | undefined =>
    tags.map((tag) => (tag.trim() === '*' ? fallback : primary(tag))).find((tag) => offered.includes(tag));
  return pick((uiLocales ?? '').split(' ').filter((t) => t !== '')) ?? pick(acceptLanguage(accept ?? '')) ?? fallback;
}
