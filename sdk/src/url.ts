/** URL hygiene for everything the SDK captures (page URLs, referrers, link hrefs). */

/**
 * Query parameters kept by default; everything else is stripped because query strings routinely carry
 * emails, tokens and session ids. Entries ending in `*` are prefixes. Override with
 * `allowedQueryParams` (the list replaces this one).
 */
export const DEFAULT_QUERY_PARAMS = ['utm_*', 'gclid', 'fbclid', 'msclkid', 'ref', 'page', 'lang'];

/** `#/path` and `#!/path` are routes of hash-routed SPAs and are kept; other fragments are dropped. */
const HASH_ROUTE = /^#!?\//;

export function allowed(name: string, list: string[]): boolean {
  for (const p of list) {
    if (p === name || (p.charAt(p.length - 1) === '*' && name.indexOf(p.slice(0, -1)) === 0)) return true;
  }
  return false;
}

/**
 * Returns the cleaned absolute URL. Non-http(s) URLs keep only their scheme (`mailto:` and `tel:`
 * links carry personal data; `javascript:` carries code).
 */
export function cleanUrl(href: string | null | undefined, list: string[]): string {
  if (!href) return '';
  try {
    const u = new URL(href, location.href);
    if (u.protocol !== 'http:' && u.protocol !== 'https:') return u.protocol;
    u.username = '';
    u.password = '';
    const drop: string[] = [];
    u.searchParams.forEach((_v, k) => {
      if (!allowed(k, list)) drop.push(k);
    });
    for (const k of drop) u.searchParams.delete(k);
    if (!HASH_ROUTE.test(u.hash)) u.hash = '';
    return u.toString();
  } catch {
    return '';
  }
}
