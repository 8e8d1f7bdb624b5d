/** The contract between the tracker core and its capture modules. */

import type { ElementInfo, EventInput, EventType, Properties } from './types';
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

/** Element target of an event (text nodes → parent element). */
export function targetOf(e: Event): Element | null {
  let t = e.target as Node | null;
  if (t && t.nodeType == 3) t = t.parentNode;
  return t && t.nodeType == 1 ? (t as Element) : null;
}

/** Inside a `data-crow-ignore` subtree. */
export const ignored = (el: Element): boolean => !!el.closest('[data-crow-ignore]');
