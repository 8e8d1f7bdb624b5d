/**
 * CROWTracker: the core. Owns identity, consent, the persisted queue, delivery (batching, retry,
 * beacons) and the page lifecycle, and wires up the capture modules.
 *
 * Every public method is wrapped in try/catch: the SDK never throws into the host page.
 */

import { products, type Products } from './autocapture/products';
import { clicks } from './autocapture/clicks';
import { forms } from './autocapture/forms';
import { watchRoutes } from './autocapture/pageviews';
import { scrollDepth } from './autocapture/scroll';
import { initialConsent, privacySignal, storeConsent, type ConsentState } from './consent';
import { batchContext, deviceType, viewport } from './context';
import { Identity, uuid } from './ids';
import type { Ctx, EndReason, Module } from './module';
import { Queue } from './queue';
import { describe } from './selector';
import { beacon, byteLength, KEEPALIVE_BYTES, MAX_BYTES, MAX_EVENTS, post, type Outcome } from './transport';
import type {
  AutocaptureOptions,
  CROWOptions,
  CrowEvent,
  EventInput,
  ProductInfo,
  Properties,
  RageClickOptions,
} from './types';
import { cleanUrl, DEFAULT_QUERY_PARAMS } from './url';
import { hasWindow, on, type Cleanup } from './util';
import { vitals } from './vitals';

export const DEFAULTS = {
  batchSize: 20,
  flushInterval: 5000,
  maxQueue: 1000,
  sessionTimeout: 30 * 60 * 1000,
  deadClickMs: 1000,
  respectDNT: true,
  requireConsent: false,
  debug: false,
};

/** Exponential backoff: 1 s, 2 s, 4 s … capped at 60 s, each with ±25% jitter (so tabs don't sync up). */
const BACKOFF_BASE = 1000;
const BACKOFF_CAP = 60000;
export function backoff(attempt: number): number {
  return Math.min(BACKOFF_CAP, BACKOFF_BASE * 2 ** attempt) * (0.75 + Math.random() / 2);
}

type Resolved = typeof DEFAULTS & {
  apiKey: string;
  endpoint: string;
  allowedQueryParams: string[];
  rageClick: RageClickOptions;
  autocapture: Required<AutocaptureOptions>;
  now: () => number;
};

function resolve(o: CROWOptions): Resolved {
  const a = o.autocapture;
  const pick = (k: keyof AutocaptureOptions) => (a && typeof a === 'object' ? a[k] !== false : a !== false);
  const r = {
    ...DEFAULTS,
    apiKey: String(o.apiKey || ''),
    endpoint: String(o.endpoint || ''),
    respectDNT: o.respectDNT !== false,
    requireConsent: !!o.requireConsent,
    debug: !!o.debug,
    allowedQueryParams: Array.isArray(o.allowedQueryParams) ? o.allowedQueryParams : DEFAULT_QUERY_PARAMS,
    rageClick: o.rageClick || {},
    autocapture: {
      pageviews: pick('pageviews'),
      clicks: pick('clicks'),
      forms: pick('forms'),
      products: pick('products'),
      scroll: pick('scroll'),
      performance: pick('performance'),
    } as Required<AutocaptureOptions>,
    now: typeof o.now === 'function' ? o.now : () => Date.now(),
  };
  for (const k of ['batchSize', 'flushInterval', 'maxQueue', 'sessionTimeout', 'deadClickMs'] as const) {
    const v = o[k];
    if (typeof v === 'number' && v > 0) r[k] = v;
  }
  return r;
}

/** Deep copy of user properties; drops what cannot be serialized (cycles, BigInt) instead of failing the batch. */
function copy(p: unknown): Properties | undefined {
  if (p == null || typeof p !== 'object') return undefined;
  try {
    return JSON.parse(JSON.stringify(p));
  } catch {
    return undefined;
  }
}

