import { describe, expect, it, vi } from 'vitest';
import type { CrowEvent } from '../src/index';
import { make, mockFetch, only, sentEvents, setProp, setVisibility, settle, storedQueue, useCleanEnvironment } from './helpers';

const queued = (): CrowEvent[] => storedQueue()?.e ?? [];
const ofType = (t: string) => queued().filter((e) => e.type === t);

describe('page views', () => {
  useCleanEnvironment();

  it('sends a page_view on start with url, title, referrer, viewport and device type', async () => {
    document.title = 'Home';
    const fetch = mockFetch();
    const t = make({ autocapture: only('pageviews') });
    await t.flush();
    const [pv] = sentEvents(fetch);
    expect(pv).toMatchObject({ type: 'page_view', url: 'http://localhost:3000/', title: 'Home', referrer: '' });
    expect(pv.properties).toEqual({ vw: window.innerWidth, vh: window.innerHeight, device_type: 'desktop' });
    expect(pv.session_id).toBeTruthy();
  });

  it('tracks SPA navigation with the previous URL as referrer', async () => {
    const fetch = mockFetch();
    const t = make({ autocapture: only('pageviews') });
    history.pushState(null, '', '/products?id=5&utm_source=mail');
    history.replaceState(null, '', '/products?id=6&utm_source=mail'); // only a stripped param changed
    history.replaceState(null, '', '/products?utm_source=mail#reviews'); // plain fragment
    history.pushState(null, '', '/#/cart'); // hash route
    location.hash = '#/checkout';
    await settle();
    window.dispatchEvent(new Event('hashchange'));
    await t.flush();
    const pvs = sentEvents(fetch).filter((e) => e.type === 'page_view');
    expect(pvs.map((p) => [p.url, p.referrer])).toEqual([
      ['http://localhost:3000/', ''],
      ['http://localhost:3000/products?utm_source=mail', 'http://localhost:3000/'],
      ['http://localhost:3000/#/cart', 'http://localhost:3000/products?utm_source=mail'],
      ['http://localhost:3000/#/checkout', 'http://localhost:3000/#/cart'],
    ]);
  });

  it('restores history methods on shutdown', async () => {
    const push = history.pushState;
    const t = make({ autocapture: only('pageviews') });
    expect(history.pushState).not.toBe(push);
    await t.shutdown();
    expect(history.pushState).toBe(push);
  });
});

