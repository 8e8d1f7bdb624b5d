import { describe, expect, it, vi } from 'vitest';
import { BATCH_URL, bodies, make, mockFetch, sentEvents, setProp, setVisibility, settle, storedQueue, useCleanEnvironment } from './helpers';

describe('batching', () => {
  useCleanEnvironment();

  it('flushes when batchSize events are queued', async () => {
    vi.useFakeTimers();
    const fetch = mockFetch();
    const t = make({ batchSize: 3 });
    t.track('a');
    t.track('b');
    await settle();
    expect(fetch).not.toHaveBeenCalled();
    t.track('c');
    await settle();
    expect(fetch).toHaveBeenCalledTimes(1);
    expect(fetch.mock.calls[0][0]).toBe(BATCH_URL);
    const body = bodies(fetch)[0];
    expect(body.api_key).toBe('pk_live_test');
    expect(body.events.map((e) => e.name)).toEqual(['a', 'b', 'c']);
    for (const e of body.events) {
      expect(e.type).toBe('custom');
      expect(e.event_id).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
      expect(typeof e.timestamp).toBe('number');
      expect(e.session_id && e.anonymous_id).toBeTruthy();
    }
    expect(new Date(body.sent_at).toISOString()).toBe(body.sent_at);
    const init = fetch.mock.calls[0][1];
    expect(init.headers).toEqual({ 'Content-Type': 'text/plain' });
    expect(init.keepalive).toBe(true);
  });

  it('flushes after flushInterval', async () => {
    vi.useFakeTimers();
    const fetch = mockFetch();
    const t = make({ flushInterval: 2000 });
    t.track('a');
    await vi.advanceTimersByTimeAsync(1999);
    expect(fetch).not.toHaveBeenCalled();
    await vi.advanceTimersByTimeAsync(1);
    expect(sentEvents(fetch).map((e) => e.name)).toEqual(['a']);
  });

  it('flush() returns a promise and removes acknowledged events from storage', async () => {
    const fetch = mockFetch({ status: 202 });
    const t = make();
    t.track('a');
    await settle();
    expect(storedQueue()!.e).toHaveLength(1);
    await expect(t.flush()).resolves.toBeUndefined();
    expect(fetch).toHaveBeenCalledTimes(1);
    expect(storedQueue()).toBeUndefined();
  });

  it('treats rejected events in a 202 as acknowledged (never resent)', async () => {
    vi.useFakeTimers();
    const fetch = mockFetch({ status: 202 });
    const t = make();
    t.track('a');
    await t.flush();
    await vi.advanceTimersByTimeAsync(60000);
    expect(fetch).toHaveBeenCalledTimes(1);
  });

  it('chunks at 500 events per request', async () => {
    const fetch = mockFetch();
    const t = make({ batchSize: 10000, maxQueue: 2000 });
    for (let i = 0; i < 1200; i++) t.track('e' + i);
    await t.flush();
    expect(bodies(fetch).map((b) => b.events.length)).toEqual([500, 500, 200]);
  });

  it('chunks at 1 MiB per request', async () => {
    const fetch = mockFetch();
    const t = make({ batchSize: 10000 });
    const big = 'x'.repeat(300 * 1024);
    for (let i = 0; i < 5; i++) t.track('big', { big });
    await t.flush();
    const sizes = fetch.mock.calls.map((c) => new TextEncoder().encode(c[1].body as string).length);
    expect(sizes.length).toBeGreaterThan(1);
    for (const s of sizes) expect(s).toBeLessThanOrEqual(1024 * 1024);
    expect(sentEvents(fetch)).toHaveLength(5);
  });
});

