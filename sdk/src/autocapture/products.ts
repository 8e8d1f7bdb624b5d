/**
 * Product impressions. Elements marked `data-crow-product-id` count as viewed while at least 50% of
 * them is in the viewport and the tab is visible; manual `tracker.productView()` views count while
 * the tab is visible. A view is sent as one `product_view` when it ends: page hidden, SPA route
 * change, or element removed. A tab that becomes visible again starts a new view.
 */

import { ignored, type Ctx } from '../module';
import type { ProductInfo } from '../types';
import type { ScrollDepth } from './scroll';

interface View {
  _info: ProductInfo;
  _el?: Element;
  _in: boolean;
  /** when the current visible stretch began; undefined while not counting */
  _since?: number;
  _total: number;
}

const SEL = '[data-crow-product-id]';

export interface Products {
  _manual(info: ProductInfo): void;
  /** The page is visible again after `hidden`. */
  _resume(): void;
}

function infoOf(el: Element): ProductInfo {
  const a = (n: string) => el.getAttribute('data-crow-product-' + n) || undefined;
  const price = parseFloat(a('price')!);
  return { id: a('id') || '', name: a('name'), price: isNaN(price) ? undefined : price, currency: a('currency') };
}

export function products(c: Ctx, scroll: ScrollDepth, auto: boolean): Products {
  const views = new Map<object, View>();
  const view = (info: ProductInfo, el?: Element): View => ({ _info: info, _el: el, _in: !el, _total: 0 });

  /** Bank the time counted so far, then (`run`) count on while in view and the tab is visible. */
  const tick = (v: View, run?: boolean) => {
    if (v._since != null) v._total += Math.max(0, c._now() - v._since);
    v._since = run && v._in && document.visibilityState != 'hidden' ? c._now() : undefined;
  };
  const finish = (v: View) => {
    tick(v);
    // Under a second in view is not a view (the MRC's viewable-impression bar): it also drops the
    // moments an old route's cards linger before the app renders the new route.
    if (v._total >= 1000) {
      const { id, name, price, currency } = v._info;
      c._emit('product_view', {
        product_id: id,
        name,
        price,
        currency,
        duration_ms: v._total,
        scroll_depth: scroll._depth(),
      });
    }
    v._total = 0;
  };

  if (auto && self.IntersectionObserver) {
    const root = document.documentElement;
    const io = new IntersectionObserver(
      (entries) =>
        entries.forEach((en) => {
          const v = views.get(en.target);
          // out of view: the view continues if it scrolls back in before the page ends
          if (v) tick(v, (v._in = en.isIntersecting && en.intersectionRatio >= 0.5));
        }),
      { threshold: 0.5 },
    );
    const track = (el: Element) => {
      if (views.has(el) || ignored(el)) return;
      views.set(el, view(infoOf(el), el));
      io.observe(el);
    };
    const scan = (n: Node) => {
      if (n.nodeType != 1) return;
      if ((n as Element).matches(SEL)) track(n as Element);
      (n as Element).querySelectorAll(SEL).forEach(track);
    };
    scan(root);
    const mo = new MutationObserver((records) => {
      let removed = 0;
      records.forEach((r) => {
        r.addedNodes.forEach(scan);
        removed += r.removedNodes.length;
      });
      if (removed)
        views.forEach((v, k) => {
          if (v._el && !v._el.isConnected) {
            finish(v);
            io.unobserve(v._el);
            views.delete(k);
          }
        });
    });
    mo.observe(root, { childList: true, subtree: true });
    c._offs.push(() => {
      io.disconnect();
      mo.disconnect();
    });
  }

  c._ends.push((reason) =>
    views.forEach((v, k) => {
      finish(v);
      if (!v._el && reason != 'hidden') views.delete(k); // manual views belong to one page
      else tick(v, reason == 'route'); // an element that survives the route starts anew
    }),
  );

  return {
    _manual(info) {
      const v = view({ ...info, id: String(info.id) });
      tick(v, true);
      views.set({}, v);
    },
    _resume: () => views.forEach((v) => tick(v, true)),
  };
}
