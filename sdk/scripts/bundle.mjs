// Shared esbuild settings for `npm run build`, `npm run size` and test/size.test.ts.
import { build } from 'esbuild';
import { gzipSync } from 'node:zlib';
import { fileURLToPath } from 'node:url';
import path from 'node:path';

export const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
export const LIMIT = 10240; // bytes, min+gzip -9

const common = {
  bundle: true,
  target: 'es2020', // browsers from ~2020 (optional chaining, nullish coalescing, async/await)
  platform: 'browser',
  legalComments: 'none',
  logLevel: 'warning',
};

/** Minified IIFE (dist/crow.js) exposing window.CROW. `write: false` returns the code only. */
export async function buildIIFE(write = true) {
  const r = await build({
    ...common,
    entryPoints: [path.join(root, 'src/iife.ts')],
    outfile: path.join(root, 'dist/crow.js'),
    format: 'iife',
    minify: true,
    // Internal property names are spelled `_name` (the module context, views, chunks); renaming them
    // is the one minification esbuild cannot do on its own. Nothing on the wire, in storage, in the
    // DOM or in the public API starts with `_`.
    mangleProps: /^_/,
    write,
  });
  return write ? undefined : r.outputFiles[0].text;
}

export async function buildESM() {
  await build({
    ...common,
    entryPoints: [path.join(root, 'src/index.ts')],
    outfile: path.join(root, 'dist/crow.esm.js'),
    format: 'esm',
    sourcemap: true,
  });
}

export function gzipSize(code) {
  return gzipSync(Buffer.from(code), { level: 9 }).length;
}
