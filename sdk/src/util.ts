/** Small helpers shared by every module. None of them may throw. */

export const PREFIX = 'crow:';

export type Cleanup = () => void;

export const noop = (): void => {};

/** One shared settled promise: `flush()` / `shutdown()` resolve with it when there is nothing to do. */
export const resolved: Promise<void> = Promise.resolve();

/** localStorage (default) or sessionStorage; undefined where access throws (sandboxed iframes, disabled storage). */
export function store(session?: boolean): Storage | undefined {
  try {
    return session ? sessionStorage : localStorage;
  } catch {}
}

/** `crow:`-prefixed read; null when missing or when storage throws. */
export function getItem(key: string, session?: boolean): string | null {
  try {
    return store(session)!.getItem(PREFIX + key);
  } catch {
    return null;
  }
}

/** `crow:`-prefixed write; `null`/`undefined` removes the key. Quota and security errors are swallowed. */
export function setItem(key: string, value?: string | null, session?: boolean): void {
  try {
    const s = store(session)!;
    value == null ? s.removeItem(PREFIX + key) : s.setItem(PREFIX + key, value);
  } catch {}
}

export function parseJSON<T>(raw: string | null): T | null | undefined {
  try {
    return JSON.parse(raw!); // null → null
  } catch {}
}

/**
 * addEventListener (capture phase; nothing here ever calls preventDefault) with a try/catch around the handler; its removal is pushed onto
 * `offs`, so every module only has to run its list to clean up.
 */
export function on(offs: Cleanup[], target: EventTarget, type: string, handler: (e: any) => void): void {
  const h = (e: Event) => {
    try {
      handler(e);
    } catch {}
  };
  target.addEventListener(type, h, true);
  offs.push(() => target.removeEventListener(type, h, true));
}

/**
 * Wrap the method `obj[key]` so that `after(args)` runs (guarded) after every call to the original.
 * The cleanup pushed onto `offs` restores the original when nobody patched over us; otherwise it turns
 * our wrapper into a pass-through so another library's patch keeps working.
 */
export function hook(offs: Cleanup[], obj: any, key: string, after: (args: any[]) => void): void {
  const original = obj && obj[key];
  if (typeof original != 'function') return;
  let live = true;
  const wrapped = (obj[key] = function (this: unknown, ...args: unknown[]) {
    const r = original.apply(this, args);
    if (live) {
      try {
        after(args);
      } catch {}
    }
    return r;
  });
  offs.push(() => {
    live = false;
    if (obj[key] === wrapped) obj[key] = original;
  });
}

export const round = Math.round;
