/**
 * Script-tag entry (dist/crow.js), exposing `window.CROW`.
 *
 *   <script src=".../crow.js" data-api-key="pk_live_…" data-endpoint="https://ingest…"></script>
 *
 * Reads its configuration from `document.currentScript` data attributes, then replays calls queued by
 * a pre-load stub - either an array (`window.CROW = window.CROW || []; CROW.push(['track', …])`) or
 * an object with a `q` array of `[method, ...args]` - and replaces the stub with the live API.
 */

import { CROWTracker } from './tracker';
import type { CROWOptions } from './types';
import { resolved } from './util';

type Call = [string, ...unknown[]];

const w = window as unknown as { CROW?: any };
const stub = w.CROW;
let tracker: CROWTracker | undefined;
/** Calls made before a tracker exists (no data-api-key and no `init` yet). */
const waiting: Call[] = [];

/** A present attribute is true unless it says "false" or "0". */
const flag = (v: string | undefined) => v != null && v != 'false' && v != '0';

function init(options: CROWOptions): CROWTracker {
  if (!tracker) {
    api.tracker = tracker = new CROWTracker(options);
    waiting.splice(0).forEach(run);
  }
  return tracker;
}

/** Run one call: `['track', name, props]`, `['init', options]`, `['consent.grant']` … Never throws. */
function run(call: Call): unknown {
  try {
    const [method, ...args] = call;
    if (method == 'init') return init(args[0] as CROWOptions);
    if (!tracker) return void waiting.push(call);
    const path = String(method).split('.');
    const owner = path[1] ? (tracker as any)[path[0]] : tracker;
    return owner[path.pop()!].apply(owner, args); // not a function: caught
  } catch {}
}

const api: Record<string, any> = { CROWTracker, init, push: (...calls: Call[]) => calls.forEach(run), consent: {} };
// `flush()` / `shutdown()` always return a Promise, even before a tracker exists.
'track identify productView reset flush shutdown consent.grant consent.deny'.split(' ').forEach((m) => {
  const [a, b] = m.split('.');
  (b ? api.consent : api)[b || a] = (...args: unknown[]) =>
    run([m, ...args]) || (/^f|^sh/.test(m) ? resolved : undefined);
});

const s = (document.currentScript ||
  document.querySelector('script[data-api-key][src*="crow"]')) as HTMLScriptElement | null;
const d = s && s.dataset;
if (d && d.apiKey) {
  init({ apiKey: d.apiKey, endpoint: d.endpoint || '', requireConsent: flag(d.requireConsent), debug: flag(d.debug) });
}
w.CROW = api;
// Replay the stub's queue in order: an array stub holds calls itself, an object stub in `.q`.
(Array.isArray(stub) ? stub : stub && Array.isArray(stub.q) ? stub.q : []).forEach(run);
