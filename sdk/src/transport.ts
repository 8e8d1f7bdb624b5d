/**
 * Delivery of the queue to `POST {endpoint}/v1/batch`: chunking (by events and bytes), fetch with
 * keepalive while the page lives and sendBeacon when it hides, the server's answer (ack, retry with
 * backoff or Retry-After, halve on 413, stop for good on 401/403) and the flush timer.
 */

import { batchContext } from './context';
import type { Core } from './module';
import type { Queue } from './queue';
import type { CrowEvent } from './types';
import { resolved } from './util';

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

interface Chunk {
  _body: string;
  _ids: Set<string>;
  /** dropped count reported in this chunk's context */
  _dropped: number;
}

export interface Transport {
  /** Send everything queued now (one loop at a time). Never rejects. */
  _flush(): Promise<void>;
  /** An event was queued: flush once `batchSize` events wait, else arm the timer. */
  _queued(): void;
  /** Arm the flush timer: the flush interval, or the retry time while backing off. */
  _schedule(): void;
  _clearTimer(): void;
  /** The page hides or unloads: beacon what fits. */
  _beacon(): void;
  /** Beaconed events may be put in new chunks again (see `busy`). */
  _unbeacon(): void;
  /** Back online: retry now, unless the server asked to wait. */
  _online(): void;
  /** A 401/403 came back: the api key is invalid or revoked; this instance never sends again. */
  _halted(): boolean;
}

/**
 * `ready`: the tracker may deliver at all (enabled and consent granted); `closed`: shutdown() was
 * called (in-flight delivery finishes, no timer is armed again).
 */
