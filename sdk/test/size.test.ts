// @vitest-environment node
import { expect, it } from 'vitest';
// @ts-ignore - plain ESM build helper
import { buildIIFE, gzipSize, LIMIT } from '../scripts/bundle.mjs';

it(`IIFE bundle is at most ${10240} bytes min+gzip -9`, async () => {
  const code: string = await buildIIFE(false);
  const gz: number = gzipSize(code);
  console.log(`crow.js: ${code.length} bytes minified, ${gz} bytes min+gzip -9 (limit ${LIMIT})`);
  expect(LIMIT).toBe(10240);
  expect(gz).toBeLessThanOrEqual(LIMIT);
}, 30000);
