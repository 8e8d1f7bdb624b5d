/**
 * Consent: the state (`pending` / `granted` / `denied`), the stored choice (`crow:consent`),
 * `requireConsent`, Do Not Track / Global Privacy Control and the public `tracker.consent` object.
 * What a grant or a deny does to capture, storage and delivery is the tracker's `apply`.
 */

import type { Core } from './module';
import type { ConsentState } from './types';
import { getItem, setItem } from './util';

export interface Consent {
  /**
   * Starting state, once the tracker is configured: false (the tracker stays inert for good) under
   * DNT/GPC unless `respectDNT: false`; else the stored choice, or `pending` with `requireConsent`
   * and no choice yet, or `granted` (implied without `requireConsent`).
   */
  _init(): boolean;
  /** `tracker.consent` */
  _api: { grant(): void; deny(): void; readonly state: ConsentState };
}

/** `off`: the tracker is inert (bad config, no DOM, DNT/GPC); `apply`: carry out a choice just made. */
export function createConsent(c: Core, off: () => boolean, apply: (s: 'granted' | 'denied') => void): Consent {
  const n = navigator as Navigator & { globalPrivacyControl?: boolean };
  let state: ConsentState = 'pending';
  const set = (s: 'granted' | 'denied') => {
    if (off()) return c._log('disabled');
    state = s;
    setItem('consent', s);
    apply(s);
  };
  return {
    _init() {
      // Do Not Track or Global Privacy Control
      if (c._o.respectDNT !== false && (n.globalPrivacyControl === true || n.doNotTrack == '1')) {
        c._log('DNT/GPC');
        return false;
      }
      const choice = getItem('consent');
      state = choice == 'granted' || choice == 'denied' ? choice : c._o.requireConsent ? 'pending' : 'granted';
      return true;
    },
    _api: {
      grant: c._safe(() => set('granted')),
      deny: c._safe(() => set('denied')),
      get state() {
        return off() ? 'denied' : state;
      },
    },
  };
}
