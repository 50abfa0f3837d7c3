#!/usr/bin/env node
// Writes api/slimnet.api.md, the report of slimnet's public API (every exported name of every entry point in
// package.json `exports`, with its kind and declaration), from the built declaration files. Builds first
// (`tsc -p tsconfig.json`, incremental) unless --no-build is given. src/api-report.test.ts compares the
// checked-in report with a fresh one, so the public surface changes only on purpose: after an intended change,
// run `node scripts/api-report.mjs` and commit the new report with it.
import { execFileSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
if (!process.argv.includes('--no-build')) {
  const tsc = createRequire(import.meta.url).resolve('typescript/bin/tsc');
  execFileSync(process.execPath, [tsc, '-p', join(root, 'tsconfig.json')], { stdio: 'inherit' });
}
const { apiSurface, renderApiReport, undocumentedExports } = await import(
  pathToFileURL(join(root, 'dist/src/testing/api-surface.js')).href);
const surface = apiSurface(root);
const out = join(root, 'api', 'slimnet.api.md');
mkdirSync(dirname(out), { recursive: true });
writeFileSync(out, renderApiReport(surface));
const undocumented = undocumentedExports(surface);
console.log(`api-report: wrote api/slimnet.api.md (${surface.exports.length} exports)`);
if (undocumented.length > 0) console.log(`api-report: ${undocumented.length} exports have no doc comment`);
