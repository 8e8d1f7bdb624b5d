/** URL hygiene for everything the SDK captures (page URLs, referrers, link hrefs). */

/**
 * Query parameters kept by default; everything else is stripped because query strings routinely carry
 * emails, tokens and session ids. Entries ending in `*` are prefixes. Override with
 * `allowedQueryParams` (the list replaces this one).
 */
export const DEFAULT_QUERY_PARAMS = ['utm_*', 'gclid', 'fbclid', 'msclkid', 'ref', 'page', 'lang'];

/**
 * Returns the cleaned absolute URL: only allowed query parameters, no credentials, no fragment unless
 * it is a hash route (`#/path`, `#!/path`). Non-http(s) URLs keep only their scheme (`mailto:` and
 * `tel:` links carry personal data; `javascript:` carries code).
 */
export function cleanUrl(href: string | null | undefined, list: string[]): string {
  try {
    const u = new URL(href!, location.href);
    if (!/^https?:$/.test(u.protocol)) return u.protocol;
    u.username = u.password = '';
    const q = u.searchParams;
    [...q.keys()].forEach(
      (k) => list.some((p) => p == k || (p.endsWith('*') && k.startsWith(p.slice(0, -1)))) || q.delete(k),
    );
    if (!/^#!?\//.test(u.hash)) u.hash = '';
    return href ? u.href : '';
  } catch {
    return '';
  }
}
