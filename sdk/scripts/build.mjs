// npm run build: dist/crow.esm.js + dist/crow.js (declarations come from `tsc` afterwards).
import { rmSync } from 'node:fs';
import path from 'node:path';
import { buildESM, buildIIFE, root } from './bundle.mjs';

rmSync(path.join(root, 'dist'), { recursive: true, force: true });
await Promise.all([buildESM(), buildIIFE()]);
console.log('built dist/crow.esm.js, dist/crow.js');
