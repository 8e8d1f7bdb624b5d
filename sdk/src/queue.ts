/**
 * The unacknowledged queue: events in memory, mirrored to localStorage (`crow:q:{key tag}:{instance}`)
 * while storage is allowed, bounded to `maxQueue` (the oldest go first and are counted as dropped,
 * reported in a later batch's context). Events leave it only when acknowledged or permanently rejected.
 */

import { uuid } from './ids';
import type { Core } from './module';
import type { CrowEvent } from './types';
import { getItem, parseJSON, PREFIX, resolved, setItem, store } from './util';

/** The unacknowledged queue as stored in localStorage. */
interface Stored {
  /** events */
  e: CrowEvent[];
  /** dropped counter not yet reported */
  d: number;
}

export interface Queue {
  /** The queued events, oldest first. Removal replaces the array: call again rather than keep it. */
  _items(): CrowEvent[];
  /** Events dropped (queue full, too big to send) and not yet reported. */
  _dropped(): number;
  /** Append an event; the storage write of one task's events is coalesced into one microtask. */
  _push(e: CrowEvent): void;
  /** Remove acknowledged (or permanently rejected) events; `lost` is added to the dropped counter first. */
  _remove(ids: Set<string>, lost?: number): void;
  /** Write the queue to localStorage now (when storage is allowed). */
  _save(): void;
  /** Take over the queues earlier page loads and other tabs left in localStorage. */
  _adopt(): void;
  /** Forget every event, in memory and in storage (including earlier loads' queues), and the counter. */
  _clear(): void;
}

/** Short, stable, non-reversible-enough tag so storage keys don't carry the whole api key. */
function tag(s: string): string {
  let h = 5381;
  for (let i = 0; i < s.length; i++) h = ((h * 33) ^ s.charCodeAt(i)) >>> 0;
  return h.toString(36);
}

/** `persist`: whether storage is allowed (consent granted); while it is not, everything stays in memory. */
export function createQueue(c: Core, persist: () => boolean): Queue {
  let items: CrowEvent[] = [];
  let dropped = 0;
  let saveScheduled = false;
  const base = 'q:' + tag(c._apiKey) + ':';
  const key = base + uuid().slice(0, 8);

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
  const save = () => {
    // A full localStorage (quota) keeps the events in memory only; they are still sent this page.
    if (persist()) setItem(key, items.length || dropped ? JSON.stringify({ e: items, d: dropped } as Stored) : null);
  };
  /** Keep at most `maxQueue` events; the oldest go first and are counted. */
  const trim = () => {
    const over = items.length - c._num('maxQueue', 1000);
    if (over > 0) {
      items.splice(0, over);
      dropped += over;
    }
  };

  return {
    _items: () => items,
    _dropped: () => dropped,
    _push(e) {
      items.push(e);
      trim();
      // Coalesce the writes of one task into a single microtask: a burst of events costs one
      // JSON.stringify, and the write still lands before any unload (which runs in a later task).
      if (persist() && !saveScheduled) {
        saveScheduled = true;
        resolved.then(() => {
          saveScheduled = false;
          save();
        });
      }
    },
    _remove(ids, lost = 0) {
      dropped = Math.max(0, dropped + lost);
      if (!ids.size) return;
      items = items.filter((e) => !ids.has(e.event_id));
      save();
    },
    _save: save,
    /**
     * Merge, then take over. If another live tab still holds some of those events they may be sent
     * twice, which the server's event_id dedupe makes harmless - duplicates are preferred to loss.
     */
    _adopt() {
      const seen = new Set(items.map((e) => e.event_id));
      storedQueues().forEach(
        // guarded per key: a corrupt entry (not JSON, no `e` array) is removed and skipped
        c._safe((k: string) => {
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
      save();
    },
    _clear() {
      items = [];
      dropped = 0;
      storedQueues().forEach((k) => setItem(k));
    },
  };
}