interface Chunk {
  body: string;
  ids: Set<string>;
  /** dropped count reported in this chunk's context */
  dropped: number;
}

export class CROWTracker {
  /** `grant()` starts (or resumes) capture and delivery; `deny()` stops it and wipes stored data. */
  readonly consent: { grant(): void; deny(): void; readonly state: ConsentState };

  private _o!: Resolved;
  private _id!: Identity;
  private _q!: Queue;
  private _batchUrl = '';
  private _consentState: ConsentState = 'pending';
  /** Inert for good: bad config, no DOM, DNT/GPC. */
  private _off = false;
  /** shutdown() called: no new events, in-flight delivery finishes. */
  private _closed = false;
  /** 401/403: the api key is invalid or revoked; this instance never sends again. */
  private _halted = false;
  private _modules: Module[] = [];
  private _listeners: Cleanup[] = [];
  private _productViews?: Products;
  private _timer?: ReturnType<typeof setTimeout>;
  private _sending: Promise<void> | null = null;
  private _inflight = new Set<string>();
  /** Handed to sendBeacon while hidden; no answer is ever seen, so they stay queued (see _show()). */
  private _beaconed = new Set<string>();
  private _attempt = 0;
  private _retryAt = 0;
  /** retryAt came from the server's Retry-After (honoured even at unload and when back online). */
  private _serverRetry = false;
  private _chunkMax = MAX_EVENTS;
  /** Cleaned URL of the current page view. */
  private _page = '';

  constructor(options: CROWOptions) {
    const self = this;
    this.consent = {
      grant: () => this._guard(() => this._setConsent('granted')),
      deny: () => this._guard(() => this._setConsent('denied')),
      get state() {
        return self._off ? 'denied' : self._consentState;
      },
    };
    try {
      this._init(options || ({} as CROWOptions));
    } catch (e) {
      this._off = true;
      this._log(e);
    }
  }

  // ---------------------------------------------------------------- public API

  /** Send a custom event. */
  track(name: string, properties?: Properties): void {
    this._guard(() => {
      if (!name) return this._log('track: name required');
      this._emit({ type: 'custom', name: String(name), properties: copy(properties) });
    });
  }

  /** Attach a user id to this and all later events (persisted) and send an `identify` event with traits. */
  identify(userId: string, traits?: Properties): void {
    this._guard(() => {
      if (!this._active() || userId == null || userId === '') return;
      this._id.setUser(String(userId));
      this._emit({ type: 'identify', properties: copy(traits) });
    });
  }

  /** Start a product view that lasts while the page is visible, sent when the page (view) ends. */
  productView(product: ProductInfo): void {
    this._guard(() => {
      if (product && product.id != null && this._productViews) this._productViews.manual(product);
    });
  }

  /** New anonymous id, new session, no user (e.g. on logout). */
  reset(): void {
    this._guard(() => this._active() && this._id.reset());
  }

  /** Send everything queued now. Resolves (never rejects) once the attempt is over. */
  flush(): Promise<void> {
    try {
      if (this._sending) return this._sending;
      if (!this._canSend(false) || !this._hasPending()) return Promise.resolve();
      this._clearTimer();
      const p = this._loop()
        .catch((e) => this._log(e))
        .then(() => {
          this._sending = null;
          this._schedule();
        });
      this._sending = p;
      return p;
    } catch (e) {
      this._log(e);
      return Promise.resolve();
    }
  }

  /** Flush, then remove every listener, observer, timer and patch. The instance stays inert. */
  shutdown(): Promise<void> {
    try {
      if (this._off || this._closed) return Promise.resolve();
      this._stopModules();
      this._listeners.forEach((f) => f());
      this._listeners = [];
      this._closed = true;
      this._clearTimer();
      return this.flush().then(() => {
        this._clearTimer();
        this._q.persist();
      });
    } catch (e) {
      this._log(e);
      return Promise.resolve();
    }
  }