describe('retry and backoff', () => {
  useCleanEnvironment();

  it('honours Retry-After on 503', async () => {
    vi.useFakeTimers();
    const fetch = mockFetch({ status: 503, headers: { 'Retry-After': '10' } }, { status: 202 });
    const t = make();
    t.track('a');
    await t.flush();
    expect(fetch).toHaveBeenCalledTimes(1);
    await t.flush(); // a manual flush does not jump the server's queue
    await vi.advanceTimersByTimeAsync(9900);
    expect(fetch).toHaveBeenCalledTimes(1);
    await vi.advanceTimersByTimeAsync(200);
    expect(fetch).toHaveBeenCalledTimes(2);
    expect(sentEvents(fetch).map((e) => e.event_id)[0]).toBe(sentEvents(fetch).map((e) => e.event_id)[1]);
    expect(storedQueue()).toBeUndefined();
  });

  it('honours Retry-After on 429', async () => {
    vi.useFakeTimers();
    const fetch = mockFetch({ status: 429, headers: { 'Retry-After': '3' } }, { status: 202 });
    const t = make();
    t.track('a');
    await t.flush();
    await vi.advanceTimersByTimeAsync(2900);
    expect(fetch).toHaveBeenCalledTimes(1);
    await vi.advanceTimersByTimeAsync(200);
    expect(fetch).toHaveBeenCalledTimes(2);
  });

  it('backs off exponentially with jitter on 5xx and network errors', async () => {
    vi.useFakeTimers();
    vi.spyOn(Math, 'random').mockReturnValue(0.5); // jitter factor 1.0
    const fetch = mockFetch({ status: 500 }, { status: 502, fail: true }, { status: 500 }, { status: 202 });
    const t = make();
    t.track('a');
    await t.flush();
    expect(fetch).toHaveBeenCalledTimes(1);
    await vi.advanceTimersByTimeAsync(999);
    expect(fetch).toHaveBeenCalledTimes(1);
    await vi.advanceTimersByTimeAsync(1); // 1 s
    expect(fetch).toHaveBeenCalledTimes(2);
    await vi.advanceTimersByTimeAsync(1999);
    expect(fetch).toHaveBeenCalledTimes(2);
    await vi.advanceTimersByTimeAsync(1); // 2 s
    expect(fetch).toHaveBeenCalledTimes(3);
    await vi.advanceTimersByTimeAsync(4000); // 4 s
    expect(fetch).toHaveBeenCalledTimes(4);
    expect(storedQueue()).toBeUndefined();
  });

  it('caps the backoff at 60 s', async () => {
    const { backoff } = await import('../src/transport');
    vi.spyOn(Math, 'random').mockReturnValue(0.999);
    expect(backoff(20)).toBeLessThanOrEqual(60000 * 1.25);
    vi.spyOn(Math, 'random').mockReturnValue(0);
    expect(backoff(0)).toBeGreaterThanOrEqual(750);
  });

  it('stops sending for good after 401/403', async () => {
    for (const status of [401, 403]) {
      vi.useFakeTimers();
      const fetch = mockFetch({ status });
      const t = make();
      t.track('a');
      await t.flush();
      t.track('b');
      await t.flush();
      await vi.advanceTimersByTimeAsync(120000);
      setVisibility('hidden');
      expect(fetch).toHaveBeenCalledTimes(1);
      expect((navigator.sendBeacon as any).mock.calls).toHaveLength(0);
      await t.shutdown();
      setVisibility('visible');
      vi.useRealTimers();
    }
  });

  it('drops a batch answered 400 instead of retrying it', async () => {
    vi.useFakeTimers();
    const fetch = mockFetch({ status: 400 }, { status: 202 });
    const t = make();
    t.track('bad');
    await t.flush();
    await vi.advanceTimersByTimeAsync(120000);
    expect(fetch).toHaveBeenCalledTimes(1);
    expect(storedQueue()).toBeUndefined();
  });

  it('splits a batch answered 413', async () => {
    const fetch = mockFetch({ status: 413 }, { status: 202 });
    const t = make({ batchSize: 100 });
    for (let i = 0; i < 4; i++) t.track('e' + i);
    await t.flush();
    expect(bodies(fetch).map((b) => b.events.length)).toEqual([4, 2, 2]);
  });
});

