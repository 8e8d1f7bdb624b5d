/** Device facts shared by a whole batch (`context`) and page views. */

export type DeviceType = 'mobile' | 'tablet' | 'desktop';

/** UA first (it knows a phone in landscape is still a phone), viewport width as a fallback. */
export function deviceType(): DeviceType {
  const ua = navigator.userAgent;
  const w = innerWidth;
  // (an Android UA without "Mobile" is a tablet; with it, a phone)
  return /iPad|Tablet|PlayBook|Silk|Kindle/i.test(ua) ||
    (/Android/i.test(ua) && !/Mobile/i.test(ua)) ||
    // iPadOS 13+ reports itself as a Mac; a touch-capable "Mac" is an iPad.
    (/Macintosh/.test(ua) && navigator.maxTouchPoints > 1)
    ? 'tablet'
    : /Mobi|iPhone|iPod|Windows Phone|Opera Mini/i.test(ua) || (w && w < 768)
      ? 'mobile'
      : w && w < 1024
        ? 'tablet'
        : 'desktop';
}

export function batchContext(dropped: number): Record<string, unknown> {
  return {
    library: { name: '@crow/tracking-sdk', version: '0.1.0' },
    viewport: { width: innerWidth, height: innerHeight },
    screen: { width: screen.width, height: screen.height },
    device_type: deviceType(),
    language: navigator.language,
    dropped: dropped || undefined,
  };
}