  // ---------------------------------------------------------------- setup

  private _init(options: CROWOptions): void {
    const o = (this._o = resolve(options));
    if (!hasWindow()) return void (this._off = true);
    if (!o.apiKey || !o.endpoint) {
      this._off = true;
      if (typeof console !== 'undefined') console.warn('[crow] apiKey and endpoint are required');
      return;
    }
    if (o.respectDNT && privacySignal()) {
      this._off = true;
      return this._log('DNT/GPC: disabled');
    }
    this._batchUrl = o.endpoint.replace(/\/+$/, '') + '/v1/batch';
    this._consentState = initialConsent(o.requireConsent);
    const store = this._consentState === 'granted';
    this._id = new Identity(o.now, o.sessionTimeout, store);
    this._q = new Queue(o.apiKey, o.maxQueue, store);
    this._page = this._clean(location.href);

    this._listeners.push(
      on(document, 'visibilitychange', () => (document.visibilityState === 'hidden' ? this._hide('hidden') : this._show())),
      on(window, 'pagehide', () => this._hide('pagehide')),
      on(window, 'pageshow', (e: PageTransitionEvent) => e.persisted && this._show()),
      on(window, 'online', () => {
        if (!this._serverRetry) this._retryAt = this._attempt = 0;
        this.flush();
      }),
    );
    if (this._consentState !== 'denied') this._startModules();
    this._schedule(); // events adopted from an earlier page load
  }

  private _ctx(): Ctx {
    return {
      emit: (e) => this._emit(e),
      describe: (el, withText) => describe(el, this._clean, withText),
      pageUrl: () => this._page,
      clean: this._clean,
      ignored: (el) => !!el.closest('[data-crow-ignore]'),
      now: this._o.now,
      batchUrl: this._batchUrl,
    };
  }

  private _startModules(): void {
    if (this._modules.length) return;
    const a = this._o.autocapture;
    const ctx = this._ctx();
    const m: Module[] = (this._modules = []);
    // Each module starts on its own: one failing (an exotic browser) must not take the others down.
    const add = <T extends Module>(make: () => T, push = true): T | undefined => {
      try {
        const x = make();
        if (push) m.push(x);
        return x;
      } catch (e) {
        this._log(e);
        return undefined;
      }
    };
    // Order matters at page end: clicks and forms first, products read scroll depth before scroll resets.
    if (a.clicks) add(() => clicks(ctx, this._o.rageClick, this._o.deadClickMs));
    if (a.forms) add(() => forms(ctx));
    const scroll = add(() => scrollDepth(ctx, a.scroll), false);
    if (scroll) {
      this._productViews = add(() => products(ctx, scroll, a.products));
      m.push(scroll); // after products: they read the depth before scroll resets it on a route change
    }
    if (a.performance) add(() => vitals(ctx));
    // Route detection runs even without page views: product views and scroll depth end per route.
    add(() => ({ stop: watchRoutes(() => this._route()) }));
    if (a.pageviews) this._pageView(document.referrer ? this._clean(document.referrer) : '');
  }

  private _stopModules(): void {
    const m = this._modules;
    this._modules = [];
    this._productViews = undefined;
    m.forEach((x) => this._guard(() => x.stop()));
  }

  // ---------------------------------------------------------------- capture

  private _clean = (href: string) => cleanUrl(href, this._o.allowedQueryParams);

  private _active(): boolean {
    return !this._off && !this._closed && !this._halted && this._consentState !== 'denied';
  }

  private _route(): void {
    const next = this._clean(location.href);
    if (next === this._page) return;
    this._end('route');
    const prev = this._page;
    this._page = next;
    if (this._o.autocapture.pageviews) this._pageView(prev);
  }

  private _pageView(referrer: string): void {
    const v = viewport();
    this._emit({
      type: 'page_view',
      title: document.title,
      referrer,
      properties: { vw: v.width, vh: v.height, device_type: deviceType() },
    });
  }

