/**
 * CROWTracker: the core. Owns identity, sessions and the page lifecycle, and wires together the
 * delivery modules (`consent`, `queue`, `transport`) and the capture modules.
 *
 * Everything lives in one closure built by the constructor, and each module is a closure built by its
 * factory (closures minify far better than classes: locals shrink to one letter, `this._member` does
 * not). Every public method is guarded: the SDK never throws into the host page.
 */

import { clicks } from './autocapture/clicks';
import { forms } from './autocapture/forms';
import { products, type Products } from './autocapture/products';
import { scrollDepth } from './autocapture/scroll';
import { createConsent } from './consent';
import { deviceType } from './context';
import { uuid } from './ids';
import type { Core, Ctx, EndReason, NumOption } from './module';
import { createQueue } from './queue';
import { describe } from './selector';
import { createTransport } from './transport';
import type { AutocaptureOptions, ConsentState, CROWOptions, CrowEvent, EventInput, ProductInfo, Properties } from './types';
import { cleanUrl, DEFAULT_QUERY_PARAMS } from './url';
import { getItem, hook, on, parseJSON, resolved, setItem, type Cleanup } from './util';
import { vitals } from './vitals';

/**
 * Option defaults. The SDK's code spells the numbers out where it reads an option (`num('batchSize', 20)`)
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

interface Session {
  id: string;
  start: number;
  last: number;
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
    const num = (k: NumOption, d: number) => {
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
    let aid = '';
    let uid: string | undefined;
    let session: Session;
    /** Cleaned URL of the current page view. */
    let page = '';
    /** The tracker's own listeners (removed by shutdown) and the capture modules' (removed by stop). */
    const listeners: Cleanup[] = [];
    const moduleOffs: Cleanup[] = [];
    const ends: ((reason: EndReason) => void)[] = [];
    let started = false;
    let productViews: Products | undefined;

    // ------------------------------------------------------------ consent, queue, transport
    const core: Core = { _o: o, _log: log, _safe: safe, _num: num, _apiKey: apiKey, _now: now, _batch: url };
    /**
     * Storage and delivery allowed: consent granted (and not `off`: `consent.state` is then `denied`).
     * While consent is pending everything stays in memory. (`consent` itself is created below, once
     * setConsent, which it calls, exists; nothing here runs before that.)
     */
    const persist = () => consent._api.state == 'granted';
    const queue = createQueue(core, persist);
    const transport = createTransport(core, queue, persist, () => closed);

    /** Capturing: not `off` (`consent.state` is then `denied`), not shut down, not halted by a 401/403. */
    const active = () => !closed && !transport._halted() && consent._api.state != 'denied';

    // ------------------------------------------------------------ identity
    const fresh = (): Session => {
      const t = now();
      return { id: uuid(), start: t, last: t };
    };
    const saveSession = () => persist() && setItem('session', JSON.stringify(session), true);
    const saveIds = () => {
      if (!persist()) return;
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

    // ------------------------------------------------------------ capture
    const enqueue = (input: EventInput) => {
      const e = { event_id: uuid(), timestamp: now(), anonymous_id: aid, ...input } as CrowEvent;
      if (uid) e.user_id = uid;
      queue._push(e);
      log('event', e.type, e);
      transport._queued();
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

    // ------------------------------------------------------------ page lifecycle
    const end = (reason: EndReason) => ends.forEach((f) => safe(f)(reason));

    /**
     * Tab hidden or page unloading: close out page-level events, write the queue to localStorage
     * (so the next load can resend whatever does not make it) and beacon it.
     */
    const hide = (reason: EndReason) => {
      end(reason);
      queue._save();
      transport._beacon();
    };

    /**
     * Visible again. Beacons never report success, so their events are still queued: un-mark them so
     * they are resent by fetch and removed on a real acknowledgement. The server dedupes on event_id,
     * so a duplicate costs bandwidth only - never data.
     */
    const show = () => {
      transport._unbeacon();
      safe(() => productViews && productViews._resume())();
      transport._schedule();
    };

    // ------------------------------------------------------------ consent
    /** What a choice just made (and stored) by consent.grant() / deny() does to capture, storage and delivery. */
    const setConsent = (s: 'granted' | 'denied') => {
      if (s == 'granted') {
        saveIds();
        queue._adopt(); // writes the in-memory buffer and adopts earlier queues
        if (!closed) startModules();
        transport._flush();
      } else {
        stopModules();
        transport._clearTimer();
        // Forget everything, in memory and in storage (including queues of earlier loads) and ids.
        queue._clear();
        transport._unbeacon();
        setItem('aid');
        setItem('uid');
        setItem('session', null, true);
        resetIds(); // forgets them in memory too
      }
    };

    const consent = createConsent(core, () => off, setConsent);

    // ------------------------------------------------------------ setup
    if (!off && (!apiKey || !endpoint)) {
      off = true;
      console.warn('[crow] apiKey and endpoint are required');
    }
    // Do Not Track or Global Privacy Control; else the starting consent state
    if (!off && !consent._init()) off = true;
    if (!off) {
      try {
        // While consent is pending everything stays in memory; it is written once storage is allowed.
        aid = (persist() && getItem('aid')) || uuid();
        uid = (persist() && getItem('uid')) || undefined;
        const s = persist() && parseJSON<Session>(getItem('session', true));
        session = s && s.id ? s : fresh();
        saveIds();
        if (persist()) queue._adopt();
        page = clean(location.href);
        on(listeners, document, 'visibilitychange', () =>
          document.visibilityState == 'hidden' ? hide('hidden') : show(),
        );
        on(listeners, window, 'pagehide', () => hide('pagehide'));
        on(listeners, window, 'pageshow', (e: PageTransitionEvent) => e.persisted && show());
        on(listeners, window, 'online', transport._online);
        if (consent._api.state != 'denied') startModules();
        transport._schedule(); // events adopted from an earlier page load
      } catch (e) {
        off = true;
        log(e);
      }
    }

    const self = this as { -readonly [K in keyof CROWTracker]: CROWTracker[K] };
    self.consent = consent._api;
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
    self.flush = transport._flush;
    self.shutdown = () =>
      safe(() => {
        if (off || closed) return;
        stopModules();
        listeners.splice(0).forEach((f) => f());
        closed = true;
        transport._clearTimer();
        return transport._flush().then(() => {
          transport._clearTimer();
          queue._save();
        });
      })() || resolved;
  }
}
