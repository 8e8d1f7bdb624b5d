import { describe, expect, it, vi } from 'vitest';
import { cleanUrl, DEFAULT_QUERY_PARAMS } from '../src/url';
import { make, mockFetch, sentEvents, setProp, setVisibility, settle, useCleanEnvironment } from './helpers';

const storedKeys = () => [
  ...Array.from({ length: localStorage.length }, (_, i) => 'local:' + localStorage.key(i)),
  ...Array.from({ length: sessionStorage.length }, (_, i) => 'session:' + sessionStorage.key(i)),
];

describe('consent', () => {
  useCleanEnvironment();

  it('requireConsent: sends nothing and stores nothing until grant()', async () => {
    vi.useFakeTimers();
    const fetch = mockFetch();
    const beacon = navigator.sendBeacon as any;
    const t = make({ requireConsent: true, autocapture: true });
    t.track('a');
    t.identify('user-1', { plan: 'pro' });
    document.body.innerHTML = '<button id="b">Buy</button>';
    document.getElementById('b')!.click();
    await vi.advanceTimersByTimeAsync(60000);
    setVisibility('hidden');
    window.dispatchEvent(new Event('pagehide'));
    setVisibility('visible');
    expect(fetch).not.toHaveBeenCalled();
    expect(beacon).not.toHaveBeenCalled();
    expect(storedKeys()).toEqual([]);
    expect(t.consent.state).toBe('pending');

    t.consent.grant();
    await vi.advanceTimersByTimeAsync(0);
    await t.flush();
    const names = sentEvents(fetch).map((e) => e.name || e.type);
    expect(names).toContain('a'); // the in-memory buffer is sent
    expect(names).toContain('identify');
    expect(localStorage.getItem('crow:consent')).toBe('granted');
    expect(localStorage.getItem('crow:aid')).toBeTruthy();
  });

  it('remembers the choice across page loads', async () => {
    const fetch = mockFetch();
    make({ requireConsent: true }).consent.grant();
    const second = make({ requireConsent: true });
    expect(second.consent.state).toBe('granted');
    second.track('x');
    await second.flush();
    expect(sentEvents(fetch).some((e) => e.name === 'x')).toBe(true);
  });

  it('deny() clears stored ids and queue, and stops capture', async () => {
    setProp(navigator, 'onLine', false);
    const fetch = mockFetch();
    const t = make();
    t.identify('u1');
    t.track('a');
    await settle();
    expect(storedKeys().length).toBeGreaterThan(1);
    t.consent.deny();
    expect(storedKeys()).toEqual(['local:crow:consent']);
    expect(localStorage.getItem('crow:consent')).toBe('denied');
    t.track('after-deny');
    setProp(navigator, 'onLine', true);
    await t.flush();
    await settle();
    expect(fetch).not.toHaveBeenCalled();
    expect(storedKeys()).toEqual(['local:crow:consent']);
  });

  it('deny() discards the in-memory buffer of requireConsent', async () => {
    const fetch = mockFetch();
    const t = make({ requireConsent: true });
    t.track('a');
    t.consent.deny();
    t.consent.grant();
    t.track('b');
    await t.flush();
    expect(sentEvents(fetch).map((e) => e.name)).toEqual(['b']);
  });
});

describe('Do Not Track / Global Privacy Control', () => {
  useCleanEnvironment();

  for (const [key, value] of [
    ['doNotTrack', '1'],
    ['globalPrivacyControl', true],
  ] as const) {
    it(`${key} = ${value} captures nothing by default`, async () => {
      setProp(navigator, key, value);
      const fetch = mockFetch();
      const t = make({ autocapture: true });
      t.track('a');
      t.consent.grant();
      document.body.innerHTML = '<button>x</button>';
      document.querySelector('button')!.click();
      await t.flush();
      setVisibility('hidden');
      expect(fetch).not.toHaveBeenCalled();
      expect(navigator.sendBeacon as any).not.toHaveBeenCalled();
      expect(storedKeys()).toEqual([]);
    });

    it(`${key} is ignored with respectDNT: false`, async () => {
      setProp(navigator, key, value);
      const fetch = mockFetch();
      const t = make({ respectDNT: false });
      t.track('a');
      await t.flush();
      expect(fetch).toHaveBeenCalledTimes(1);
    });
  }
});

describe('URL hygiene', () => {
  useCleanEnvironment();

  it('keeps utm_* and the default allowlist, strips other params and fragments', () => {
    expect(cleanUrl('https://s.com/p?utm_source=x&email=a%40b.c&token=1&gclid=g#top', DEFAULT_QUERY_PARAMS)).toBe(
      'https://s.com/p?utm_source=x&gclid=g',
    );
  });
  it('keeps hash routes', () => {
    expect(cleanUrl('https://s.com/#/cart?x=1', DEFAULT_QUERY_PARAMS)).toBe('https://s.com/#/cart?x=1');
    expect(cleanUrl('https://s.com/#!/cart', DEFAULT_QUERY_PARAMS)).toBe('https://s.com/#!/cart');
  });
  it('honours a custom allowlist (which replaces the default) and strips credentials', () => {
    expect(cleanUrl('https://u:p@s.com/?q=shoes&utm_source=x', ['q'])).toBe('https://s.com/?q=shoes');
  });
  it('reduces non-http URLs to their scheme', () => {
    expect(cleanUrl('mailto:jane@example.com', DEFAULT_QUERY_PARAMS)).toBe('mailto:');
  });
  it('applies to captured page URLs', async () => {
    history.replaceState(null, '', '/checkout?email=jane%40x.com&utm_campaign=spring');
    const fetch = mockFetch();
    const t = make();
    t.track('a');
    await t.flush();
    expect(sentEvents(fetch)[0].url).toBe('http://localhost:3000/checkout?utm_campaign=spring');
  });
});