  private _emit(input: EventInput): void {
    if (!this._active()) return;
    const now = this._o.now();
    const { id: session_id, ended } = this._id.touch();
    if (ended) {
      this._enqueue({
        type: 'session_end',
        session_id: ended.id,
        timestamp: ended.last,
        properties: { duration_ms: ended.last - ended.start },
      });
    }
    this._enqueue({ url: this._page, timestamp: now, ...input, session_id });
  }

  private _enqueue(input: EventInput): void {
    const e = { event_id: uuid(), timestamp: this._o.now(), anonymous_id: this._id.anonymousId, ...input } as CrowEvent;
    if (this._id.userId) e.user_id = this._id.userId;
    this._q.push(e);
    this._log('event', e.type, e);
    if (this._q.items.length - this._inflight.size - this._beaconed.size >= this._o.batchSize) this.flush();
    else this._schedule();
  }

  // ---------------------------------------------------------------- consent

  private _setConsent(state: 'granted' | 'denied'): void {
    if (this._off) return this._log('disabled');
    this._consentState = state;
    storeConsent(state);
    if (state === 'granted') {
      this._id.enablePersistence(true);
      this._q.setPersistent(true); // writes the in-memory buffer and adopts earlier queues
      if (!this._closed) this._startModules();
      this.flush();
    } else {
      this._stopModules();
      this._clearTimer();
      this._q.clear();
      this._q.setPersistent(false);
      this._beaconed.clear();
      this._id.enablePersistence(false); // wipes stored ids
      this._id.reset(); // and forgets them in memory too
    }
  }

  // ---------------------------------------------------------------- delivery

  private _canSend(atUnload: boolean): boolean {
    const later = this._o.now() < this._retryAt && (!atUnload || this._serverRetry);
    return (
      !this._off && !this._halted && this._consentState === 'granted' && !later && navigator.onLine !== false
    );
  }

  private _hasPending(): boolean {
    return this._q.items.some((e) => !this._inflight.has(e.event_id) && !this._beaconed.has(e.event_id));
  }

  private _clearTimer(): void {
    clearTimeout(this._timer);
    this._timer = undefined;
  }

  /** Arm the flush timer: the flush interval, or the retry time while backing off. */
  private _schedule(): void {
    if (this._timer || this._off || this._closed || this._halted || !this._q.items.length) return;
    const now = this._o.now();
    const wait = this._retryAt > now ? this._retryAt - now : this._o.flushInterval;
    this._timer = setTimeout(() => {
      this._timer = undefined;
      this.flush();
    }, wait);
  }

  /** Send chunks one at a time until the queue is empty or the server asks us to stop or wait. */
  private async _loop(): Promise<void> {
    while (this._canSend(false)) {
      const c = this._chunk(MAX_BYTES, this._chunkMax, true);
      if (!c) return;
      c.ids.forEach((i) => this._inflight.add(i));
      const res = await post(this._batchUrl, c.body, this._o.now);
      c.ids.forEach((i) => this._inflight.delete(i));
      if (!this._settle(res, c)) return;
    }
  }