describe('offline queue', () => {
  useCleanEnvironment();

  it('persists to localStorage, does not send while offline, resumes on online', async () => {
    vi.useFakeTimers();
    setProp(navigator, 'onLine', false);
    const fetch = mockFetch();
    const t = make();
    t.track('a');
    t.track('b');
    await vi.advanceTimersByTimeAsync(30000);
    expect(fetch).not.toHaveBeenCalled();
    expect(storedQueue()!.e.map((e) => e.name)).toEqual(['a', 'b']);
    setProp(navigator, 'onLine', true);
    window.dispatchEvent(new Event('online'));
    await settle();
    await vi.advanceTimersByTimeAsync(0);
    expect(sentEvents(fetch).map((e) => e.name)).toEqual(['a', 'b']);
    expect(storedQueue()).toBeUndefined();
  });

  it('is bounded by maxQueue: oldest dropped, counted and reported as context.dropped', async () => {
    setProp(navigator, 'onLine', false);
    const fetch = mockFetch();
    const t = make({ maxQueue: 5, batchSize: 100 });
    for (let i = 0; i < 8; i++) t.track('e' + i);
    await settle();
    const q = storedQueue()!;
    expect(q.e.map((e) => e.name)).toEqual(['e3', 'e4', 'e5', 'e6', 'e7']);
    expect(q.d).toBe(3);
    setProp(navigator, 'onLine', true);
    window.dispatchEvent(new Event('online'));
    await t.flush();
    const [body] = bodies(fetch);
    expect(body.context.dropped).toBe(3);
    expect(body.events).toHaveLength(5);
    t.track('later');
    await t.flush();
    expect(bodies(fetch)[1].context.dropped).toBeUndefined();
  });

  it('survives a reload: a new tracker resends what the old one left', async () => {
    vi.useFakeTimers();
    const failing = mockFetch({ status: 0, fail: true });
    const first = make();
    first.track('before-reload', { n: 1 });
    await first.flush();
    expect(failing).toHaveBeenCalledTimes(1);
    const pending = storedQueue()!.e;
    expect(pending.map((e) => e.name)).toEqual(['before-reload']);
    await first.shutdown(); // the page goes away

    const fetch = mockFetch({ status: 202 });
    make();
    await vi.advanceTimersByTimeAsync(5000);
    const resent = sentEvents(fetch);
    expect(resent.map((e) => e.event_id)).toEqual([pending[0].event_id]);
    expect(storedQueue()).toBeUndefined();
  });

  it('beacons unacknowledged events on hide after writing them to storage', async () => {
    const fetch = mockFetch();
    const beacon = vi.fn((_url: string, _data: Blob) => true);
    setProp(navigator, 'sendBeacon', beacon);
    const t = make();
    t.track('a');
    setVisibility('hidden');
    expect(fetch).not.toHaveBeenCalled();
    expect(beacon).toHaveBeenCalledTimes(1);
    const [url, blob] = beacon.mock.calls[0];
    expect(url).toBe(BATCH_URL);
    expect(blob.type).toBe('text/plain');
    const body = JSON.parse(await blob.text());
    expect(body.api_key).toBe('pk_live_test');
    expect(body.events.map((e: any) => e.name)).toEqual(['a']);
    // kept until acknowledged: the next page load would resend it
    expect(storedQueue()!.e.map((e) => e.name)).toEqual(['a']);
    // tab visible again: the beaconed events are resent once by fetch and acknowledged
    setVisibility('visible');
    await t.flush();
    expect(sentEvents(fetch).map((e) => e.name)).toEqual(['a']);
    expect(storedQueue()).toBeUndefined();
  });

  it('falls back to a keepalive fetch when sendBeacon refuses', async () => {
    const fetch = mockFetch();
    setProp(navigator, 'sendBeacon', vi.fn(() => false));
    const t = make();
    t.track('a');
    window.dispatchEvent(new Event('pagehide'));
    await settle();
    expect(fetch).toHaveBeenCalledTimes(1);
    expect(fetch.mock.calls[0][1].keepalive).toBe(true);
    await t.flush();
    expect(storedQueue()).toBeUndefined();
  });
});
