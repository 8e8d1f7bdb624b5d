/**
 * Click capture for heatmaps, with rage and dead click detection.
 *
 * Dead clicks: a click is held for `deadMs` (default 1 s) and then sent with `properties.dead = true`
 * when nothing reacted in that window - no DOM mutation, no navigation, no fetch/XHR. Sending after
 * the window (rather than sending twice) keeps one event per click; a click still pending when the
 * page ends is sent immediately, unflagged (leaving the page is a reaction).
 */

import { ignored, targetOf, type Ctx } from '../module';
import { ACTIONABLE } from '../selector';
import type { RageClickOptions } from '../types';
import { hook, round } from '../util';

export function clicks(c: Ctx, { count = 3, ms = 1000, px = 30 }: RageClickOptions, deadMs: number): void {
  /** [time, x, y] of recent clicks, for rage detection. */
  const recent: number[][] = [];
  /** Held clicks: each entry sends its click (flagged dead or not). */
  const pending = new Set<(dead?: boolean) => void>();
  let activity = 0;
  const mark = () => {
    activity = c._now();
  };
  // The page's own network activity counts as a reaction; the SDK's batch requests do not.
  hook(c._offs, window, 'fetch', (a) => (a[0].url || a[0]) != c._batch && mark());
  hook(c._offs, XMLHttpRequest.prototype, 'send', mark);

  // The observer only runs while a click is pending: watching every attribute change of a busy app
  // all the time would cost the host page for nothing.
  const mo = new MutationObserver(mark);
  /** Mutations not yet delivered to the callback still count. */
  const drain = () => mo.takeRecords().length && mark();
  const watch = (on?: boolean) => {
    if (on) mo.observe(document.documentElement, { subtree: true, childList: true, attributes: true, characterData: true });
    else {
      drain();
      mo.disconnect();
    }
  };
  const sendAll = () => pending.forEach((send) => send());
  c._offs.push(sendAll, watch); // stop: real clicks are kept, unflagged

  c._on(document, 'click', (e: MouseEvent) => {
    const target = targetOf(e);
    if (!target || ignored(target)) return;
    const el = target.closest(ACTIONABLE) || target;
    const t = c._now();
    const de = document.documentElement;
    const body = document.body || de;
    const x = round(e.pageX || e.clientX + scrollX);
    const y = round(e.pageY || e.clientY + scrollY);
    const r = el.getBoundingClientRect();
    const properties: Record<string, unknown> = {
      rel_x: round(e.clientX - r.left),
      rel_y: round(e.clientY - r.top),
      page_w: Math.max(de.scrollWidth, body.scrollWidth),
      page_h: Math.max(de.scrollHeight, body.scrollHeight),
      vw: innerWidth,
      vh: innerHeight,
    };

    // Rage: `count` clicks (this one included) within `ms`, all within `px` of this click.
    while (recent.length && t - recent[0][0] > ms) recent.shift();
    recent.push([t, x, y]);
    if (
      recent.filter((p) => Math.hypot(p[1] - x, p[2] - y) <= px).length >= count &&
      !target.closest('[data-crow-no-rage]')
    )
      properties.rage = true;

    const extra = { element: c._describe(el), x, y, url: c._page(), timestamp: t };
    const send = (dead?: boolean) => {
      pending.delete(send);
      clearTimeout(timer);
      if (!pending.size) watch();
      if (dead) properties.dead = true;
      c._emit('click', properties, extra);
    };
    const timer = setTimeout(() => {
      drain();
      send(activity < t);
    }, deadMs);
    if (!pending.size) watch(true);
    pending.add(send);
  });

  c._ends.push(sendAll);
}
