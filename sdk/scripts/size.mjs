// npm run size: min+gzip -9 size of the IIFE; exits 1 over the 10 KiB budget.
import { buildIIFE, gzipSize, LIMIT } from './bundle.mjs';

const code = await buildIIFE(false);
const gz = gzipSize(code);
console.log(`crow.js: ${code.length} bytes minified, ${gz} bytes min+gzip -9 (limit ${LIMIT})`);
if (gz > LIMIT) {
  console.error(`size budget exceeded by ${gz - LIMIT} bytes`);
  process.exit(1);
}
