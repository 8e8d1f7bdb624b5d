/** Identifiers: event ids (UUID v4), the anonymous id (localStorage) and the session (sessionStorage). */

import { getItem, parseJSON, setItem } from './util';

/**
 * RFC 4122 v4 UUID. crypto.randomUUID only exists in secure contexts (https), so plain-http pages
 * fall back to getRandomValues, and a browser without Web Crypto to Math.random.
 */
export function uuid(): string {
  const c: Crypto | undefined = typeof crypto !== 'undefined' ? crypto : undefined;
  if (c && c.randomUUID) return c.randomUUID();
  const b = new Uint8Array(16);
  for (let i = 0; i < 16; i++) b[i] = (Math.random() * 256) | 0;
  if (c && c.getRandomValues) c.getRandomValues(b);
  b[6] = (b[6] & 0x0f) | 0x40;
  b[8] = (b[8] & 0x3f) | 0x80;
  const h = Array.from(b, (x) => (x + 0x100).toString(16).slice(1)).join('');
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20)}`;
}

interface SessionState {
  id: string;
  start: number;
  last: number;
}

/**
 * Holds anonymous id, user id and session. While `persist` is false (consent pending) everything stays
 * in memory; `save()` writes it out once storage is allowed.
 */
export class Identity {
  anonymousId: string;
  userId: string | undefined;
  private _session: SessionState;

  constructor(
    private _now: () => number,
    private _timeout: number,
    private _persist: boolean,
  ) {
    this.anonymousId = (_persist && getItem('localStorage', 'aid')) || uuid();
    this.userId = (_persist && getItem('localStorage', 'uid')) || undefined;
    const s = _persist ? parseJSON<SessionState>(getItem('sessionStorage', 'session')) : undefined;
    this._session = s && s.id ? s : this._fresh();
    this.save();
  }

  private _fresh(): SessionState {
    const t = this._now();
    return { id: uuid(), start: t, last: t };
  }

  /**
   * The session id for an event happening now. Rotates after `timeout` ms of inactivity and returns the
   * ended session so the caller can emit `session_end`.
   */
  touch(): { id: string; ended?: SessionState } {
    const t = this._now();
    let ended: SessionState | undefined;
    if (t - this._session.last > this._timeout) {
      ended = this._session;
      this._session = this._fresh();
    }
    this._session.last = t;
    this._saveSession();
    return { id: this._session.id, ended };
  }

  setUser(id: string | undefined): void {
    this.userId = id;
    this.save();
  }

  /** New anonymous id, new session, no user. */
  reset(): void {
    this.anonymousId = uuid();
    this.userId = undefined;
    this._session = this._fresh();
    this.save();
  }

  enablePersistence(on: boolean): void {
    this._persist = on;
    if (on) this.save();
    else this.clearStored();
  }

  clearStored(): void {
    setItem('localStorage', 'aid', null);
    setItem('localStorage', 'uid', null);
    setItem('sessionStorage', 'session', null);
  }

  save(): void {
    if (!this._persist) return;
    setItem('localStorage', 'aid', this.anonymousId);
    setItem('localStorage', 'uid', this.userId ?? null);
    this._saveSession();
  }

  private _saveSession(): void {
    if (this._persist) setItem('sessionStorage', 'session', JSON.stringify(this._session));
  }
}
