/** Event ids. */

/**
 * RFC 4122 v4 UUID from crypto.getRandomValues (available on plain-http pages too, unlike
 * crypto.randomUUID), mixed with Math.random so a browser without Web Crypto still gets random ids.
 */
export function uuid(): string {
  const b = new Uint8Array(31);
  try {
    crypto.getRandomValues(b);
  } catch {}
  let i = 0;
  // 0 and 1 → a random hex digit, 8 → 8..b (the variant); 4 stays (the version).
  return '10000000-1000-4000-8000-100000000000'.replace(/[018]/g, (c) =>
    (+c ^ ((b[i++] ^ (Math.random() * 16)) & (15 >> (+c / 4)))).toString(16),
  );
}
