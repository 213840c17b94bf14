// Builds the admin UI into shared/adminui/bundle/dist (embedded in the admin binary by package
// adminui): src/main.jsx bundled and minified by esbuild, with content-hashed names, and
// index.html pointing at them. `node web/admin/build.mjs` (make ui); --watch rebuilds on change.
import * as esbuild from 'esbuild';
import { mkdir, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { gzipSync } from 'node:zlib';
import { dirname, join, basename } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
// --out DIR builds elsewhere (make dev's WABOT_ADMIN_UI_DIR serves it without a Go rebuild).
const outArg = process.argv.indexOf('--out');
const out = outArg > 0 ? process.argv[outArg + 1] : join(here, '../../shared/adminui/bundle/dist');
const watch = process.argv.includes('--watch');

const options = {
  entryPoints: [join(here, 'src/main.jsx')],
  bundle: true,
  minify: !watch,
  sourcemap: false,
  format: 'esm',
  target: ['es2020', 'chrome100', 'safari15', 'firefox100'],
  jsx: 'automatic',
  jsxImportSource: 'preact',
  outdir: join(out, 'assets'),
  entryNames: 'app-[hash]',
  assetNames: '[name]-[hash]',
  metafile: true,
  legalComments: 'none',
  logLevel: 'warning',
  plugins: [{
    name: 'index.html',
    setup(build) {
      build.onEnd(async (result) => {
        if (result.errors.length) return;
        const outputs = Object.keys(result.metafile.outputs).map((p) => basename(p));
        const js = outputs.find((f) => f.endsWith('.js'));
        const css = outputs.find((f) => f.endsWith('.css'));
        const html = (await readFile(join(here, 'src/index.html'), 'utf8'))
          .replace('<!--css-->', css ? `<link rel="stylesheet" href="/admin/assets/${css}">` : '')
          .replace('<!--js-->', `<script type="module" src="/admin/assets/${js}"></script>`);
        await writeFile(join(out, 'index.html'), html);
        // The bundle is kept gzipped only (package adminui serves it as it is to browsers,
        // which all accept gzip): a smaller admin binary, and a faster page on a tablet's
        // connection, since API Gateway's HTTP APIs do not compress.
        if (!watch) {
          for (const f of await readdir(join(out, 'assets'))) {
            if (f.endsWith('.gz')) continue;
            const p = join(out, 'assets', f);
            await writeFile(p + '.gz', gzipSync(await readFile(p), { level: 9 }));
            await rm(p);
          }
        }
      });
    },
  }],
};

// Only the build's own files go: dist/.gitkeep (committed) stays.
await rm(join(out, 'assets'), { recursive: true, force: true });
await rm(join(out, 'index.html'), { force: true });
await mkdir(out, { recursive: true });
if (watch) {
  const ctx = await esbuild.context(options);
  await ctx.watch();
  console.log(`admin UI: watching web/admin/src, building into ${out}`);
} else {
  const result = await esbuild.build(options);
  const size = Object.values(result.metafile.outputs).reduce((n, o) => n + o.bytes, 0);
  let gz = 0;
  for (const f of await readdir(join(out, 'assets'))) gz += (await readFile(join(out, 'assets', f))).length;
  console.log(`admin UI: ${Object.keys(result.metafile.outputs).length} files, ${(size / 1024).toFixed(1)} KiB (${(gz / 1024).toFixed(1)} KiB gzipped) in ${out}`);
}
