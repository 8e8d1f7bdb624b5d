/** Consent state (persisted in localStorage) and browser privacy signals. */

import { getItem, setItem } from './util';

export type ConsentState = 'granted' | 'denied' | 'pending';

/** Do Not Track or Global Privacy Control is switched on. */
export function privacySignal(): boolean {
  try {
    const n = navigator as Navigator & { globalPrivacyControl?: boolean; msDoNotTrack?: string };
    const w = window as Window & { doNotTrack?: string };
    return n.globalPrivacyControl === true || n.doNotTrack === '1' || w.doNotTrack === '1' || n.msDoNotTrack === '1';
  } catch {
    return false;
  }
}

export function storedConsent(): ConsentState | undefined {
  const v = getItem('localStorage', 'consent');
  return v === 'granted' || v === 'denied' ? v : undefined;
}

export function storeConsent(state: 'granted' | 'denied'): void {
  setItem('localStorage', 'consent', state);
}

/** `requireConsent` without a stored choice starts `pending`; without `requireConsent` it is implied. */
export function initialConsent(requireConsent: boolean): ConsentState {
  return storedConsent() ?? (requireConsent ? 'pending' : 'granted');
}
