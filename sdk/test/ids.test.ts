import { describe, expect, it } from 'vitest';
import { uuid } from '../src/ids';
import { make, mockFetch, sentEvents, useCleanEnvironment } from './helpers';

const MIN = 60 * 1000;

describe('ids', () => {
  useCleanEnvironment();

  it('uuid() is v4 even without crypto.randomUUID', () => {
    const re = /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;
    expect(uuid()).toMatch(re);
    const orig = crypto.randomUUID;
    Object.defineProperty(crypto, 'randomUUID', { value: undefined, configurable: true });
    try {
      const ids = new Set(Array.from({ length: 100 }, uuid));
      expect(ids.size).toBe(100);
      ids.forEach((id) => expect(id).toMatch(re));
    } finally {
      Object.defineProperty(crypto, 'randomUUID', { value: orig, configurable: true });
    }
  });

  it('rotates the session after 30 minutes of inactivity and sends session_end', async () => {
    let clock = 1_700_000_000_000;
    const fetch = mockFetch();
    const t = make({ now: () => clock });
    t.track('a');
    clock += 29 * MIN;
    t.track('b'); // activity keeps the session alive
    clock += 29 * MIN;
    t.track('c');
    clock += 31 * MIN;
    t.track('d');
    await t.flush();
    const ev = sentEvents(fetch);
    const byName = (n: string) => ev.find((e) => e.name === n)!;
    expect(byName('b').session_id).toBe(byName('a').session_id);
    expect(byName('c').session_id).toBe(byName('a').session_id);
    expect(byName('d').session_id).not.toBe(byName('a').session_id);
    const end = ev.find((e) => e.type === 'session_end')!;
    expect(end.session_id).toBe(byName('a').session_id);
    expect(end.properties!.duration_ms).toBe(58 * MIN);
    expect(byName('d').anonymous_id).toBe(byName('a').anonymous_id);
  });

  it('honours sessionTimeout and keeps the session across page loads (sessionStorage)', async () => {
    let clock = 1_000_000;
    const fetch = mockFetch();
    const a = make({ now: () => clock, sessionTimeout: 1000 });
    a.track('a');
    await a.shutdown();
    clock += 500;
    const b = make({ now: () => clock, sessionTimeout: 1000 });
    b.track('b');
    clock += 1001;
    b.track('c');
    await b.flush();
    const ev = sentEvents(fetch).filter((e) => e.type === 'custom');
    expect(ev[1].session_id).toBe(ev[0].session_id);
    expect(ev[2].session_id).not.toBe(ev[0].session_id);
  });

  it('identify() sets user_id on later events; reset() clears it and rotates ids', async () => {
    const fetch = mockFetch();
    const t = make();
    t.track('anon');
    t.identify('user-42', { plan: 'pro' });
    t.track('known');
    t.reset();
    t.track('after-reset');
    await t.flush();
    const ev = sentEvents(fetch);
    const [anon, ident, known, after] = ev;
    expect(anon.user_id).toBeUndefined();
    expect(ident.type).toBe('identify');
    expect(ident.user_id).toBe('user-42');
    expect(ident.properties).toEqual({ plan: 'pro' });
    expect(known.user_id).toBe('user-42');
    expect(after.user_id).toBeUndefined();
    expect(after.anonymous_id).not.toBe(anon.anonymous_id);
    expect(after.session_id).not.toBe(anon.session_id);
  });
});
