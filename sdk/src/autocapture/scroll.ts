/** Deepest scroll position of the current page, as an integer percentage of the page height. */

import type { Ctx, EndReason, Module } from '../module';
import { clamp, on, round, type Cleanup } from '../util';

export interface ScrollDepth extends Module {
  /** Deepest % (0-100) of the page seen so far. */
  depth(): number;
}

/** `emit`: send a `scroll` event at page end (autocapture.scroll); depth is tracked regardless. */
export function scrollDepth(ctx: Ctx, emit: boolean): ScrollDepth {
  let max = 0;
  let reported = -1;
  let last = 0;
  const measure = () => {
    const de = document.documentElement;
    const h = Math.max(de.scrollHeight, document.body ? document.body.scrollHeight : 0);
    const seen = (window.scrollY || de.scrollTop || 0) + window.innerHeight;
    const pct = h > 0 ? clamp(round((seen / h) * 100), 0, 100) : 0;
    if (pct > max) max = pct;
  };
  const off: Cleanup = on(window, 'scroll', () => {
    const t = ctx.now();
    if (t - last < 100) return; // reading layout on every scroll event is wasteful
    last = t;
    measure();
  });
  try {
    measure();
  } catch {
    /* no layout yet */
  }
  const depth = () => {
    try {
      measure();
    } catch {
      /* ignore */
    }
    return max;
  };
  return {
    depth,
    end(reason: EndReason) {
      const d = depth();
      if (emit && d > reported) {
        ctx.emit({ type: 'scroll', properties: { scroll_depth: d } });
        reported = d;
      }
      if (reason === 'route') {
        max = 0;
        reported = -1;
      }
    },
    stop: off,
  };
}
