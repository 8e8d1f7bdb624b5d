/**
 * The unacknowledged-event queue. Events live in memory and are mirrored to localStorage until the
 * server acknowledges them, so nothing is lost when the page unloads.
 *
 * Each tracker instance writes its own key (`crow:q:<key hash>:<instance>`) because several tabs share
 * one localStorage: a single shared key would let tabs overwrite each other's pending events. On start
 * a tracker adopts every queue left for its api key (reloads, closed tabs) and resends it; if another
 * live tab still holds some of those events they may be sent twice, which the server's event_id dedupe
 * makes harmless - duplicates are preferred to loss.
 */

import type { CrowEvent } from './types';
import { uuid } from './ids';
import { getItem, parseJSON, PREFIX, setItem, storage } from './util';

interface Stored {
  /** events */
  e: CrowEvent[];
  /** dropped counter not yet reported */
  d: number;
}

/** Short, stable, non-reversible-enough tag so storage keys don't carry the whole api key. */
function tag(s: string): string {
  let h = 5381;
  for (let i = 0; i < s.length; i++) h = ((h * 33) ^ s.charCodeAt(i)) >>> 0;
  return h.toString(36);
}

export class Queue {
  items: CrowEvent[] = [];
  /** Events dropped because the queue was full, reported in the next batch's context. */
  dropped = 0;
  private readonly _base: string;
  private readonly _key: string;
  private _scheduled = false;

  constructor(
    apiKey: string,
    private readonly _max: number,
    private _persistent: boolean,
  ) {
    this._base = `q:${tag(apiKey)}:`;
    this._key = this._base + uuid().slice(0, 8);
    if (_persistent) this._adopt();
  }

  /** Merge queues left in localStorage by earlier page loads or other tabs, then take them over. */
  private _adopt(): void {
    const s = storage('localStorage');
    if (!s) return;
    const keys: string[] = [];
    try {
      for (let i = 0; i < s.length; i++) {
        const k = s.key(i);
        if (k && k.indexOf(PREFIX + this._base) === 0) keys.push(k.slice(PREFIX.length));
      }
    } catch {
      return;
    }
    const seen = new Set(this.items.map((e) => e.event_id));
    for (const k of keys) {
      const q = parseJSON<Stored>(getItem('localStorage', k));
      setItem('localStorage', k, null);
      if (!q || !Array.isArray(q.e)) continue;
      this.dropped += q.d | 0;
      for (const e of q.e) {
        if (e && e.event_id && !seen.has(e.event_id)) {
          seen.add(e.event_id);
          this.items.push(e);
        }
      }
    }
    this.items.sort((a, b) => a.timestamp - b.timestamp);
    this._trim();
    this.persist();
  }

  push(e: CrowEvent): void {
    this.items.push(e);
    this._trim();
    this._schedulePersist();
  }

  /** Keep at most `max` events; the oldest go first and are counted. */
  private _trim(): void {
    const over = this.items.length - this._max;
    if (over > 0) {
      this.items.splice(0, over);
      this.dropped += over;
    }
  }

  /** Remove acknowledged (or permanently rejected) events. */
  remove(ids: Set<string>): void {
    if (!ids.size) return;
    this.items = this.items.filter((e) => !ids.has(e.event_id));
    this.persist();
  }

  /**
   * Coalesce the writes of one task into a single microtask: a burst of events costs one
   * JSON.stringify, and the write still lands before any unload (which runs in a later task).
   */
  private _schedulePersist(): void {
    if (this._scheduled || !this._persistent) return;
    this._scheduled = true;
    Promise.resolve().then(() => {
      this._scheduled = false;
      this.persist();
    });
  }

  persist(): void {
    if (!this._persistent) return;
    if (!this.items.length && !this.dropped) {
      setItem('localStorage', this._key, null);
      return;
    }
    const stored: Stored = { e: this.items, d: this.dropped };
    // A full localStorage (quota) keeps the events in memory only; they are still sent this page.
    setItem('localStorage', this._key, JSON.stringify(stored));
  }

  /** Turn storage on (consent granted: adopt + write) or off (consent denied: wipe). */
  setPersistent(on: boolean): void {
    this._persistent = on;
    if (on) this._adopt();
  }

  /** Forget everything, in memory and in storage (including queues of earlier loads). */
  clear(): void {
    this.items = [];
    this.dropped = 0;
    const was = this._persistent;
    this._persistent = true;
    this._adopt(); // reads and deletes every stored queue of this api key
    this.items = [];
    this.dropped = 0;
    setItem('localStorage', this._key, null);
    this._persistent = was;
  }
}
