import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test, type TestContext } from 'node:test';
import { Tensor } from '../../../ir/tensor.js';
import { verify } from '../../../ir/verify.js';
import { modelStats } from '../../../metrics/layer-stats.js';
import { saveModel } from '../../../onnx/index.js';
import { Session } from '../../../runtime/session.js';
import { buildZooModel } from '../../../zoo/index.js';
import { buildDependencyGraph } from './dependency.js';
import { magnitudeImportance } from './importance/magnitude.js';
import { planRemoval } from './policy.js';
import { pruneChannels } from './prune.js';

const dir = mkdtempSync(join(tmpdir(), 'slimnet-prune-'));
after(() => rmSync(dir, { recursive: true, force: true }));

function hasChecker(): boolean {
  try {
    execFileSync('/usr/bin/python3', ['-c', 'import onnx.checker'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

function checkerProblem(file: string): string | undefined {
  try {
    execFileSync('/usr/bin/python3', ['-c', 'import onnx,sys; onnx.checker.check_model(onnx.load(sys.argv[1]), full_check=True)', file], { stdio: ['ignore', 'ignore', 'pipe'] });
    return undefined;
  } catch (e) {
    return String((e as { stderr?: unknown }).stderr ?? e).trim().split('\n').pop();
  }
}

test('zoo models pruned by half their channels: verify, run in onnxruntime, fewer MACs, pass onnx.checker', async (t: TestContext) => {
  const checker = hasChecker();
  if (!checker) {
    const msg = 'python3-onnx is not installed: onnx.checker part skipped (apt-get install python3-onnx)';
    if (process.env.CI === 'true') assert.fail(msg);
    t.diagnostic(msg);
  }
  for (const name of ['lenet5', 'vgg', 'resnet20', 'mobilenet']) {
    const model = buildZooModel(name, { width: 0.5 });
    const dep = buildDependencyGraph(model);
    const blocked = dep.groups.filter((g) => g.blocked.length > 0).map((g) => g.name);
    assert.deepEqual(blocked, [name === 'lenet5' ? 'fc2' : name === 'vgg' ? 'classifier' : 'fc'], name);
    const scores = await magnitudeImportance().score({ dep });
    const pruned = pruneChannels(model, planRemoval(dep, scores, false, { ratio: 0.5, roundTo: 2 }));
    verify(pruned.graph);
    assert.ok(modelStats(pruned).macs < 0.4 * modelStats(model).macs, name);
    const s = await Session.create(pruned, { threads: 1 });
    const out = await s.run({ input: Tensor.f32([2, 1, 28, 28], new Float32Array(2 * 784).fill(0.1)) });
    await s.release();
    assert.deepEqual(out.logits?.dims, [2, 10], name);
    if (checker) {
      const file = join(dir, `${name}.onnx`);
      saveModel(pruned, file);
      assert.equal(checkerProblem(file), undefined, name);
    }
  }
});
