/** Small helpers shared by every module. None of them may throw. */

export const PREFIX = 'crow:';

export type Cleanup = () => void;

/** Run `fn`, swallowing (and optionally logging) any error: the SDK never throws into the host page. */
export function safe<A extends unknown[], R>(fn: (...args: A) => R, log?: (e: unknown) => void) {
  return (...args: A): R | undefined => {
    try {
      return fn(...args);
    } catch (e) {
      if (log) log(e);
      return undefined;
    }
  };
}

/** addEventListener that returns its own removal, with a try/catch around the handler. */
export function on(
  target: EventTarget | undefined | null,
  type: string,
  handler: (e: any) => void,
  capture = true,
): Cleanup {
  if (!target || !target.addEventListener) return noop;
  const h = safe(handler);
  const opts: AddEventListenerOptions = { capture, passive: true };
  target.addEventListener(type, h, opts);
  return () => target.removeEventListener(type, h, opts);
}

export function noop(): void {}

/**
 * Monkey-patch `obj[key]`. The returned cleanup restores the original when nobody patched over us;
 * otherwise it turns our wrapper into a pass-through so another library's patch keeps working.
 */
export function patch<T extends object, K extends keyof T>(
  obj: T | undefined,
  key: K,
  make: (original: T[K]) => T[K],
): Cleanup {
  const original = obj && obj[key];
  if (!obj || typeof original !== 'function') return noop;
  let active = true;
  const wrapped = make(original);
  const guarded = function (this: unknown, ...args: unknown[]) {
    return ((active ? wrapped : original) as any).apply(this, args);
  } as unknown as T[K];
  obj[key] = guarded;
  return () => {
    active = false;
    if (obj[key] === guarded) obj[key] = original;
  };
}

/** Storage access guarded against SecurityError (sandboxed iframes, disabled cookies) and quota errors. */
export function storage(kind: 'localStorage' | 'sessionStorage'): Storage | undefined {
  try {
    const s = window[kind];
    return s || undefined;
  } catch {
    return undefined;
  }
}

export function getItem(kind: 'localStorage' | 'sessionStorage', key: string): string | null {
  try {
    return storage(kind)?.getItem(PREFIX + key) ?? null;
  } catch {
    return null;
  }
}

/** Returns false when the write failed (quota, private mode). `null` removes the key. */
export function setItem(kind: 'localStorage' | 'sessionStorage', key: string, value: string | null): boolean {
  try {
    const s = storage(kind);
    if (!s) return false;
    if (value === null) s.removeItem(PREFIX + key);
    else s.setItem(PREFIX + key, value);
    return true;
  } catch {
    return false;
  }
}

export function parseJSON<T>(raw: string | null): T | undefined {
  if (!raw) return undefined;
  try {
    return JSON.parse(raw) as T;
  } catch {
    return undefined;
  }
}

export const round = (n: number) => Math.round(n);

export function clamp(n: number, lo: number, hi: number): number {
  return n < lo ? lo : n > hi ? hi : n;
}

export const hasWindow = () => typeof window !== 'undefined' && typeof document !== 'undefined';
