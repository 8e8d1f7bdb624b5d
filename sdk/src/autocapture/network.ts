/**
 * Notices the page's own network activity (fetch and XHR), which is one of the signals that a click
 * "did something". Requests to the SDK's batch URL are ignored.
 */

import { patch, type Cleanup } from '../util';

export function watchNetwork(onActivity: () => void, ignoreUrl: string): Cleanup {
  const offs: Cleanup[] = [];
  if (typeof window.fetch === 'function') {
    offs.push(
      patch(window, 'fetch', (orig) =>
        function (this: unknown, input: RequestInfo | URL, init?: RequestInit) {
          try {
            const u = typeof input === 'string' ? input : input instanceof URL ? input.href : (input as Request).url;
            if (u !== ignoreUrl) onActivity();
          } catch {
            /* ignore */
          }
          return orig.call(this, input, init);
        } as typeof fetch,
      ),
    );
  }
  if (typeof XMLHttpRequest !== 'undefined') {
    offs.push(
      patch(XMLHttpRequest.prototype, 'send', (orig) =>
        function (this: XMLHttpRequest, body?: Document | XMLHttpRequestBodyInit | null) {
          try {
            onActivity();
          } catch {
            /* ignore */
          }
          return orig.call(this, body);
        },
      ),
    );
  }
  return () => offs.forEach((f) => f());
}
