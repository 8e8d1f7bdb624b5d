/** HTTP delivery to `POST {endpoint}/v1/batch` and classification of the server's answers. */

export const MAX_EVENTS = 500;
export const MAX_BYTES = 1024 * 1024;
/** Browsers cap keepalive/beacon payloads at 64 KiB in flight; stay below it. */
export const KEEPALIVE_BYTES = 60 * 1024;

export type Outcome =
  /** 2xx: every event of the batch is acknowledged (accepted, duplicate or rejected). */
  | { kind: 'ack' }
  /** 400 and other permanent 4xx: the batch can never succeed; drop it. */
  | { kind: 'drop'; status: number }
  /** 413: too large; split it. */
  | { kind: 'split' }
  /** 401/403: the key is invalid or revoked; stop for good. */
  | { kind: 'fatal'; status: number }
  /** 429/503/5xx/network: try again later; `after` (ms) when the server said so. */
  | { kind: 'retry'; after?: number; status?: number };

/** `Retry-After` is delta-seconds or an HTTP date. */
export function parseRetryAfter(v: string | null, now: number): number | undefined {
  if (!v) return undefined;
  const s = Number(v);
  if (!isNaN(s)) return Math.max(0, s * 1000);
  const d = Date.parse(v);
  return isNaN(d) ? undefined : Math.max(0, d - now);
}

export function classify(status: number, retryAfter: string | null, now: number): Outcome {
  if (status >= 200 && status < 300) return { kind: 'ack' };
  if (status === 401 || status === 403) return { kind: 'fatal', status };
  if (status === 413) return { kind: 'split' };
  if (status === 408 || status === 429 || status >= 500) {
    return { kind: 'retry', status, after: parseRetryAfter(retryAfter, now) };
  }
  return { kind: 'drop', status };
}

/** UTF-8 byte length without allocating. */
export function byteLength(s: string): number {
  let n = 0;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c < 0x80) n += 1;
    else if (c < 0x800) n += 2;
    else if (c >= 0xd800 && c < 0xdc00) {
      n += 4;
      i++;
    } else n += 3;
  }
  return n;
}

/**
 * fetch with `Content-Type: text/plain` - a CORS "simple request", so no preflight round-trip - and
 * `keepalive` when the body fits the browser's keepalive quota, so a send started just before
 * navigation still completes.
 */
export async function post(url: string, body: string, now: () => number): Promise<Outcome> {
  try {
    if (typeof fetch !== 'function') return { kind: 'retry' };
    const res = await fetch(url, {
      method: 'POST',
      body,
      headers: { 'Content-Type': 'text/plain' },
      keepalive: byteLength(body) < KEEPALIVE_BYTES,
      credentials: 'omit',
    });
    return classify(res.status, res.headers && res.headers.get('Retry-After'), now());
  } catch {
    return { kind: 'retry' };
  }
}

/** navigator.sendBeacon with a text/plain Blob (no preflight). False when the browser refused it. */
export function beacon(url: string, body: string): boolean {
  try {
    const n = navigator;
    if (!n || typeof n.sendBeacon !== 'function') return false;
    return n.sendBeacon(url, new Blob([body], { type: 'text/plain' }));
  } catch {
    return false;
  }
}