describe('forms', () => {
  useCleanEnvironment();
  const html = `
    <form id="signup" name="signup" action="/signup?token=abc">
      <input name="email" type="email" required>
      <input name="plan" type="text">
      <input name="csrf" type="hidden" value="x">
      <button type="submit">Go</button>
    </form>
    <form id="newsletter"><input name="nl_email" type="text"></form>`;

  it('sends focus and blur (with time spent) per field, never the value', async () => {
    vi.useFakeTimers();
    mockFetch();
    make({ autocapture: only('forms') });
    document.body.innerHTML = html;
    const email = document.querySelector<HTMLInputElement>('[name=email]')!;
    email.value = 'jane@example.com';
    email.dispatchEvent(new FocusEvent('focusin', { bubbles: true }));
    vi.advanceTimersByTime(1500);
    email.dispatchEvent(new FocusEvent('focusout', { bubbles: true }));
    await settle();
    const [focus] = ofType('form_focus');
    const [blur] = ofType('form_blur');
    expect(focus.properties).toMatchObject({ field_name: 'email', field_type: 'email', form_id: 'signup' });
    expect(blur.properties).toMatchObject({ field_name: 'email', duration_ms: 1500 });
    expect(blur.properties!.form_action).toBe('http://localhost:3000/signup');
    expect(JSON.stringify(queued())).not.toContain('jane');
  });

  it('sends form_error with the validation message, scrubbed of the value', async () => {
    mockFetch();
    make({ autocapture: only('forms') });
    document.body.innerHTML = html;
    const email = document.querySelector<HTMLInputElement>('[name=email]')!;
    email.value = 'janedoe';
    setProp(email, 'validationMessage', "Please include an '@' in the email address. 'janedoe' is missing an '@'.");
    email.dispatchEvent(new Event('invalid')); // does not bubble: captured at the document
    await settle();
    const [err] = ofType('form_error');
    expect(err.properties).toMatchObject({
      field_name: 'email',
      message: "Please include an '@' in the email address. '***' is missing an '@'.",
    });
  });

  it('sends form_submit and form_abandoned for forms started but not submitted', async () => {
    mockFetch();
    make({ autocapture: only('forms') });
    document.body.innerHTML = html;
    const focus = (sel: string) => document.querySelector(sel)!.dispatchEvent(new FocusEvent('focusin', { bubbles: true }));
    focus('[name=email]');
    focus('[name=plan]');
    focus('[name=nl_email]');
    document.getElementById('signup')!.dispatchEvent(new Event('submit', { bubbles: true }));
    window.dispatchEvent(new Event('pagehide'));
    const [submit] = ofType('form_submit');
    expect(submit.properties).toEqual({ form_id: 'signup', form_name: 'signup', form_action: 'http://localhost:3000/signup', field_count: 2 });
    const abandoned = queued().filter((e) => e.name === 'form_abandoned');
    expect(abandoned).toHaveLength(1);
    expect(abandoned[0].type).toBe('custom');
    expect(abandoned[0].properties).toMatchObject({ form_id: 'newsletter', last_field: 'nl_email' });
  });

  it('skips data-crow-ignore forms', async () => {
    mockFetch();
    make({ autocapture: only('forms') });
    document.body.innerHTML = '<form data-crow-ignore><input name="card"></form>';
    document.querySelector('input')!.dispatchEvent(new FocusEvent('focusin', { bubbles: true }));
    await settle();
    expect(queued()).toEqual([]);
  });
});

class FakeIO {
  static last: FakeIO;
  els = new Set<Element>();
  constructor(public cb: (e: any[]) => void) {
    FakeIO.last = this;
  }
  observe(el: Element) {
    this.els.add(el);
  }
  unobserve(el: Element) {
    this.els.delete(el);
  }
  disconnect() {}
  show(el: Element, ratio: number) {
    this.cb([{ target: el, isIntersecting: ratio > 0, intersectionRatio: ratio }]);
  }
}

