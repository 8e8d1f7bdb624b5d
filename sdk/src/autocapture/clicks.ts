/**
 * Click capture for heatmaps, with rage and dead click detection.
 *
 * Dead clicks: a click is held for `deadMs` (default 1 s) and then sent with `properties.dead = true`
 * when nothing reacted in that window - no DOM mutation, no navigation, no fetch/XHR. Sending after
 * the window (rather than sending twice) keeps one event per click; a click still pending when the
 * page ends is sent immediately, unflagged (leaving the page is a reaction).
 */

import type { Ctx, EndReason, Module } from '../module';
import { targetOf } from '../module';
import { ACTIONABLE } from '../selector';
import type { RageClickOptions } from '../types';
import { on, round, type Cleanup } from '../util';
import { watchNetwork } from './network';

interface Pending {
  t: number;
  send: (dead: boolean) => void;
  timer: ReturnType<typeof setTimeout>;
}

export function clicks(ctx: Ctx, rageOpts: RageClickOptions | undefined, deadMs: number): Module {
  const rage = { count: 3, ms: 1000, px: 30, ...rageOpts };
  const recent: { t: number; x: number; y: number }[] = [];
  const pending = new Set<Pending>();
  let activity = 0;
  const mark = () => {
    activity = ctx.now();
  };
  const offs: Cleanup[] = [watchNetwork(mark, ctx.batchUrl)];

  // The observer only runs while a click is pending: watching every attribute change of a busy app
  // all the time would cost the host page for nothing.
  const mo = typeof MutationObserver !== 'undefined' ? new MutationObserver(mark) : undefined;
  /** Mutations not yet delivered to the callback still count. */
  const drain = () => {
    if (mo && mo.takeRecords().length) mark();
  };
  const watch = (on: boolean) => {
    if (!mo) return;
    if (on) mo.observe(document.documentElement, { subtree: true, childList: true, attributes: true, characterData: true });
    else {
      drain();
      mo.disconnect();
    }
  };
  offs.push(() => watch(false));

  offs.push(
    on(document, 'click', (e: MouseEvent) => {
      const target = targetOf(e);
      if (!target || ctx.ignored(target)) return;
      const el = target.closest(ACTIONABLE) || target;
      const t = ctx.now();
      const de = document.documentElement;
      const sx = window.scrollX || de.scrollLeft || 0;
      const sy = window.scrollY || de.scrollTop || 0;
      const x = round(e.pageX || e.clientX + sx);
      const y = round(e.pageY || e.clientY + sy);
      const r = el.getBoundingClientRect();
      const properties: Record<string, unknown> = {
        rel_x: round(e.clientX - r.left),
        rel_y: round(e.clientY - r.top),
        page_w: Math.max(de.scrollWidth, document.body ? document.body.scrollWidth : 0),
        page_h: Math.max(de.scrollHeight, document.body ? document.body.scrollHeight : 0),
        vw: window.innerWidth,
        vh: window.innerHeight,
      };

      // Rage: `count` clicks (this one included) within `ms`, all within `px` of this click.
      while (recent.length && t - recent[0].t > rage.ms) recent.shift();
      recent.push({ t, x, y });
      const near = recent.filter((c) => Math.hypot(c.x - x, c.y - y) <= rage.px).length;
      if (near >= rage.count && !target.closest('[data-crow-no-rage]')) properties.rage = true;

      const event = {
        type: 'click' as const,
        element: ctx.describe(el),
        x,
        y,
        url: ctx.pageUrl(),
        timestamp: t,
        properties,
      };
      const p: Pending = {
        t,
        send: (dead) => {
          pending.delete(p);
          clearTimeout(p.timer);
          if (!pending.size) watch(false);
          if (dead) properties.dead = true;
          ctx.emit(event);
        },
        timer: setTimeout(() => {
          drain();
          p.send(activity < p.t);
        }, deadMs),
      };
      if (!pending.size) watch(true);
      pending.add(p);
    }),
  );

  return {
    end(_reason: EndReason) {
      mark();
      pending.forEach((p) => p.send(false));
    },
    stop() {
      pending.forEach((p) => p.send(false)); // real clicks: keep them, unflagged
      offs.forEach((f) => f());
    },
  };
}
