/** The contracts between the tracker core and its modules: delivery (`Core`) and capture (`Ctx`). */

import type { CROWOptions, ElementInfo, EventInput, EventType, Properties } from './types';
import type { Cleanup } from './util';

/**
 * Why a page (view) ends. `hidden`: tab hidden (the last reliable moment on mobile, where `pagehide`
 * may never fire). `pagehide`: the document is being unloaded or frozen. `route`: SPA navigation.
 */
export type EndReason = 'hidden' | 'pagehide' | 'route';

/**
 * Handed to every capture module. Members are `_`-prefixed so the IIFE build shortens them.
 * A module registers what it needs to undo in `_offs` (run on stop) and what it sends when the page
 * (view) ends in `_ends` (run in registration order, before the beacon flush).
 */
export interface Ctx {
  /** Capture an event of `type` with `properties` and any other fields in `extra`. */
  _emit(type: EventType, properties?: Properties, extra?: Omit<EventInput, 'type' | 'properties'>): void;
  _describe(el: Element, withText?: boolean): ElementInfo;
  /** Cleaned URL of the current page view (stays the old one until the next page_view). */
  _page(): string;
  _clean(href: string): string;
  _now(): number;
  /** Batch URL of this tracker, so network watchers can ignore the SDK's own requests. */
  _batch: string;
  /** addEventListener whose removal is registered in `_offs`. */
  _on(target: EventTarget, type: string, handler: (e: any) => void): void;
  _offs: Cleanup[];
  _ends: ((reason: EndReason) => void)[];
}

/** The number options (see DEFAULTS in tracker.ts). */
export type NumOption = 'batchSize' | 'flushInterval' | 'maxQueue' | 'sessionTimeout' | 'deadClickMs';

/**
 * What the tracker shares with its delivery modules (`queue`, `transport`, `consent`): one object built
 * once per tracker. Members are `_`-prefixed so the IIFE build shortens them.
 */
export interface Core {
  _o: CROWOptions;
  /** console.log under `debug: true`. */
  _log(...args: unknown[]): void;
  /** `fn`, guarded: errors are logged (debug) and give undefined, never a throw. */
  _safe<A extends unknown[], R>(fn: (...a: A) => R): (...a: A) => R | undefined;
  /** A positive number option, else its default `d` (as in DEFAULTS). */
  _num(k: NumOption, d: number): number;
  _now(): number;
  _apiKey: string;
  /** `{endpoint}/v1/batch` */
  _batch: string;
}

/** Element target of an event (text nodes → parent element). */
export function targetOf(e: Event): Element | null {
  let t = e.target as Node | null;
  if (t && t.nodeType == 3) t = t.parentNode;
  return t && t.nodeType == 1 ? (t as Element) : null;
}

/** Inside a `data-crow-ignore` subtree. */
export const ignored = (el: Element): boolean => !!el.closest('[data-crow-ignore]');