describe('product views and scroll depth', () => {
  useCleanEnvironment();

  it('counts visible time (≥ 50% in view, tab visible) and sends product_view when the page hides', async () => {
    vi.useFakeTimers();
    vi.stubGlobal('IntersectionObserver', FakeIO);
    mockFetch();
    document.body.innerHTML =
      '<div data-crow-product-id="12345" data-crow-product-name="Boots" data-crow-product-price="99.99" data-crow-product-currency="USD">Boots</div>';
    make({ autocapture: only('products', 'scroll') });
    const el = document.querySelector('[data-crow-product-id]')!;
    expect(FakeIO.last.els.has(el)).toBe(true);
    FakeIO.last.show(el, 0.3); // not enough
    vi.advanceTimersByTime(1000);
    FakeIO.last.show(el, 0.6);
    vi.advanceTimersByTime(3000);
    FakeIO.last.show(el, 0.1);
    vi.advanceTimersByTime(1000);
    FakeIO.last.show(el, 0.8);
    vi.advanceTimersByTime(500);
    setVisibility('hidden');
    const [pv] = ofType('product_view');
    expect(pv.properties).toMatchObject({ product_id: '12345', name: 'Boots', price: 99.99, currency: 'USD', duration_ms: 3500 });
    expect(Number.isInteger(pv.properties!.scroll_depth)).toBe(true);
    expect(ofType('scroll')).toHaveLength(1);
    // hidden time does not count; a second hide sends nothing new
    vi.advanceTimersByTime(10000);
    window.dispatchEvent(new Event('pagehide'));
    expect(ofType('product_view')).toHaveLength(1);
    expect(ofType('scroll')).toHaveLength(1);
  });

  it('ends a view when the element is removed', async () => {
    vi.useFakeTimers();
    vi.stubGlobal('IntersectionObserver', FakeIO);
    mockFetch();
    make({ autocapture: only('products') });
    document.body.innerHTML = '<div data-crow-product-id="p1">p1</div>';
    await vi.advanceTimersByTimeAsync(0); // MutationObserver picks the element up
    const el = document.querySelector('[data-crow-product-id]')!;
    FakeIO.last.show(el, 1);
    await vi.advanceTimersByTimeAsync(2000);
    el.remove();
    await vi.advanceTimersByTimeAsync(0);
    const [pv] = ofType('product_view');
    expect(pv.properties).toMatchObject({ product_id: 'p1', duration_ms: 2000 });
  });

  it('cards the new route removes are reported once, on the page where they were seen', async () => {
    vi.useFakeTimers();
    vi.stubGlobal('IntersectionObserver', FakeIO);
    mockFetch();
    document.body.innerHTML = '<div data-crow-product-id="a">a</div><div data-crow-product-id="b">b</div>';
    make({ autocapture: only('products') });
    document.querySelectorAll('[data-crow-product-id]').forEach((el) => FakeIO.last.show(el, 1));
    await vi.advanceTimersByTimeAsync(1500);
    history.pushState(null, '', '/products/a'); // the app changes the URL, then renders the new page
    await vi.advanceTimersByTimeAsync(1);
    document.body.innerHTML = '<div id="detail">a</div>';
    await vi.advanceTimersByTimeAsync(2000);
    const views = ofType('product_view');
    expect(views.map((v) => [v.properties!.product_id, v.url])).toEqual([
      ['a', 'http://localhost:3000/'],
      ['b', 'http://localhost:3000/'],
    ]);
  });

  it('tracker.productView() ends on SPA route change, attributed to the old page', async () => {
    vi.useFakeTimers();
    mockFetch();
    const t = make({ autocapture: only('products') });
    t.productView({ id: 'sku-9', name: 'Hat', price: 20, currency: 'EUR' });
    vi.advanceTimersByTime(2000);
    history.pushState(null, '', '/other');
    await settle();
    const [pv] = ofType('product_view');
    expect(pv.url).toBe('http://localhost:3000/');
    expect(pv.properties).toMatchObject({ product_id: 'sku-9', name: 'Hat', price: 20, currency: 'EUR', duration_ms: 2000 });
  });
});

