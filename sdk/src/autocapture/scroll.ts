/** Deepest scroll position of the current page, as an integer percentage of the page height. */

import type { Ctx, EndReason } from '../module';
import { round } from '../util';

export interface ScrollDepth {
  /** Deepest % (0-100) of the page seen so far (measures now too). */
  _depth(): number;
  /** Registered by the tracker after the product views, which read the depth before a route resets it. */
  _end(reason: EndReason): void;
}

/** `emit`: send a `scroll` event at page end (autocapture.scroll); depth is tracked regardless. */
export function scrollDepth(c: Ctx, emit: boolean): ScrollDepth {
  let max = 0;
  let reported = -1;
  let last = 0;
  const depth = () => {
    const de = document.documentElement;
    const h = Math.max(de.scrollHeight, (document.body || de).scrollHeight);
    const pct = h > 0 ? Math.min(100, round(((scrollY + innerHeight) / h) * 100)) : 0;
    if (pct > max) max = pct;
    return max;
  };
  depth();
  c._on(window, 'scroll', () => {
    const t = c._now();
    if (t - last < 100) return; // reading layout on every scroll event is wasteful
    last = t;
    depth();
  });
  return {
    _depth: depth,
    _end(reason) {
      const d = depth();
      if (emit && d > reported) {
        c._emit('scroll', { scroll_depth: d });
        reported = d;
      }
      if (reason == 'route') max = 0, reported = -1;
    },
  };
}