export function createTransport(c: Core, q: Queue, ready: () => boolean, closed: () => boolean): Transport {
  let halted = false;
  /**
   * Events not to put in a new chunk: 1 = in flight (fetch), 2 = handed to sendBeacon while hidden;
   * a beacon gives no answer, so those stay queued until the page is visible again (`_unbeacon`).
   */
  const busy = new Map<string, 1 | 2>();
  let timer: ReturnType<typeof setTimeout> | 0 = 0;
  let sending: Promise<void> | 0 = 0;
  let attempt = 0;
  let retryAt = 0;
  /** retryAt came from the server's Retry-After (honoured even at unload and when back online). */
  let serverRetry = false;
  let chunkMax = MAX_EVENTS;

  const canSend = (atUnload?: boolean) =>
    ready() && !halted && !(c._now() < retryAt && (!atUnload || serverRetry)) && navigator.onLine !== false;

  const clearTimer = () => {
    clearTimeout(timer);
    timer = 0;
  };

  const schedule = () => {
    if (timer || closed() || halted || !q._items().length) return;
    const t = c._now();
    timer = setTimeout(
      () => {
        timer = 0;
        flush();
      },
      retryAt > t ? retryAt - t : c._num('flushInterval', 5000),
    );
  };

  /**
   * Next batch of queued events (oldest first) within `maxBytes` / `maxEvents`. At unload
   * (`forFetch` false) an event too big for a beacon is left for the next page load; for fetch an
   * event over 1 MiB can never be accepted and is dropped.
   */
  const chunk = (maxBytes: number, maxEvents: number, forFetch?: boolean): Chunk | undefined => {
    const d = forFetch ? q._dropped() : 0;
    const head = { api_key: c._apiKey, sent_at: new Date(c._now()).toISOString(), context: batchContext(d) };
    const baseSize = byteLength(JSON.stringify(head)) + 16;
    const events: CrowEvent[] = [];
    const ids = new Set<string>();
    const hopeless = new Set<string>();
    let size = baseSize;
    for (const e of q._items()) {
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
      c._log('dropped, > 1 MiB:', hopeless.size);
      q._remove(hopeless, hopeless.size);
    }
    if (events.length) return { _body: JSON.stringify({ ...head, events }), _ids: ids, _dropped: d };
  };

  /**
   * Apply the server's answer (`status` 0: network error) to a chunk. Returns whether to keep sending.
   * 2xx acknowledges every event (accepted, duplicate or permanently rejected alike); 401/403 stop for
   * good; 408/429/5xx and network errors retry (Retry-After, else backoff); 413 halves the batch;
   * 400 and other 4xx drop it.
   */
  const settle = (status: number, retryAfter: string | null | undefined, ch: Chunk): boolean => {
    if (status > 199 && status < 300) {
      attempt = 0;
      serverRetry = false;
      q._remove(ch._ids, -ch._dropped);
      return true;
    }
    if (status == 401 || status == 403) {
      halted = true;
      clearTimer();
      c._log('api key rejected', status);
      return false;
    }
    if (!status || status == 408 || status == 429 || status > 499) {
      // Retry-After: delta-seconds or an HTTP date
      const after = retryAfter ? (isNaN(+retryAfter) ? Date.parse(retryAfter) - c._now() : +retryAfter * 1000) : NaN;
      serverRetry = after == after;
      const wait = serverRetry ? Math.max(0, after) : backoff(attempt++);
      retryAt = c._now() + wait;
      c._log('retry in', wait, status);
      return false;
    }
    if (status == 413 && ch._ids.size > 1) chunkMax = Math.ceil(ch._ids.size / 2);
    else {
      c._log('drop', status);
      q._remove(ch._ids);
    }
    return true;
  };

  /**
   * fetch with `Content-Type: text/plain` - a CORS "simple request", so no preflight round-trip - and
   * `keepalive` when the body fits the browser's keepalive quota, so a send started just before
   * navigation still completes. Resolves with settle()'s verdict.
   */
  const send = async (ch: Chunk): Promise<boolean> => {
    let status = 0;
    let retryAfter: string | null = null;
    ch._ids.forEach((id) => busy.set(id, 1));
    try {
      const res = await fetch(c._batch, {
        method: 'POST',
        body: ch._body,
        headers: { 'Content-Type': 'text/plain' },
        keepalive: byteLength(ch._body) < KEEPALIVE_BYTES,
        credentials: 'omit',
      });
      status = res.status;
      retryAfter = res.headers.get('Retry-After');
    } catch {}
    ch._ids.forEach((id) => busy.delete(id));
    return settle(status, retryAfter, ch);
  };

  /** Send chunks one at a time until the queue is empty or the server asks us to stop or wait. */
  const loop = async () => {
    for (let ch; canSend() && (ch = chunk(MAX_BYTES, chunkMax, true)) && (await send(ch)); );
  };

  const flush = (): Promise<void> =>
    c._safe(() => {
      if (sending) return sending;
      if (canSend() && q._items().some((e) => !busy.has(e.event_id))) {
        clearTimer();
        return (sending = loop()
          .catch(c._log)
          .then(() => {
            sending = 0;
            schedule();
          }));
      }
    })() || resolved;

  return {
    _flush: flush,
    _queued: () => (q._items().length - busy.size >= c._num('batchSize', 20) ? flush() : schedule()),
    _schedule: schedule,
    _clearTimer: clearTimer,
    _beacon() {
      for (let i = 0, ch; i < 16 && canSend(true) && (ch = chunk(KEEPALIVE_BYTES, MAX_EVENTS)); i++) {
        // navigator.sendBeacon with a text/plain Blob (no preflight)
        const body = ch._body;
        if (!c._safe(() => navigator.sendBeacon(c._batch, new Blob([body], { type: 'text/plain' })))()) {
          // Beacon refused (quota): one keepalive fetch, whose answer (if the page lives) is handled normally.
          send(ch).then(schedule);
          return;
        }
        ch._ids.forEach((id) => busy.set(id, 2));
      }
    },
    _unbeacon: () => busy.forEach((v, id) => v > 1 && busy.delete(id)),
    _online() {
      if (!serverRetry) retryAt = attempt = 0;
      flush();
    },
    _halted: () => halted,
  };
}