describe('performance and web vitals', () => {
  useCleanEnvironment();

  class FakePO {
    static supportedEntryTypes = ['paint', 'largest-contentful-paint', 'layout-shift', 'event', 'first-input'];
    static all: FakePO[] = [];
    type = '';
    constructor(public cb: (l: { getEntries(): any[] }) => void) {
      FakePO.all.push(this);
    }
    observe(o: { type: string }) {
      this.type = o.type;
    }
    disconnect() {}
    takeRecords() {
      return [];
    }
    static emit(type: string, entries: any[]) {
      FakePO.all.filter((p) => p.type === type).forEach((p) => p.cb({ getEntries: () => entries }));
    }
  }

  it('reports performance timings and LCP, CLS, INP, FCP, TTFB with ratings once per page', async () => {
    FakePO.all = [];
    vi.stubGlobal('PerformanceObserver', FakePO);
    vi.spyOn(performance, 'now').mockReturnValue(100000);
    vi.spyOn(performance, 'getEntriesByType').mockImplementation(((t: string) =>
      t === 'navigation'
        ? [{ responseStart: 120, domInteractive: 400.4, domContentLoadedEventEnd: 500, loadEventEnd: 900, activationStart: 0 }]
        : []) as any);
    mockFetch();
    make({ autocapture: only('performance') });
    FakePO.emit('paint', [{ name: 'first-paint', startTime: 700 }, { name: 'first-contentful-paint', startTime: 900 }]);
    FakePO.emit('largest-contentful-paint', [{ startTime: 1000 }, { startTime: 2600 }]);
    document.body.click(); // first input finalises LCP
    FakePO.emit('largest-contentful-paint', [{ startTime: 5000 }]);
    FakePO.emit('layout-shift', [
      { startTime: 1000, value: 0.05 },
      { startTime: 1500, value: 0.05 },
      { startTime: 1900, value: 0.02 }, // window 1: 0.12
      { startTime: 3000, value: 0.5, hadRecentInput: true }, // ignored
      { startTime: 9000, value: 0.2 }, // window 2: 0.2
    ]);
    FakePO.emit('event', [
      { interactionId: 1, duration: 80 },
      { interactionId: 1, duration: 120 },
      { interactionId: 2, duration: 300 },
      { interactionId: 0, duration: 900 }, // not an interaction
    ]);
    setVisibility('hidden');
    window.dispatchEvent(new Event('pagehide'));
    const [perf] = ofType('performance');
    expect(perf.properties).toEqual({ load_ms: 900, ttfb_ms: 120, dcl_ms: 500, tti_ms: 400 });
    const vitals = Object.fromEntries(ofType('web_vital').map((e) => [e.properties!.name, e.properties]));
    expect(vitals).toEqual({
      FCP: { name: 'FCP', value: 900, rating: 'good' },
      LCP: { name: 'LCP', value: 2600, rating: 'needs-improvement' },
      CLS: { name: 'CLS', value: 0.2, rating: 'needs-improvement' },
      INP: { name: 'INP', value: 300, rating: 'needs-improvement' },
      TTFB: { name: 'TTFB', value: 120, rating: 'good' },
    });
  });

  it('after the first hide, the final pagehide re-sends only a CLS or INP that changed', async () => {
    FakePO.all = [];
    vi.stubGlobal('PerformanceObserver', FakePO);
    vi.spyOn(performance, 'now').mockReturnValue(100000);
    vi.spyOn(performance, 'getEntriesByType').mockImplementation(((t: string) =>
      t === 'navigation' ? [{ responseStart: 120, domInteractive: 400, domContentLoadedEventEnd: 500, loadEventEnd: 900 }] : []) as any);
    mockFetch();
    make({ autocapture: only('performance') });
    FakePO.emit('largest-contentful-paint', [{ startTime: 1000 }]);
    FakePO.emit('layout-shift', [{ startTime: 1000, value: 0.05 }]);
    FakePO.emit('event', [{ interactionId: 1, duration: 100 }]);
    setVisibility('hidden');
    const vital = (name: string) => ofType('web_vital').filter((e) => e.properties!.name === name).map((e) => e.properties!.value);
    expect(vital('CLS')).toEqual([0.05]);
    expect(vital('INP')).toEqual([100]);
    setVisibility('visible');
    FakePO.emit('layout-shift', [{ startTime: 1200, value: 0.3 }]); // same session window: 0.35
    FakePO.emit('event', [{ interactionId: 2, duration: 350 }]);
    FakePO.emit('largest-contentful-paint', [{ startTime: 200000 }]); // after the first hide: ignored
    setVisibility('hidden'); // a later hide is not the end: nothing new yet
    expect(vital('CLS')).toEqual([0.05]);
    window.dispatchEvent(new Event('pagehide'));
    expect(vital('CLS')).toEqual([0.05, 0.35]);
    expect(vital('INP')).toEqual([100, 350]);
    expect(ofType('web_vital').map((e) => e.properties!.name).sort()).toEqual(['CLS', 'CLS', 'INP', 'INP', 'LCP', 'TTFB']);
    expect(ofType('performance')).toHaveLength(1);
    window.dispatchEvent(new Event('pagehide')); // unchanged since: nothing more
    expect(ofType('web_vital')).toHaveLength(6);
  });

  it('does nothing without PerformanceObserver', async () => {
    vi.stubGlobal('PerformanceObserver', undefined);
    mockFetch();
    make({ autocapture: only('performance') });
    expect(() => setVisibility('hidden')).not.toThrow();
    expect(ofType('web_vital').filter((e) => e.properties!.name !== 'TTFB')).toEqual([]);
  });
});
