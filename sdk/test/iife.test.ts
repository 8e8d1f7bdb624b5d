import { afterEach, describe, expect, it, vi } from 'vitest';
import { ENDPOINT, mockFetch, sentEvents, useCleanEnvironment } from './helpers';

function scriptTag(attrs: Record<string, string>) {
  const s = document.createElement('script');
  s.type = 'application/x-test'; // keeps happy-dom from fetching it
  s.src = 'https://cdn.example.com/sdk/crow.js';
  for (const [k, v] of Object.entries(attrs)) s.setAttribute(k, v);
  document.head.appendChild(s);
}

async function load() {
  vi.resetModules();
  await import('../src/iife');
  return (window as any).CROW;
}

describe('script tag (IIFE)', () => {
  useCleanEnvironment();
  afterEach(async () => {
    await (window as any).CROW?.shutdown?.();
    delete (window as any).CROW;
    document.head.innerHTML = '';
  });

  it('starts from data attributes and drains an array stub', async () => {
    const fetch = mockFetch();
    scriptTag({ 'data-api-key': 'pk_live_tag', 'data-endpoint': ENDPOINT });
    (window as any).CROW = [
      ['track', 'early', { a: 1 }],
      ['identify', 'u-1', { plan: 'pro' }],
    ];
    const CROW = await load();
    CROW.track('late');
    CROW.push(['track', 'pushed']);
    await CROW.flush();
    const ev = sentEvents(fetch);
    expect(JSON.parse(fetch.mock.calls[0][1].body as string).api_key).toBe('pk_live_tag');
    const names = ev.map((e) => e.name || e.type);
    expect(names).toEqual(expect.arrayContaining(['page_view', 'early', 'identify', 'late', 'pushed']));
    expect(names.indexOf('early')).toBeLessThan(names.indexOf('late'));
    expect(ev.find((e) => e.name === 'late')!.user_id).toBe('u-1');
    expect(ev.find((e) => e.name === 'early')!.properties).toEqual({ a: 1 });
  });

  it('drains an object stub with a q array', async () => {
    const fetch = mockFetch();
    scriptTag({ 'data-api-key': 'pk_live_tag', 'data-endpoint': ENDPOINT });
    (window as any).CROW = { q: [['track', 'queued']] };
    const CROW = await load();
    await CROW.flush();
    expect(sentEvents(fetch).some((e) => e.name === 'queued')).toBe(true);
  });

  it('supports data-require-consent and consent calls', async () => {
    const fetch = mockFetch();
    scriptTag({ 'data-api-key': 'pk_live_tag', 'data-endpoint': ENDPOINT, 'data-require-consent': '' });
    const CROW = await load();
    CROW.track('a');
    await CROW.flush();
    expect(fetch).not.toHaveBeenCalled();
    CROW.consent.grant();
    await CROW.flush();
    expect(sentEvents(fetch).some((e) => e.name === 'a')).toBe(true);
  });

  it('waits for an init call when there are no data attributes', async () => {
    const fetch = mockFetch();
    (window as any).CROW = [['track', 'before-init'], ['init', { apiKey: 'pk_live_init', endpoint: ENDPOINT, autocapture: false }]];
    const CROW = await load();
    expect(CROW.tracker).toBeDefined();
    await CROW.flush();
    expect(sentEvents(fetch).map((e) => e.name)).toEqual(['before-init']);
  });

  it('ignores unknown methods and bad calls', async () => {
    scriptTag({ 'data-api-key': 'pk_live_tag', 'data-endpoint': ENDPOINT });
    (window as any).CROW = [['nope'], null, [], ['consent.nope']];
    const CROW = await load();
    expect(() => CROW.push(['alsoNope', 1], undefined)).not.toThrow();
  });
});

describe('built dist/crow.js (minified, mangled)', () => {
  useCleanEnvironment();
  afterEach(async () => {
    await (window as any).CROW?.shutdown?.();
    delete (window as any).CROW;
    document.head.innerHTML = '';
  });

  it('runs from a script tag and drains the stub', async () => {
    // @ts-ignore - plain ESM build helper
    const { buildIIFE } = await import('../scripts/bundle.mjs');
    const code: string = await buildIIFE(false);
    const fetch = mockFetch();
    scriptTag({ 'data-api-key': 'pk_live_min', 'data-endpoint': ENDPOINT });
    (window as any).CROW = { q: [['track', 'queued', { n: 1 }]] };
    new Function(code)();
    const CROW = (window as any).CROW;
    CROW.identify('u-9');
    CROW.track('direct');
    document.body.innerHTML = '<button id="b">b</button>';
    document.getElementById('b')!.click();
    await CROW.flush();
    const ev = sentEvents(fetch);
    expect(ev.map((e) => e.name || e.type)).toEqual(expect.arrayContaining(['page_view', 'queued', 'identify', 'direct']));
    expect(ev.find((e) => e.name === 'direct')!.user_id).toBe('u-9');
    expect(typeof CROW.consent.grant).toBe('function');
  }, 30000);
});
