/**
 * CROWTracker: the core. Owns identity, consent, the persisted queue, delivery (batching, retry,
 * beacons) and the page lifecycle, and wires up the capture modules.
 *
 * Everything lives in one closure built by the constructor (closures minify far better than classes:
 * locals shrink to one letter, `this._member` does not). Every public method is guarded: the SDK never
 * throws into the host page.
 */

import { clicks } from './autocapture/clicks';
import { forms } from './autocapture/forms';
import { products, type Products } from './autocapture/products';
import { scrollDepth } from './autocapture/scroll';
import { batchContext, deviceType } from './context';
import { uuid } from './ids';
import type { Ctx, EndReason } from './module';
import { describe } from './selector';
import type { AutocaptureOptions, ConsentState, CROWOptions, CrowEvent, EventInput, ProductInfo, Properties } from './types';
import { cleanUrl, DEFAULT_QUERY_PARAMS } from './url';
import { getItem, hook, on, parseJSON, PREFIX, resolved, setItem, store, type Cleanup } from './util';
import { vitals } from './vitals';

/**
 * Option defaults. tracker code spells the numbers out where it reads an option (`num('batchSize', 20)`)
 * instead of looking them up here, so that the IIFE (which does not export DEFAULTS) carries no copy
 * of this object: keep the two in step.
 */
export const DEFAULTS = {
  batchSize: 20,
  flushInterval: 5000,
  maxQueue: 1000,
  sessionTimeout: 1800000, // 30 min
  deadClickMs: 1000,
  respectDNT: true,
  requireConsent: false,
  debug: false,
};

/** At most this many events / bytes per request. */
const MAX_EVENTS = 500;
const MAX_BYTES = 1048576; // 1 MiB
/** Browsers cap keepalive/beacon payloads at 64 KiB in flight; stay below it. */
const KEEPALIVE_BYTES = 61440; // 60 KiB

/** Exponential backoff: 1 s, 2 s, 4 s … capped at 60 s, each with ±25% jitter (so tabs don't sync up). */
export function backoff(attempt: number): number {
  return Math.min(60000, 1000 * 2 ** attempt) * (0.75 + Math.random() / 2);
}

/** UTF-8 byte length. */
const byteLength = (s: string): number => new Blob([s]).size;

/** Short, stable, non-reversible-enough tag so storage keys don't carry the whole api key. */
function tag(s: string): string {
  let h = 5381;
  for (let i = 0; i < s.length; i++) h = ((h * 33) ^ s.charCodeAt(i)) >>> 0;
  return h.toString(36);
}

interface Session {
  id: string;
  start: number;
  last: number;
}

/** The unacknowledged queue as stored in localStorage. */
interface Stored {
  /** events */
  e: CrowEvent[];
  /** dropped counter not yet reported */
  d: number;
}

interface Chunk {
  _body: string;
  _ids: Set<string>;
  /** dropped count reported in this chunk's context */
  _dropped: number;
}

export class CROWTracker {
  /** `grant()` starts (or resumes) capture and delivery; `deny()` stops it and wipes stored data. */
  declare readonly consent: { grant(): void; deny(): void; readonly state: ConsentState };
  /** Send a `custom` event with a copy of `properties`. */
  declare readonly track: (name: string, properties?: Properties) => void;
  /** Attach a user id to this and all later events (persisted) and send an `identify` event with traits. */
  declare readonly identify: (userId: string, traits?: Properties) => void;
  /** Start a product view that lasts while the page is visible, sent when the page (view) ends. */
  declare readonly productView: (product: ProductInfo) => void;
  /** New anonymous id, new session, no user (e.g. on logout). */
  declare readonly reset: () => void;
  /** Send everything queued now. Resolves (never rejects) once the attempt is over. */
  declare readonly flush: () => Promise<void>;
  /** Flush, then remove every listener, observer, timer and patch. The instance stays inert. */
  declare readonly shutdown: () => Promise<void>;

