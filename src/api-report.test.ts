/**
 * The public API changes only on purpose: api/slimnet.api.md (every exported name of every entry point with its
 * kind and declaration) must equal a report regenerated from the built declaration files.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { apiSurface, renderApiReport } from './testing/api-surface.js';

const repo = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');

/** The first differing line of two texts, for the failure message. */
function firstDifference(a: string, b: string): string {
  const x = a.split('\n');
  const y = b.split('\n');
  for (let i = 0; i < Math.max(x.length, y.length); i++) {
    if (x[i] === y[i]) continue;
    return `line ${i + 1}:\n  checked in: ${x[i] ?? '(end of file)'}\n  now:        ${y[i] ?? '(end of file)'}`;
  }
  return '(no difference)';
}

test('the checked-in API report matches the public surface', () => {
  const fresh = renderApiReport(apiSurface(repo));
  const checkedIn = readFileSync(join(repo, 'api', 'slimnet.api.md'), 'utf8');
  if (fresh !== checkedIn) {
    assert.fail(`the public API differs from api/slimnet.api.md at ${firstDifference(checkedIn, fresh)}\n`
      + 'if the change is intended, run `node scripts/api-report.mjs` to accept it and commit the new report');
  }
});
