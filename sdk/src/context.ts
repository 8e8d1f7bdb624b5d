/** Device facts shared by a whole batch (`context`) and page views. */

export type DeviceType = 'mobile' | 'tablet' | 'desktop';

/** UA first (it knows a phone in landscape is still a phone), viewport width as a fallback. */
export function deviceType(): DeviceType {
  try {
    const ua = navigator.userAgent || '';
    if (/iPad|Tablet|PlayBook|Silk|Kindle/i.test(ua) || (/Android/i.test(ua) && !/Mobile/i.test(ua))) return 'tablet';
    // iPadOS 13+ reports itself as a Mac; a touch-capable "Mac" is an iPad.
    if (/Macintosh/.test(ua) && navigator.maxTouchPoints > 1) return 'tablet';
    if (/Mobi|iPhone|iPod|Android|Windows Phone|Opera Mini/i.test(ua)) return 'mobile';
    const w = window.innerWidth;
    return w && w < 768 ? 'mobile' : w && w < 1024 ? 'tablet' : 'desktop';
  } catch {
    return 'desktop';
  }
}

export function viewport(): { width: number; height: number } {
  return { width: window.innerWidth | 0, height: window.innerHeight | 0 };
}

export function batchContext(): Record<string, unknown> {
  const s = window.screen;
  return {
    library: { name: '@crow/tracking-sdk', version: '0.1.0' },
    viewport: viewport(),
    screen: s ? { width: s.width | 0, height: s.height | 0 } : undefined,
    device_type: deviceType(),
    language: navigator.language,
  };
}
