/** The contract between the tracker core and its capture modules. */

import type { ElementInfo, EventInput } from './types';

/**
 * Why a page (view) ends. `hidden`: tab hidden (the last reliable moment on mobile, where `pagehide`
 * may never fire). `pagehide`: the document is being unloaded or frozen. `route`: SPA navigation.
 */
export type EndReason = 'hidden' | 'pagehide' | 'route';

export interface Ctx {
  emit(e: EventInput): void;
  describe(el: Element, withText?: boolean): ElementInfo;
  /** Cleaned URL of the current page view (stays the old one until the next page_view). */
  pageUrl(): string;
  clean(href: string): string;
  /** Inside a `data-crow-ignore` subtree. */
  ignored(el: Element): boolean;
  now(): number;
  /** Batch URL of this tracker, so network watchers can ignore the SDK's own requests. */
  batchUrl: string;
}

export interface Module {
  /** The current page (view) ends: send what belongs to it. Called before the beacon flush. */
  end?(reason: EndReason): void;
  /** The page is visible again after `end('hidden')`. */
  resume?(): void;
  /** Remove every listener, observer, timer and patch. */
  stop(): void;
}

/** Element target of an event (text nodes → parent element). */
export function targetOf(e: Event): Element | null {
  let t = e.target as Node | null;
  if (t && t.nodeType === 3) t = t.parentNode;
  return t && t.nodeType === 1 ? (t as Element) : null;
}
