/** Public types of the CROW tracking SDK. The wire format mirrors `POST /v1/batch`. */

export type EventType =
  | 'page_view'
  | 'click'
  | 'form_submit'
  | 'form_focus'
  | 'form_blur'
  | 'form_error'
  | 'product_view'
  | 'scroll'
  | 'performance'
  | 'web_vital'
  | 'custom'
  | 'identify'
  | 'session_end';

export type Properties = Record<string, unknown>;

/** Description of a DOM element as sent in `event.element`. */
export interface ElementInfo {
  selector: string;
  tag: string;
  id?: string;
  classes: string[];
  text?: string;
  href?: string;
  attributes?: Record<string, string>;
  role?: string;
}

/** One event on the wire. */
export interface CrowEvent {
  type: EventType;
  event_id: string;
  /** Epoch milliseconds. */
  timestamp: number;
  session_id?: string;
  anonymous_id?: string;
  user_id?: string;
  url?: string;
  title?: string;
  referrer?: string;
  element?: ElementInfo | string;
  x?: number;
  y?: number;
  name?: string;
  properties?: Properties;
}

/** The fields a capture module may set; ids, timestamp and url are filled by the tracker. */
export type EventInput = Omit<CrowEvent, 'event_id' | 'timestamp'> & { timestamp?: number };

export interface AutocaptureOptions {
  /** `page_view` on load and on SPA navigation. Default true. */
  pageviews?: boolean;
  /** `click` with rage / dead click flags. Default true. */
  clicks?: boolean;
  /** `form_submit`, `form_focus`, `form_blur`, `form_error`, `form_abandoned`. Default true. */
  forms?: boolean;
  /** `product_view` for `[data-crow-product-id]` elements. Default true. */
  products?: boolean;
  /** `scroll` (max scroll depth) at page end. Default true. */
  scroll?: boolean;
  /** `performance` + `web_vital` at page end. Default true. */
  performance?: boolean;
}

export interface RageClickOptions {
  /** Clicks needed (including the current one). Default 3. */
  count?: number;
  /** Time window in ms. Default 1000. */
  ms?: number;
  /** Max distance in CSS px from the current click. Default 30. */
  px?: number;
}

export interface CROWOptions {
  /** Public project key (`pk_live_…`). Required. */
  apiKey: string;
  /** Ingestion origin, e.g. `https://ingest.example.com` (no trailing `/v1/batch`). Required. */
  endpoint: string;
  /** `true` (default) enables every auto-capture; `false` disables all; or pick per feature. */
  autocapture?: boolean | AutocaptureOptions;
  /** Flush when this many events are buffered. Default 20. */
  batchSize?: number;
  /** Flush buffered events after this many ms. Default 5000. */
  flushInterval?: number;
  /** Max events kept (memory + localStorage); oldest are dropped and counted. Default 1000. */
  maxQueue?: number;
  /** Session rotates after this many ms without activity. Default 30 min. */
  sessionTimeout?: number;
  /** Capture nothing when DNT or GPC is on. Default true. */
  respectDNT?: boolean;
  /** Send and store nothing until `consent.grant()`. Default false. */
  requireConsent?: boolean;
  /** Query parameters kept in captured URLs (plus every `utm_*`). Default: see DEFAULT_QUERY_PARAMS. */
  allowedQueryParams?: string[];
  /** Rage click thresholds. */
  rageClick?: RageClickOptions;
  /** Dead click window in ms. Default 1000. */
  deadClickMs?: number;
  /** Log SDK decisions to the console. Default false. */
  debug?: boolean;
  /** Test seam: clock returning epoch ms. Default `Date.now`. */
  now?: () => number;
}

export interface ProductInfo {
  id: string;
  name?: string;
  price?: number;
  currency?: string;
}

/** `pending` until `consent.grant()` / `consent.deny()` when `requireConsent` is on; persisted in `crow:consent`. */
export type ConsentState = 'granted' | 'denied' | 'pending';
