import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test, type TestContext } from 'node:test';
import { l1Term } from './regularizers.js';
import { prepareTraining } from './trainer.js';

const dir = mkdtempSync(join(tmpdir(), 'slimnet-train-check-'));
after(() => rmSync(dir, { recursive: true, force: true }));

function checker(file: string): string | undefined {
  try {
    execFileSync('/usr/bin/python3', ['-c', 'import onnx,sys; onnx.checker.check_model(onnx.load(sys.argv[1]), full_check=True)', file], { stdio: ['ignore', 'ignore', 'pipe'] });
    return undefined;
  } catch (e) {
    return String((e as { stderr?: unknown }).stderr ?? e).trim().split('\n').pop();
  }
}

function needChecker(t: TestContext): boolean {
  try {
    execFileSync('/usr/bin/python3', ['-c', 'import onnx.checker'], { stdio: 'ignore' });
    return true;
  } catch {
    const msg = 'python3-onnx is not installed (/usr/bin/python3 cannot import onnx): apt-get install python3-onnx';
    if (process.env.CI === 'true') assert.fail(msg);
    t.skip(msg);
    return false;
  }
}

test('onnx.checker (full_check) accepts the training and validation graphs', (t) => {
  if (!needChecker(t)) return;
  const cases = [['lenet5', 'sgd', 'fc2.weight'], ['vgg', 'adamw', 'classifier.weight'], ['mobilenet', 'adam', 'fc.weight']] as const;
  for (const [model, optimizer, masked] of cases) {
    const req = prepareTraining({
      model, zoo: { width: 0.25 }, dataset: 'mnist', epochs: 1, optimizer,
      hooks: { terms: [l1Term(1e-5)], masks: { [masked]: new Float32Array(1) } },
    });
    for (const [what, bytes] of [['train', req.trainingGraph], ['eval', req.evalGraph]] as const) {
      const file = join(dir, `${model}-${what}.onnx`);
      writeFileSync(file, bytes);
      assert.equal(checker(file), undefined, `${model} ${what}`);
    }
  }
});
