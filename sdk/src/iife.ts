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

type Call = [string, ...unknown[]];

const w = window as unknown as { CROW?: any };
const stub = w.CROW;
let tracker: CROWTracker | undefined;
/** Calls made before a tracker exists (no data-api-key and no `init` yet). */
const waiting: Call[] = [];

const flag = (v: string | undefined) => v !== undefined && v !== 'false' && v !== '0';

function fromScript(): CROWOptions | undefined {
  const s = (document.currentScript ||
    document.querySelector('script[data-api-key][src*="crow"]')) as HTMLScriptElement | null;
  const d = s && s.dataset;
  if (!d || !d.apiKey) return undefined;
  return {
    apiKey: d.apiKey,
    endpoint: d.endpoint || '',
    requireConsent: flag(d.requireConsent),
    debug: flag(d.debug),
  };
}

function init(options: CROWOptions): CROWTracker {
  if (!tracker) {
    tracker = new CROWTracker(options);
    api.tracker = tracker;
    waiting.splice(0).forEach(run);
  }
  return tracker;
}

/** Run one call: `['track', name, props]`, `['init', options]`, `['consent.grant']` … Never throws. */
function run(call: Call): unknown {
  try {
    const [method, ...args] = call;
    if (method === 'init') return init(args[0] as CROWOptions);
    if (!tracker) return void waiting.push(call);
    const path = String(method).split('.');
    const owner = path.length > 1 ? (tracker as any)[path[0]] : tracker;
    const fn = owner && owner[path[path.length - 1]];
    return typeof fn === 'function' ? fn.apply(owner, args) : undefined;
  } catch {
    return undefined;
  }
}

/** `flush()` / `shutdown()` always return a Promise, even before a tracker exists. */
const call =
  (method: string) =>
  (...args: unknown[]) =>
    run([method, ...args]) || (/^(flush|shutdown)$/.test(method) ? Promise.resolve() : undefined);

const api = {
  tracker: undefined as CROWTracker | undefined,
  CROWTracker,
  init,
  push: (...calls: Call[]) => calls.forEach(run),
  track: call('track'),
  identify: call('identify'),
  productView: call('productView'),
  reset: call('reset'),
  flush: call('flush'),
  shutdown: call('shutdown'),
  consent: { grant: call('consent.grant'), deny: call('consent.deny') },
};

const fromTag = fromScript();
if (fromTag) init(fromTag);
w.CROW = api;
// Replay the stub's queue in order: an array stub holds calls itself, an object stub in `.q`.
const queued: Call[] = Array.isArray(stub) ? stub : stub && Array.isArray(stub.q) ? stub.q : [];
queued.forEach(run);
