/**
 * SPA route detection: history.pushState/replaceState are patched and popstate/hashchange observed.
 * `check` compares cleaned URLs, so a replaceState that only touches stripped query parameters or a
 * plain `#section` fragment is not a navigation.
 */

import { on, patch, type Cleanup } from '../util';

export function watchRoutes(check: () => void): Cleanup {
  const after = (orig: History['pushState']) =>
    function (this: History, ...args: Parameters<History['pushState']>) {
      const r = orig.apply(this, args);
      try {
        check();
      } catch {
        /* never break the host's navigation */
      }
      return r;
    };
  const h = typeof history !== 'undefined' ? history : undefined;
  const offs = [
    patch(h, 'pushState', after),
    patch(h, 'replaceState', after),
    on(window, 'popstate', check),
    on(window, 'hashchange', check),
  ];
  return () => offs.forEach((f) => f());
}
