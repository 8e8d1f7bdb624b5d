import { afterEach, beforeEach, vi } from 'vitest';
import { CROWTracker } from '../src/index';
import type { AutocaptureOptions, CROWOptions, CrowEvent } from '../src/index';

export const ENDPOINT = 'https://ingest.example.com';
export const BATCH_URL = `${ENDPOINT}/v1/batch`;

export interface Reply {
  status: number;
  headers?: Record<string, string>;
  /** throw instead of answering: a network error */
  fail?: boolean;
}

/** Mock fetch answering each call with the next reply (the last one repeats). */
export function mockFetch(...replies: Reply[]) {
  const list = replies.length ? replies : [{ status: 202 }];
  let i = 0;
  const fn = vi.fn(async (_url: string, _init: RequestInit) => {
    const r = list[Math.min(i++, list.length - 1)];
    if (r.fail) throw new TypeError('Failed to fetch');
    const h = new Map(Object.entries(r.headers || {}).map(([k, v]) => [k.toLowerCase(), v]));
    return { status: r.status, headers: { get: (k: string) => h.get(k.toLowerCase()) ?? null } };
  });
  vi.stubGlobal('fetch', fn);
  (window as any).fetch = fn;
  return fn;
}

export interface Body {
  api_key: string;
  sent_at: string;
  context: Record<string, any>;
  events: CrowEvent[];
}

export const bodies = (fn: { mock: { calls: any[][] } }): Body[] =>
  fn.mock.calls.filter((c) => c[0] === BATCH_URL).map((c) => JSON.parse(c[1].body as string));

export const sentEvents = (fn: { mock: { calls: any[][] } }): CrowEvent[] => bodies(fn).flatMap((b) => b.events);

/** `autocapture` with only the named features on (the object form defaults missing keys to true). */
export function only(...on: (keyof AutocaptureOptions)[]): AutocaptureOptions {
  const all: (keyof AutocaptureOptions)[] = ['pageviews', 'clicks', 'forms', 'products', 'scroll', 'performance'];
  return Object.fromEntries(all.map((k) => [k, on.includes(k)]));
}

const trackers: CROWTracker[] = [];

/** A tracker with nothing auto-captured unless asked; shut down after each test. */
export function make(opts: Partial<CROWOptions> = {}): CROWTracker {
  const t = new CROWTracker({ apiKey: 'pk_live_test', endpoint: ENDPOINT, autocapture: false, ...opts });
  trackers.push(t);
  return t;
}

/** Let pending promises / microtasks run. */
export async function settle(): Promise<void> {
  for (let i = 0; i < 5; i++) await Promise.resolve();
}

export function setProp(obj: object, key: string, value: unknown): void {
  Object.defineProperty(obj, key, { value, configurable: true, writable: true });
}

export function setVisibility(state: 'visible' | 'hidden'): void {
  setProp(document, 'visibilityState', state);
  document.dispatchEvent(new Event('visibilitychange'));
}

export function storedQueue(): { e: CrowEvent[]; d: number } | undefined {
  for (let i = 0; i < localStorage.length; i++) {
    const k = localStorage.key(i)!;
    if (k.startsWith('crow:q:')) return JSON.parse(localStorage.getItem(k)!);
  }
  return undefined;
}

export function useCleanEnvironment(): void {
  beforeEach(() => {
    mockFetch(); // never the real network, even for tests that don't look at requests
    localStorage.clear();
    sessionStorage.clear();
    document.body.innerHTML = '';
    history.replaceState(null, '', '/');
    setProp(navigator, 'onLine', true);
    setProp(navigator, 'doNotTrack', null);
    setProp(navigator, 'globalPrivacyControl', undefined);
    setProp(navigator, 'sendBeacon', vi.fn(() => true));
    setProp(document, 'visibilityState', 'visible');
  });
  afterEach(async () => {
    await Promise.all(trackers.splice(0).map((t) => t.shutdown()));
    vi.useRealTimers();
    vi.unstubAllGlobals();
  });
}