  /**
   * Next batch of queued events (oldest first) within `maxBytes` / `maxEvents`. At unload
   * (`forFetch` false) an event too big for a beacon is left for the next page load; for fetch an
   * event over 1 MiB can never be accepted and is dropped.
   */
  private _chunk(maxBytes: number, maxEvents: number, forFetch: boolean): Chunk | undefined {
    const dropped = forFetch ? this._q.dropped : 0;
    const head = {
      api_key: this._o.apiKey,
      sent_at: new Date(this._o.now()).toISOString(),
      context: { ...batchContext(), dropped: dropped || undefined },
    };
    const base = byteLength(JSON.stringify(head)) + 16;
    const events: CrowEvent[] = [];
    const ids = new Set<string>();
    const hopeless = new Set<string>();
    let size = base;
    for (const e of this._q.items) {
      if (events.length >= maxEvents) break;
      if (this._inflight.has(e.event_id) || this._beaconed.has(e.event_id)) continue;
      const s = byteLength(JSON.stringify(e)) + 1;
      if (base + s > maxBytes) {
        if (forFetch) hopeless.add(e.event_id);
        continue;
      }
      if (size + s > maxBytes) break;
      events.push(e);
      ids.add(e.event_id);
      size += s;
    }
    if (hopeless.size) {
      this._log('drop: > 1 MiB', hopeless.size);
      this._q.dropped += hopeless.size;
      this._q.remove(hopeless);
    }
    if (!events.length) return undefined;
    return { body: JSON.stringify({ ...head, events }), ids, dropped };
  }

  /** Apply the server's answer to a chunk. Returns whether to keep sending. */
  private _settle(res: Outcome, c: Chunk): boolean {
    switch (res.kind) {
      case 'ack':
        // accepted, duplicates and rejected (permanently invalid) alike are done with
        this._attempt = 0;
        this._serverRetry = false;
        this._q.dropped = Math.max(0, this._q.dropped - c.dropped);
        this._q.remove(c.ids);
        return true;
      case 'drop':
        this._log('drop', res.status);
        this._q.remove(c.ids);
        return true;
      case 'split':
        if (c.ids.size > 1) this._chunkMax = Math.ceil(c.ids.size / 2);
        else {
          this._log('drop', 413);
          this._q.remove(c.ids);
        }
        return true;
      case 'fatal':
        this._halted = true;
        this._clearTimer();
        this._log('stopped: api key rejected', res.status);
        return false;
      case 'retry': {
        this._serverRetry = res.after !== undefined;
        const wait = this._serverRetry ? res.after! : backoff(this._attempt++);
        this._retryAt = this._o.now() + wait;
        this._log('retry in', wait, res.status);
        return false;
      }
    }
  }

  // ---------------------------------------------------------------- page lifecycle

  private _end(reason: EndReason): void {
    this._modules.forEach((m) => this._guard(() => m.end && m.end(reason)));
  }

  /**
   * Tab hidden or page unloading: close out page-level events, write the queue to localStorage
   * (so the next load can resend whatever does not make it) and beacon it.
   */
  private _hide(reason: 'hidden' | 'pagehide'): void {
    this._end(reason);
    this._q.persist();
    if (!this._canSend(true)) return;
    for (let i = 0; i < 16; i++) {
      const c = this._chunk(KEEPALIVE_BYTES, MAX_EVENTS, false);
      if (!c) return;
      if (beacon(this._batchUrl, c.body)) {
        c.ids.forEach((id) => this._beaconed.add(id));
        continue;
      }
      // Beacon refused (quota): one keepalive fetch, whose answer (if the page lives) is handled normally.
      c.ids.forEach((id) => this._inflight.add(id));
      post(this._batchUrl, c.body, this._o.now).then((res) => {
        c.ids.forEach((id) => this._inflight.delete(id));
        this._settle(res, c);
        this._schedule();
      });
      return;
    }
  }

  /**
   * Visible again. Beacons never report success, so their events are still queued: un-mark them so
   * they are resent by fetch and removed on a real acknowledgement. The server dedupes on event_id,
   * so a duplicate costs bandwidth only - never data.
   */
  private _show(): void {
    this._beaconed.clear();
    this._modules.forEach((m) => this._guard(() => m.resume && m.resume()));
    this._schedule();
  }

  // ---------------------------------------------------------------- misc

  private _guard(fn: () => unknown): void {
    try {
      fn();
    } catch (e) {
      this._log(e);
    }
  }

  private _log(...args: unknown[]): void {
    try {
      if (this._o && this._o.debug) console.log('[crow]', ...args);
    } catch {
      /* console may be missing */
    }
  }
}
