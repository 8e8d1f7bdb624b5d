/** @crow/tracking-sdk - ES module entry. */

export { CROWTracker, DEFAULTS } from './tracker';
export { DEFAULT_QUERY_PARAMS } from './url';
export type { ConsentState } from './types';
export type {
  AutocaptureOptions,
  CROWOptions,
  CrowEvent,
  ElementInfo,
  EventType,
  ProductInfo,
  Properties,
  RageClickOptions,
} from './types';
