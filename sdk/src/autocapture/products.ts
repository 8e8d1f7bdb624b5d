/**
 * Product impressions. Elements marked `data-crow-product-id` count as viewed while at least 50% of
 * them is in the viewport and the tab is visible; manual `tracker.productView()` views count while
 * the tab is visible. A view is sent as one `product_view` when it ends: page hidden, SPA route
 * change, or element removed. A tab that becomes visible again starts a new view.
 */

import type { Ctx, EndReason, Module } from '../module';
import type { ProductInfo } from '../types';
import type { ScrollDepth } from './scroll';

interface View {
  info: ProductInfo;
  el?: Element;
  inView: boolean;
  since: number | null;
  total: number;
}

const ATTR = 'data-crow-product-id';

export interface Products extends Module {
  manual(info: ProductInfo): void;
}

function infoOf(el: Element): ProductInfo {
  const a = (n: string) => el.getAttribute('data-crow-product-' + n) || undefined;
  const price = parseFloat(a('price') || '');
  return { id: a('id') || '', name: a('name'), price: isNaN(price) ? undefined : price, currency: a('currency') };
}

const visible = () => document.visibilityState !== 'hidden';

export function products(ctx: Ctx, scroll: ScrollDepth, auto: boolean): Products {
  const views = new Map<Element | object, View>();
  let io: IntersectionObserver | undefined;
  let mo: MutationObserver | undefined;

  const pause = (v: View) => {
    if (v.since !== null) v.total += Math.max(0, ctx.now() - v.since);
    v.since = null;
  };
  const start = (v: View) => {
    if (v.inView && v.since === null && visible()) v.since = ctx.now();
  };
  const finish = (v: View) => {
    pause(v);
    if (v.total > 0) {
      const { id, name, price, currency } = v.info;
      ctx.emit({
        type: 'product_view',
        properties: { product_id: id, name, price, currency, duration_ms: v.total, scroll_depth: scroll.depth() },
      });
    }
    v.total = 0;
  };

  const track = (el: Element) => {
    if (views.has(el) || ctx.ignored(el)) return;
    views.set(el, { info: infoOf(el), el, inView: false, since: null, total: 0 });
    io!.observe(el);
  };
  const scan = (root: Node) => {
    if (root.nodeType !== 1) return;
    const el = root as Element;
    if (el.hasAttribute(ATTR)) track(el);
    el.querySelectorAll('[' + ATTR + ']').forEach(track);
  };

  if (auto && typeof IntersectionObserver !== 'undefined') {
    io = new IntersectionObserver(
      (entries) => {
        for (const en of entries) {
          const v = views.get(en.target);
          if (!v) continue;
          const on = en.isIntersecting && en.intersectionRatio >= 0.5;
          if (on && !v.inView) {
            v.inView = true;
            start(v);
          } else if (!on && v.inView) {
            v.inView = false;
            pause(v); // the view continues if it scrolls back in before the page ends
          }
        }
      },
      { threshold: [0, 0.5, 1] },
    );
    scan(document.documentElement);
    if (typeof MutationObserver !== 'undefined') {
      mo = new MutationObserver((records) => {
        let removed = false;
        for (const r of records) {
          r.addedNodes.forEach(scan);
          if (r.removedNodes.length) removed = true;
        }
        if (removed) {
          views.forEach((v, k) => {
            if (v.el && !v.el.isConnected) {
              finish(v);
              io!.unobserve(v.el);
              views.delete(k);
            }
          });
        }
      });
      mo.observe(document.documentElement, { childList: true, subtree: true });
    }
  }

  return {
    manual(info) {
      const v: View = { info: { ...info, id: String(info.id) }, inView: true, since: null, total: 0 };
      start(v);
      views.set({}, v);
    },
    end(reason: EndReason) {
      views.forEach((v, k) => {
        finish(v);
        if (!v.el && reason !== 'hidden') views.delete(k); // manual views belong to one page
        else if (reason === 'route') start(v); // an element that survives the route starts anew
      });
    },
    resume() {
      views.forEach(start);
    },
    stop() {
      io && io.disconnect();
      mo && mo.disconnect();
      views.clear();
    },
  };
}
