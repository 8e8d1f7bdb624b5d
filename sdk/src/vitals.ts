/**
 * Core Web Vitals and Navigation Timing, measured with PerformanceObserver the way Google's
 * web-vitals library defines them (compact re-implementation).
 *
 * Reported once per page load, the first time the page is hidden or unloaded: one `performance`
 * event and one `web_vital` event per available metric. The CLS and INP observers keep running
 * after that, so when the page is finally unloaded (`pagehide`) a CLS or INP that changed since is
 * sent again with its final value. SPA route changes do not re-report.
 */

import type { Ctx } from './module';
import { round } from './util';

type Entry = PerformanceEntry & Record<string, any>;

/** [good ≤, poor >] thresholds from web.dev. */
const THRESHOLDS: Record<string, number[]> = {
  LCP: [2500, 4000],
  CLS: [0.1, 0.25],
  INP: [200, 500],
  FCP: [1800, 3000],
  TTFB: [800, 1800],
};

const navEntry = () => performance.getEntriesByType('navigation')[0] as Entry | undefined;

export function vitals(c: Ctx): void {
  const nav = navEntry();
  const activation: number = (nav && nav.activationStart) || 0;
  const sinceActivation = (t: number) => Math.max(0, t - activation);
  // Metrics only count while the page has never been hidden (a background load is not a user's view).
  let firstHidden = document.visibilityState == 'hidden' && !(document as any).prerendering ? 0 : Infinity;
  const values: Record<string, number> = {};
  /** Last value sent per metric: a later report only sends what changed. */
  const sent: Record<string, number> = {};
  /** takeRecords() at report time picks up entries the observers have not delivered yet. */
  const flushers: (() => void)[] = [];

  const observe = (type: string, handle: (l: Entry[]) => void, extra?: object) => {
    try {
      if (PerformanceObserver.supportedEntryTypes.includes(type)) {
        const po = new PerformanceObserver((l) => handle(l.getEntries()));
        po.observe({ type, buffered: true, ...extra } as PerformanceObserverInit);
        flushers.push(() => handle(po.takeRecords()));
        c._offs.push(() => po.disconnect());
        return po;
      }
    } catch {}
  };

  // FCP
  observe('paint', (l) =>
    l.forEach((e) => {
      if (e.name == 'first-contentful-paint' && e.startTime < firstHidden) values.FCP = sinceActivation(e.startTime);
    }),
  );

  // LCP: the last candidate before the first input or the page being hidden.
  let lcpFinal = false;
  const lcp = (l: Entry[]) =>
    l.forEach((e) => {
      if (!lcpFinal && e.startTime < firstHidden) values.LCP = sinceActivation(e.startTime);
    });
  const lcpPo = observe('largest-contentful-paint', lcp);
  if (lcpPo) {
    const stopLcp = () => {
      lcp(lcpPo.takeRecords());
      lcpFinal = true;
    };
    c._on(document, 'keydown', stopLcp);
    c._on(document, 'click', stopLcp);
  }

  // CLS: largest session window (shifts < 1 s apart, window ≤ 5 s), ignoring input-driven shifts.
  let sessionValue = 0;
  let sessionFirst = 0;
  let sessionLast = 0;
  if (
    observe('layout-shift', (l) =>
      l.forEach((e) => {
        if (e.hadRecentInput) return;
        if (sessionValue && e.startTime - sessionLast < 1000 && e.startTime - sessionFirst < 5000) {
          sessionValue += e.value;
        } else {
          sessionValue = e.value;
          sessionFirst = e.startTime;
        }
        sessionLast = e.startTime;
        values.CLS = Math.max(values.CLS || 0, sessionValue);
      }),
    )
  )
    values.CLS = values.CLS || 0;

  // INP: per interaction the longest event duration; reported ≈ p98 of the 10 longest (one outlier
  // skipped per 50 interactions), computed at report time.
  const durations = new Map<number, number>();
  const inp = (l: Entry[]) =>
    l.forEach((e) => {
      const id: number = e.interactionId;
      if (id) durations.set(id, Math.max(durations.get(id) || 0, e.duration));
    });
  observe('event', inp, { durationThreshold: 40 });
  observe('first-input', inp);

  // TTFB
  if (nav && nav.responseStart > 0) values.TTFB = sinceActivation(nav.responseStart);

  let reported = false;
  c._ends.push((reason) => {
    // First hide: everything. Afterwards only the final unload, and only metrics that changed.
    if (reason == 'route' || (reported && reason == 'hidden')) return;
    if (firstHidden == Infinity) firstHidden = performance.now();
    flushers.forEach((f) => f());
    const d = [...durations.values()].sort((a, b) => b - a);
    const count: number = (performance as any).interactionCount || d.length;
    if (d.length) values.INP = d[Math.min(d.length - 1, 9, Math.floor(count / 50))];
    const n = !reported && navEntry();
    reported = true;
    if (n) {
      const ms = (v: number) => (v > 0 ? round(v) : undefined);
      c._emit('performance', {
        load_ms: ms(n.loadEventEnd),
        ttfb_ms: ms(n.responseStart),
        dcl_ms: ms(n.domContentLoadedEventEnd),
        // TTI proxy: domInteractive (true TTI needs a long-task quiet window the spec no longer defines).
        tti_ms: ms(n.domInteractive),
      });
    }
    for (const name in values) {
      const raw = values[name];
      const value = name == 'CLS' ? round(raw * 1e4) / 1e4 : round(raw);
      const [good, poor] = THRESHOLDS[name];
      if (sent[name] !== value) {
        sent[name] = value;
        c._emit('web_vital', {
          name,
          value,
          rating: value <= good ? 'good' : value <= poor ? 'needs-improvement' : 'poor',
        });
      }
    }
  });
}