  constructor(options: CROWOptions) {
    const o: CROWOptions = options || ({} as CROWOptions);
    const log = (...args: unknown[]) => o.debug && console.log('[crow]', ...args);
    /** `fn`, guarded: errors are logged (debug) and give undefined, never a throw. */
    const safe =
      <A extends unknown[], R>(fn: (...a: A) => R) =>
      (...a: A): R | undefined => {
        try {
          return fn(...a);
        } catch (e) {
          log(e);
        }
      };

    /** Deep copy of user properties; what cannot be serialized (cycles, BigInt) is dropped, never thrown. */
    const copy = (p: unknown): Properties | undefined =>
      safe(() => (p && typeof p == 'object' ? JSON.parse(JSON.stringify(p)) : undefined))();

    // ------------------------------------------------------------ options
    const auto = o.autocapture;
    const want = (k: keyof AutocaptureOptions) => (auto && typeof auto == 'object' ? auto[k] !== false : auto !== false);
    /** A positive number option, else its default `d` (as in DEFAULTS). */
    const num = (k: 'batchSize' | 'flushInterval' | 'maxQueue' | 'sessionTimeout' | 'deadClickMs', d: number) => {
      const v = o[k];
      return typeof v == 'number' && v > 0 ? v : d;
    };
    const apiKey = String(o.apiKey || '');
    const endpoint = String(o.endpoint || '');
    const params = Array.isArray(o.allowedQueryParams) ? o.allowedQueryParams : DEFAULT_QUERY_PARAMS;
    const now = typeof o.now == 'function' ? o.now : Date.now;
    const clean = (href: string) => cleanUrl(href, params);
    const url = endpoint.replace(/\/+$/, '') + '/v1/batch';

    // ------------------------------------------------------------ state
    /** Inert for good: bad config, no DOM, DNT/GPC. */
    let off = typeof document == 'undefined';
    /** shutdown() called: no new events, in-flight delivery finishes. */
    let closed = false;
    /** 401/403: the api key is invalid or revoked; this instance never sends again. */
    let halted = false;
    let state: ConsentState = 'pending';
    /** Storage allowed (consent granted). */
    let persist = false;
    let aid = '';
    let uid: string | undefined;
    let session: Session;
    /** The unacknowledged queue, mirrored to localStorage under this instance's own key. */
    let items: CrowEvent[] = [];
    /** Events dropped because the queue was full, reported in the next batch's context. */
    let dropped = 0;
    let persistScheduled = false;
    const base = 'q:' + tag(apiKey) + ':';
    const key = base + uuid().slice(0, 8);
    /**
     * Events not to put in a new chunk: 1 = in flight (fetch), 2 = handed to sendBeacon while hidden;
     * a beacon gives no answer, so those stay queued until the page is visible again (see show()).
     */
    const busy = new Map<string, 1 | 2>();
    const unbeacon = () => busy.forEach((v, id) => v > 1 && busy.delete(id));
    let timer: ReturnType<typeof setTimeout> | 0 = 0;
    let sending: Promise<void> | 0 = 0;
    let attempt = 0;
    let retryAt = 0;
    /** retryAt came from the server's Retry-After (honoured even at unload and when back online). */
    let serverRetry = false;
    let chunkMax = MAX_EVENTS;
    /** Cleaned URL of the current page view. */
    let page = '';
    /** The tracker's own listeners (removed by shutdown) and the capture modules' (removed by stop). */
    const listeners: Cleanup[] = [];
    const moduleOffs: Cleanup[] = [];
    const ends: ((reason: EndReason) => void)[] = [];
    let started = false;
    let productViews: Products | undefined;

    const active = () => !off && !closed && !halted && state != 'denied';

    // ------------------------------------------------------------ identity
    const fresh = (): Session => {
      const t = now();
      return { id: uuid(), start: t, last: t };
    };
    const saveSession = () => persist && setItem('session', JSON.stringify(session), true);
    const saveIds = () => {
      if (!persist) return;
      setItem('aid', aid);
      setItem('uid', uid);
      saveSession();
    };
    const resetIds = () => {
      aid = uuid();
      uid = undefined;
      session = fresh();
      saveIds();
    };

    // ------------------------------------------------------------ queue
    /** Keys (without `crow:`) of every stored queue of this api key: other tabs, earlier page loads. */
    const storedQueues = () => {
      try {
        return Object.keys(store()!)
          .filter((k) => k.startsWith(PREFIX + base))
          .map((k) => k.slice(PREFIX.length));
      } catch {
        return [];
      }
    };
    const persistQueue = () => {
      // A full localStorage (quota) keeps the events in memory only; they are still sent this page.
      if (persist) setItem(key, items.length || dropped ? JSON.stringify({ e: items, d: dropped } as Stored) : null);
    };
    /** Keep at most `maxQueue` events; the oldest go first and are counted. */
    const trim = () => {
      const over = items.length - num('maxQueue', 1000);
      if (over > 0) {
        items.splice(0, over);
        dropped += over;
      }
    };
    /**
     * Merge queues left in localStorage by earlier page loads or other tabs, then take them over. If
     * another live tab still holds some of those events they may be sent twice, which the server's
     * event_id dedupe makes harmless - duplicates are preferred to loss.
     */
    const adopt = () => {
      const seen = new Set(items.map((e) => e.event_id));
      storedQueues().forEach(
        // guarded per key: a corrupt entry (not JSON, no `e` array) is removed and skipped
        safe((k: string) => {
          const q = parseJSON<Stored>(getItem(k))!;
          setItem(k);
          dropped += q.d | 0;
          q.e.forEach((e) => {
            if (e && e.event_id && !seen.has(e.event_id)) {
              seen.add(e.event_id);
              items.push(e);
            }
          });
        }),
      );
      items.sort((a, b) => a.timestamp - b.timestamp);
      trim();
      persistQueue();
    };
    /** Remove acknowledged (or permanently rejected) events. */
    const remove = (ids: Set<string>) => {
      if (!ids.size) return;
      items = items.filter((e) => !ids.has(e.event_id));
      persistQueue();
    };

    // ------------------------------------------------------------ capture
    const enqueue = (input: EventInput) => {
      const e = { event_id: uuid(), timestamp: now(), anonymous_id: aid, ...input } as CrowEvent;
      if (uid) e.user_id = uid;
      items.push(e);
      trim();
      // Coalesce the writes of one task into a single microtask: a burst of events costs one
      // JSON.stringify, and the write still lands before any unload (which runs in a later task).
      if (persist && !persistScheduled) {
        persistScheduled = true;
        resolved.then(() => {
          persistScheduled = false;
          persistQueue();
        });
      }
      log('event', e.type, e);
      if (items.length - busy.size >= num('batchSize', 20)) flush();
      else schedule();
    };

    const emit: Ctx['_emit'] = (type, properties, extra) => {
      if (!active()) return;
      const t = now();
      // The session id for an event happening now: it rotates after `sessionTimeout` of inactivity,
      // and the ended session gets its `session_end`.
      if (t - session.last > num('sessionTimeout', 1800000)) {
        const ended = session;
        session = fresh();
        enqueue({
          type: 'session_end',
          session_id: ended.id,
          timestamp: ended.last,
          properties: { duration_ms: ended.last - ended.start },
        });
      }
      session.last = t;
      saveSession();
      enqueue({ url: page, timestamp: t, ...extra, type, properties, session_id: session.id });
    };

    const pageView = (referrer: string) =>
      emit('page_view', { vw: innerWidth, vh: innerHeight, device_type: deviceType() }, { title: document.title, referrer });

    const route = () => {
      const next = clean(location.href);
      if (next == page) return;
      end('route');
      const prev = page;
      page = next;
      if (want('pageviews')) pageView(prev);
    };

    const startModules = () => {
      if (started) return;
      started = true;
      const c: Ctx = {
        _emit: emit,
        _describe: (el, withText) => describe(el, clean, withText),
        _page: () => page,
        _clean: clean,
        _now: now,
        _batch: url,
        _on: (target, type, handler) => on(moduleOffs, target, type, handler),
        _offs: moduleOffs,
        _ends: ends,
      };
      // Each module starts on its own: one failing (an exotic browser) must not take the others down.
      const run = <T>(make: () => T) => safe(make)();
      // Order matters at page end: clicks and forms first, products read scroll depth before scroll resets.
      if (want('clicks')) run(() => clicks(c, o.rageClick || {}, num('deadClickMs', 1000)));
      if (want('forms')) run(() => forms(c));
      const scroll = run(() => scrollDepth(c, want('scroll')));
      if (scroll) {
        productViews = run(() => products(c, scroll, want('products')));
        ends.push(scroll._end);
      }
      if (want('performance')) run(() => vitals(c));
      // SPA route detection (history patched, popstate/hashchange observed) runs even without page
      // views: product views and scroll depth end per route. Cleaned URLs are compared, so a
      // replaceState that only touches stripped query parameters or a plain `#section` is no navigation.
      hook(moduleOffs, history, 'pushState', route);
      hook(moduleOffs, history, 'replaceState', route);
      c._on(window, 'popstate', route);
      c._on(window, 'hashchange', route);
      if (want('pageviews')) pageView(document.referrer ? clean(document.referrer) : '');
    };

    const stopModules = () => {
      started = false;
      productViews = undefined;
      ends.length = 0;
      moduleOffs.splice(0).forEach((f) => safe(f)());
    };

    // ------------------------------------------------------------ delivery
    const canSend = (atUnload?: boolean) =>
      !off &&
      !halted &&
      state == 'granted' &&
      !(now() < retryAt && (!atUnload || serverRetry)) &&
      navigator.onLine !== false;

    const clearTimer = () => {
      clearTimeout(timer);
      timer = 0;
    };

    /** Arm the flush timer: the flush interval, or the retry time while backing off. */
    const schedule = () => {
      if (timer || closed || halted || !items.length) return;
      const t = now();
      timer = setTimeout(
        () => {
          timer = 0;
          flush();
        },
        retryAt > t ? retryAt - t : num('flushInterval', 5000),
      );
    };

    /**
     * Next batch of queued events (oldest first) within `maxBytes` / `maxEvents`. At unload
     * (`forFetch` false) an event too big for a beacon is left for the next page load; for fetch an
     * event over 1 MiB can never be accepted and is dropped.
     */
    const chunk = (maxBytes: number, maxEvents: number, forFetch?: boolean): Chunk | undefined => {
      const d = forFetch ? dropped : 0;
      const head = { api_key: apiKey, sent_at: new Date(now()).toISOString(), context: batchContext(d) };
      const baseSize = byteLength(JSON.stringify(head)) + 16;
      const events: CrowEvent[] = [];
      const ids = new Set<string>();
      const hopeless = new Set<string>();
      let size = baseSize;
      for (const e of items) {
        const id = e.event_id;
        if (events.length >= maxEvents) break;
        if (busy.has(id)) continue;
        const s = byteLength(JSON.stringify(e)) + 1;
        if (baseSize + s > maxBytes) {
          if (forFetch) hopeless.add(id);
          continue;
        }
        if (size + s > maxBytes) break;
        events.push(e);
        ids.add(id);
        size += s;
      }
      if (hopeless.size) {
        log('dropped, > 1 MiB:', hopeless.size);
        dropped += hopeless.size;
        remove(hopeless);
      }
      if (events.length) return { _body: JSON.stringify({ ...head, events }), _ids: ids, _dropped: d };
    };

    /**
     * Apply the server's answer (`status` 0: network error) to a chunk. Returns whether to keep sending.
     * 2xx acknowledges every event (accepted, duplicate or permanently rejected alike); 401/403 stop for
     * good; 408/429/5xx and network errors retry (Retry-After, else backoff); 413 halves the batch;
     * 400 and other 4xx drop it.
     */
    const settle = (status: number, retryAfter: string | null | undefined, c: Chunk): boolean => {
      if (status > 199 && status < 300) {
        attempt = 0;
        serverRetry = false;
        dropped = Math.max(0, dropped - c._dropped);
        remove(c._ids);
        return true;
      }
      if (status == 401 || status == 403) {
        halted = true;
        clearTimer();
        log('api key rejected', status);
        return false;
      }
      if (!status || status == 408 || status == 429 || status > 499) {
        // Retry-After: delta-seconds or an HTTP date
        const after = retryAfter ? (isNaN(+retryAfter) ? Date.parse(retryAfter) - now() : +retryAfter * 1000) : NaN;
        serverRetry = after == after;
        const wait = serverRetry ? Math.max(0, after) : backoff(attempt++);
        retryAt = now() + wait;
        log('retry in', wait, status);
        return false;
      }
      if (status == 413 && c._ids.size > 1) chunkMax = Math.ceil(c._ids.size / 2);
      else {
        log('drop', status);
        remove(c._ids);
      }
      return true;
    };

    /**
     * fetch with `Content-Type: text/plain` - a CORS "simple request", so no preflight round-trip - and
     * `keepalive` when the body fits the browser's keepalive quota, so a send started just before
     * navigation still completes. Resolves with settle()'s verdict.
     */
    const send = async (c: Chunk): Promise<boolean> => {
      let status = 0;
      let retryAfter: string | null = null;
      c._ids.forEach((id) => busy.set(id, 1));
      try {
        const res = await fetch(url, {
          method: 'POST',
          body: c._body,
          headers: { 'Content-Type': 'text/plain' },
          keepalive: byteLength(c._body) < KEEPALIVE_BYTES,
          credentials: 'omit',
        });
        status = res.status;
        retryAfter = res.headers.get('Retry-After');
      } catch {}
      c._ids.forEach((id) => busy.delete(id));
      return settle(status, retryAfter, c);
    };

    /** Send chunks one at a time until the queue is empty or the server asks us to stop or wait. */
    const loop = async () => {
      for (let c; canSend() && (c = chunk(MAX_BYTES, chunkMax, true)) && (await send(c)); );
    };

    const flush = (): Promise<void> =>
      safe(() => {
        if (sending) return sending;
        if (canSend() && items.some((e) => !busy.has(e.event_id))) {
          clearTimer();
          return (sending = loop()
            .catch(log)
            .then(() => {
              sending = 0;
              schedule();
            }));
        }
      })() || resolved;

    // ------------------------------------------------------------ page lifecycle
    const end = (reason: EndReason) => ends.forEach((f) => safe(f)(reason));

    /**
     * Tab hidden or page unloading: close out page-level events, write the queue to localStorage
     * (so the next load can resend whatever does not make it) and beacon it.
     */
    const hide = (reason: EndReason) => {
      end(reason);
      persistQueue();
      for (let i = 0, c; i < 16 && canSend(true) && (c = chunk(KEEPALIVE_BYTES, MAX_EVENTS)); i++) {
        // navigator.sendBeacon with a text/plain Blob (no preflight)
        const body = c._body;
        if (!safe(() => navigator.sendBeacon(url, new Blob([body], { type: 'text/plain' })))()) {
          // Beacon refused (quota): one keepalive fetch, whose answer (if the page lives) is handled normally.
          send(c).then(schedule);
          return;
        }
        c._ids.forEach((id) => busy.set(id, 2));
      }
    };

    /**
     * Visible again. Beacons never report success, so their events are still queued: un-mark them so
     * they are resent by fetch and removed on a real acknowledgement. The server dedupes on event_id,
     * so a duplicate costs bandwidth only - never data.
     */
    const show = () => {
      unbeacon();
      safe(() => productViews && productViews._resume())();
      schedule();
    };

    // ------------------------------------------------------------ consent
    const setConsent = (s: 'granted' | 'denied') => {
      if (off) return log('disabled');
      state = s;
      setItem('consent', s);
      if (s == 'granted') {
        persist = true;
        saveIds();
        adopt(); // writes the in-memory buffer and adopts earlier queues
        if (!closed) startModules();
        flush();
      } else {
        stopModules();
        clearTimer();
        // Forget everything, in memory and in storage (including queues of earlier loads) and ids.
        items = [];
        dropped = 0;
        storedQueues().forEach((k) => setItem(k));
        persist = false;
        unbeacon();
        setItem('aid');
        setItem('uid');
        setItem('session', null, true);
        resetIds(); // forgets them in memory too
      }
    };

    // ------------------------------------------------------------ setup
    if (!off && (!apiKey || !endpoint)) {
      off = true;
      console.warn('[crow] apiKey and endpoint are required');
    }
    // Do Not Track or Global Privacy Control
    const n = navigator as Navigator & { globalPrivacyControl?: boolean };
    if (!off && o.respectDNT !== false && (n.globalPrivacyControl === true || n.doNotTrack == '1')) {
      off = true;
      log('DNT/GPC');
    }
    if (!off) {
      try {
        // `requireConsent` without a stored choice starts `pending`; without `requireConsent` it is implied.
        const choice = getItem('consent');
        state = choice == 'granted' || choice == 'denied' ? choice : o.requireConsent ? 'pending' : 'granted';
        // While consent is pending everything stays in memory; it is written once storage is allowed.
        persist = state == 'granted';
        aid = (persist && getItem('aid')) || uuid();
        uid = (persist && getItem('uid')) || undefined;
        const s = persist && parseJSON<Session>(getItem('session', true));
        session = s && s.id ? s : fresh();
        saveIds();
        if (persist) adopt();
        page = clean(location.href);
        on(listeners, document, 'visibilitychange', () =>
          document.visibilityState == 'hidden' ? hide('hidden') : show(),
        );
        on(listeners, window, 'pagehide', () => hide('pagehide'));
        on(listeners, window, 'pageshow', (e: PageTransitionEvent) => e.persisted && show());
        on(listeners, window, 'online', () => {
          if (!serverRetry) retryAt = attempt = 0;
          flush();
        });
        if (state != 'denied') startModules();
        schedule(); // events adopted from an earlier page load
      } catch (e) {
        off = true;
        log(e);
      }
    }

    const self = this as { -readonly [K in keyof CROWTracker]: CROWTracker[K] };
    self.consent = {
      grant: safe(() => setConsent('granted')),
      deny: safe(() => setConsent('denied')),
      get state() {
        return off ? 'denied' : state;
      },
    };
    self.track = safe((name: string, properties?: Properties) => {
      if (!name) return log('no name');
      emit('custom', copy(properties), { name: String(name) });
    });
    self.identify = safe((userId: string, traits?: Properties) => {
      if (!active() || userId == null || userId === '') return;
      uid = String(userId);
      saveIds();
      emit('identify', copy(traits));
    });
    self.productView = safe((product: ProductInfo) => {
      if (product && product.id != null && productViews) productViews._manual(product);
    });
    self.reset = safe(() => active() && resetIds());
    self.flush = flush;
    self.shutdown = () =>
      safe(() => {
        if (off || closed) return;
        stopModules();
        listeners.splice(0).forEach((f) => f());
        closed = true;
        clearTimer();
        return flush().then(() => {
          clearTimer();
          persistQueue();
        });
      })() || resolved;
  }
}
