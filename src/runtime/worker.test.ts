import assert from 'node:assert/strict';
import { test } from 'node:test';
import { isSlimnetError, ShapeError } from '../ir/errors.js';
import type { FixtureRequest } from './worker-fixture.js';
import { runWorker } from './worker.js';

const FIXTURE = new URL('./worker-fixture.js', import.meta.url);
type Result = { steps: number; total: number };

function run(req: FixtureRequest, opts: Parameters<typeof runWorker<FixtureRequest, number, Result>>[2] = {}): Promise<Result> {
  return runWorker<FixtureRequest, number, Result>(FIXTURE, req, { sigint: false, ...opts });
}

test('streams progress and returns the result', async () => {
  const seen: number[] = [];
  const r = await run({ steps: 5, stepMs: 1 }, { onProgress: (p) => seen.push(p) });
  assert.deepEqual(r, { steps: 5, total: 10 });
  assert.deepEqual(seen, [1, 2, 3, 4, 5]);
});

test('errors keep their code, class and fields', async () => {
  await assert.rejects(run({ steps: 5, stepMs: 1, failAt: 2 }), (e: unknown) => {
    assert.ok(isSlimnetError(e, 'DATASET_INVALID'), String(e));
    assert.equal(e.message, 'failed at step 2');
    assert.match(e.stack ?? '', /worker-fixture/);
    return true;
  });
  await assert.rejects(run({ steps: 3, stepMs: 1, failAt: 0, failWith: 'shape' }), (e: unknown) => {
    assert.ok(e instanceof ShapeError);
    assert.equal(e.code, 'SHAPE_MISMATCH');
    assert.equal(e.nodeName, 'conv1');
    return true;
  });
  await assert.rejects(run({ steps: 3, stepMs: 1, failAt: 1, failWith: 'plain' }), (e: unknown) => {
    assert.ok(e instanceof Error && !isSlimnetError(e));
    assert.equal(e.name, 'TypeError');
    assert.equal(e.message, 'plain failure');
    return true;
  });
});

test('aborting the signal stops the worker at the next step with INTERRUPTED', async () => {
  const ac = new AbortController();
  const seen: number[] = [];
  await assert.rejects(
    run({ steps: 1000, stepMs: 2 }, { signal: ac.signal, onProgress: (p) => { seen.push(p); if (p === 3) ac.abort(); } }),
    (e: unknown) => isSlimnetError(e, 'INTERRUPTED'),
  );
  assert.ok(seen.length >= 3 && seen.length < 1000, `stopped early after ${seen.length} steps`);
});

test('a worker that never yields to its event loop still sees the stop request', async () => {
  const ac = new AbortController();
  let steps = 0;
  await assert.rejects(
    run({ steps: 500, stepMs: 2, busy: true }, { signal: ac.signal, onProgress: (p) => { steps = p; if (p === 2) ac.abort(); } }),
    (e: unknown) => isSlimnetError(e, 'INTERRUPTED'),
  );
  assert.ok(steps < 500);
});

test('a worker ignoring the stop request is terminated after killAfterMs', async () => {
  const ac = new AbortController();
  ac.abort();
  const t0 = Date.now();
  await assert.rejects(run({ steps: 10000, stepMs: 5, ignoreStop: true }, { signal: ac.signal, killAfterMs: 50 }), (e: unknown) =>
    isSlimnetError(e, 'INTERRUPTED') && /terminated/.test(e.message));
  assert.ok(Date.now() - t0 < 5000);
});

test('a missing worker module rejects instead of hanging', async () => {
  await assert.rejects(runWorker(new URL('./no-such-module.js', import.meta.url), {}, { sigint: false }));
});

test('the first Ctrl-C (SIGINT) asks the worker to stop; the handler is removed afterwards', async () => {
  const before = process.listenerCount('SIGINT');
  await assert.rejects(
    runWorker<FixtureRequest, number, Result>(FIXTURE, { steps: 1000, stepMs: 2 }, {
      onProgress: (p) => { if (p === 2) process.kill(process.pid, 'SIGINT'); },
    }),
    (e: unknown) => isSlimnetError(e, 'INTERRUPTED'),
  );
  assert.equal(process.listenerCount('SIGINT'), before);
});
