import { describe, expect, it, vi } from 'vitest';
import { CROWTracker } from '../src/index';
import { make, mockFetch, sentEvents, setProp, setVisibility, settle, useCleanEnvironment } from './helpers';

describe('never throws into the host page', () => {
  useCleanEnvironment();

  it('survives bad constructor arguments', () => {
    const warn = vi.spyOn(console, 'warn').mockImplementation(() => {});
    for (const opts of [undefined, null, {}, { apiKey: 'pk' }, { endpoint: 'x' }, 42]) {
      const t = new CROWTracker(opts as any);
      expect(() => {
        t.track('x');
        t.identify('u');
        t.productView({ id: '1' });
        t.reset();
        t.consent.grant();
        t.consent.deny();
      }).not.toThrow();
      expect(t.flush()).toBeInstanceOf(Promise);
      expect(t.shutdown()).toBeInstanceOf(Promise);
    }
    expect(warn).toHaveBeenCalled();
  });

  it('survives bad method arguments', async () => {
    const fetch = mockFetch();
    const t = make();
    const cyclic: any = { a: 1 };
    cyclic.self = cyclic;
    expect(() => {
      t.track(undefined as any);
      t.track('', {});
      t.track('cyclic', cyclic);
      t.track('bigint', { n: BigInt(1) } as any);
      t.track('string-props', 'nope' as any);
      t.identify(null as any);
      t.identify(undefined as any, cyclic);
      t.productView(undefined as any);
      t.productView({} as any);
    }).not.toThrow();
    await t.flush();
    const ev = sentEvents(fetch);
    expect(ev.map((e) => e.name)).toEqual(['cyclic', 'bigint', 'string-props']);
    expect(ev.every((e) => e.properties === undefined)).toBe(true);
  });

  it('survives storage that throws (quota, sandboxed iframes)', async () => {
    const fetch = mockFetch();
    vi.spyOn(Storage.prototype, 'setItem').mockImplementation(() => {
      throw new DOMException('quota', 'QuotaExceededError');
    });
    vi.spyOn(Storage.prototype, 'getItem').mockImplementation(() => {
      throw new DOMException('denied', 'SecurityError');
    });
    const t = make({ autocapture: true });
    expect(() => t.track('a')).not.toThrow();
    await settle();
    expect(() => setVisibility('hidden')).not.toThrow();
    setVisibility('visible');
    await t.flush();
    expect(sentEvents(fetch).some((e) => e.name === 'a')).toBe(true);
  });

  it('survives fetch and sendBeacon that throw synchronously or are missing', async () => {
    const t = make();
    vi.stubGlobal('fetch', () => {
      throw new Error('boom');
    });
    setProp(navigator, 'sendBeacon', () => {
      throw new Error('boom');
    });
    t.track('a');
    await expect(t.flush()).resolves.toBeUndefined();
    expect(() => setVisibility('hidden')).not.toThrow();
    vi.stubGlobal('fetch', undefined);
    setProp(navigator, 'sendBeacon', undefined);
    setVisibility('visible');
    t.track('b');
    await expect(t.flush()).resolves.toBeUndefined();
    expect(() => window.dispatchEvent(new Event('pagehide'))).not.toThrow();
  });

  it('survives missing browser APIs for auto-capture', async () => {
    vi.stubGlobal('MutationObserver', undefined);
    vi.stubGlobal('IntersectionObserver', undefined);
    vi.stubGlobal('PerformanceObserver', undefined);
    const fetch = mockFetch();
    const t = make({ autocapture: true });
    document.body.innerHTML = '<button>x</button>';
    expect(() => document.querySelector('button')!.click()).not.toThrow();
    expect(() => setVisibility('hidden')).not.toThrow();
    setVisibility('visible');
    await t.flush();
    expect(sentEvents(fetch).some((e) => e.type === 'page_view')).toBe(true);
  });

  it('keeps host patches working when another library patched over ours', async () => {
    const t = make({ autocapture: true });
    const ours = history.pushState;
    const calls: string[] = [];
    history.pushState = function (this: History, ...a: any[]) {
      calls.push('other');
      return ours.apply(this, a as any);
    } as any;
    await t.shutdown();
    expect(() => history.pushState(null, '', '/x')).not.toThrow();
    expect(calls).toEqual(['other']);
    expect(location.pathname).toBe('/x');
  });
});
