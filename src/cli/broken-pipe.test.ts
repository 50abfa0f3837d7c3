/** `slimnet inspect m.onnx | head`: a reader that goes away early ends the command quietly, without a stack trace. */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { after, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { saveModel } from '../onnx/index.js';
import { buildZooModel } from '../zoo/index.js';
import { BROKEN_PIPE_EXIT } from './main.js';

// Compiled tests run from dist/src/cli; the launcher is bin/slimnet.js at the repository root.
const bin = resolve(dirname(fileURLToPath(import.meta.url)), '../../../bin/slimnet.js');
const dir = mkdtempSync(join(tmpdir(), 'slimnet-epipe-'));
after(() => rmSync(dir, { recursive: true, force: true }));

/** Runs the CLI with its stdout read end closed before it writes; resolves to its exit code and stderr. */
function runWithClosedStdout(args: readonly string[]): Promise<{ code: number | null; stderr: string }> {
  return new Promise((done, fail) => {
    const child = spawn(process.execPath, [bin, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
    child.stdout.destroy();
    let stderr = '';
    child.stderr.setEncoding('utf8').on('data', (t: string) => { stderr += t; });
    child.on('error', fail);
    child.on('close', (code) => done({ code, stderr }));
  });
}

test('a closed stdout pipe ends inspect quietly with the broken-pipe status', async () => {
  const model = join(dir, 'resnet20.onnx');
  saveModel(buildZooModel('resnet20'), model);
  const r = await runWithClosedStdout(['inspect', model, '--all']);
  assert.doesNotMatch(r.stderr, /EPIPE|Error|\n\s+at /, r.stderr);
  assert.equal(r.stderr, '');
  assert.equal(r.code, BROKEN_PIPE_EXIT);
});
