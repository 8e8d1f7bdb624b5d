/**
 * Core Web Vitals and Navigation Timing, measured with PerformanceObserver the way Google's
 * web-vitals library defines them (compact re-implementation; every API is feature-detected).
 * Reported once per page load, the first time the page is hidden or unloaded: one `performance`
 * event and one `web_vital` event per available metric. SPA route changes do not re-report.
 */

import type { Ctx, EndReason, Module } from './module';
import { on, round, type Cleanup } from './util';

type Metric = 'LCP' | 'CLS' | 'INP' | 'FCP' | 'TTFB';

/** [good ≤, poor >] thresholds from web.dev. */
const THRESHOLDS: Record<Metric, [number, number]> = {
  LCP: [2500, 4000],
  CLS: [0.1, 0.25],
  INP: [200, 500],
  FCP: [1800, 3000],
  TTFB: [800, 1800],
};

export function rating(name: Metric, v: number): 'good' | 'needs-improvement' | 'poor' {
  const [good, poor] = THRESHOLDS[name];
  return v <= good ? 'good' : v <= poor ? 'needs-improvement' : 'poor';
}

type Entry = PerformanceEntry & Record<string, any>;

function observe(type: string, cb: (list: Entry[]) => void, extra?: object): PerformanceObserver | undefined {
  try {
    const P = PerformanceObserver;
    if (!P || !P.supportedEntryTypes || P.supportedEntryTypes.indexOf(type) < 0) return undefined;
    const po = new P((l) => cb(l.getEntries() as Entry[]));
    po.observe({ type, buffered: true, ...extra } as PerformanceObserverInit);
    return po;
  } catch {
    return undefined;
  }
}

function navEntry(): Entry | undefined {
  try {
    return performance.getEntriesByType('navigation')[0] as Entry | undefined;
  } catch {
    return undefined;
  }
}

export function vitals(ctx: Ctx): Module {
  const nav = navEntry();
  const activation: number = (nav && nav.activationStart) || 0;
  const sinceActivation = (t: number) => Math.max(0, t - activation);
  // Metrics only count while the page has never been hidden (a background load is not a user's view).
  let firstHidden =
    document.visibilityState === 'hidden' && !(document as any).prerendering ? 0 : Infinity;
  const offs: Cleanup[] = [];
  const pos: PerformanceObserver[] = [];
  const values: Partial<Record<Metric, number>> = {};
  let reported = false;

  /** takeRecords() at report time picks up entries the observers have not delivered yet. */
  const flushers: (() => void)[] = [];
  const add = (po?: PerformanceObserver, handle?: (l: Entry[]) => void) => {
    if (po) {
      pos.push(po);
      if (handle) flushers.push(() => handle(po.takeRecords() as Entry[]));
    }
  };

  // FCP
  const fcp = (l: Entry[]) => {
    for (const e of l) {
      if (e.name === 'first-contentful-paint' && e.startTime < firstHidden) values.FCP = sinceActivation(e.startTime);
    }
  };
  add(observe('paint', fcp), fcp);

  // LCP: the last candidate before the first input or the page being hidden.
  let lcpFinal = false;
  const lcp = (l: Entry[]) => {
    for (const e of l) {
      if (!lcpFinal && e.startTime < firstHidden) values.LCP = sinceActivation(e.startTime);
    }
  };
  const lcpPo = observe('largest-contentful-paint', lcp);
  add(lcpPo, lcp);
  if (lcpPo) {
    const stopLcp = () => {
      if (lcpFinal) return;
      lcp(lcpPo.takeRecords() as Entry[]);
      lcpFinal = true;
    };
    offs.push(on(document, 'keydown', stopLcp), on(document, 'click', stopLcp));
  }

  // CLS: largest session window (shifts < 1 s apart, window ≤ 5 s), ignoring input-driven shifts.
  let sessionValue = 0;
  let sessionFirst = 0;
  let sessionLast = 0;
  const cls = (l: Entry[]) => {
    for (const e of l) {
      if (e.hadRecentInput) continue;
      if (sessionValue && e.startTime - sessionLast < 1000 && e.startTime - sessionFirst < 5000) {
        sessionValue += e.value;
      } else {
        sessionValue = e.value;
        sessionFirst = e.startTime;
      }
      sessionLast = e.startTime;
      values.CLS = Math.max(values.CLS || 0, sessionValue);
    }
  };
  const clsPo = observe('layout-shift', cls);
  add(clsPo, cls);
  if (clsPo && values.CLS === undefined) values.CLS = 0;

  // INP: per interaction the longest event duration; report ≈ p98 (one outlier skipped per 50).
  const longest: { id: number; d: number }[] = [];
  const seen = new Set<number>();
  const inp = (l: Entry[]) => {
    for (const e of l) {
      const id: number = e.interactionId;
      if (!id) continue;
      seen.add(id);
      const hit = longest.find((x) => x.id === id);
      if (hit) hit.d = Math.max(hit.d, e.duration);
      else if (longest.length < 10 || e.duration > longest[longest.length - 1].d) longest.push({ id, d: e.duration });
      longest.sort((a, b) => b.d - a.d);
      longest.length = Math.min(longest.length, 10);
    }
    if (longest.length) {
      const count: number = (performance as any).interactionCount || seen.size;
      values.INP = longest[Math.min(longest.length - 1, Math.floor(count / 50))].d;
    }
  };
  add(observe('event', inp, { durationThreshold: 40 }), inp);
  add(observe('first-input', inp), inp);

  // TTFB
  if (nav && nav.responseStart > 0) values.TTFB = sinceActivation(nav.responseStart);

  const report = () => {
    if (reported) return;
    reported = true;
    flushers.forEach((f) => f());
    const n = navEntry();
    if (n) {
      const ms = (v: number) => (v > 0 ? round(v) : undefined);
      ctx.emit({
        type: 'performance',
        properties: {
          load_ms: ms(n.loadEventEnd),
          ttfb_ms: ms(n.responseStart),
          dcl_ms: ms(n.domContentLoadedEventEnd),
          // TTI proxy: domInteractive (true TTI needs a long-task quiet window the spec no longer defines).
          tti_ms: ms(n.domInteractive),
        },
      });
    }
    (Object.keys(values) as Metric[]).forEach((name) => {
      const raw = values[name]!;
      const value = name === 'CLS' ? Math.round(raw * 10000) / 10000 : round(raw);
      ctx.emit({ type: 'web_vital', properties: { name, value, rating: rating(name, value) } });
    });
  };

  return {
    end(reason: EndReason) {
      if (reason === 'route') return;
      if (firstHidden === Infinity && typeof performance !== 'undefined') firstHidden = performance.now();
      report();
      stop();
    },
    stop,
  };

  function stop() {
    pos.forEach((p) => p.disconnect());
    offs.forEach((f) => f());
  }
}
