import assert from 'node:assert/strict';
import { test } from 'node:test';
import { inferStatePairs, stateStems } from './state.js';

test('state stems drop in/out, new/next, 0/N and index affixes', () => {
  assert.ok(stateStems('h0').has('h') && stateStems('hn').has('h'));
  assert.ok(stateStems('stateN').has('state'));
  assert.ok(stateStems('state_in').has('state') && stateStems('state_out').has('state'));
  assert.ok(stateStems('next_cell').has('cell'));
  assert.equal(stateStems('input').has('put'), false, 'a word prefix needs a separator');
});

test('state pairs are inferred from names and shapes, and only when unambiguous', () => {
  const outputs = [
    { name: 'logits', shape: ['N', 10] }, { name: 'hn', shape: [1, 16] }, { name: 'cn', shape: [1, 16] },
    { name: 'stateN', shape: [1, 4] },
  ];
  const inputs = [{ name: 'h0', shape: [1, 16] }, { name: 'c0', shape: [1, 16] }, { name: 'state', shape: [1, 8] }];
  assert.deepEqual(inferStatePairs(inputs, outputs), [{ input: 'h0', output: 'hn' }, { input: 'c0', output: 'cn' }],
    "'state' [1, 8] does not pair with 'stateN' [1, 4]");
  const twice = [{ name: 'h_out', shape: [1, 16] }, { name: 'hn', shape: [1, 16] }];
  assert.deepEqual(inferStatePairs([{ name: 'h0', shape: [1, 16] }], twice), [], 'two candidates: no guess');
  assert.deepEqual(inferStatePairs([{ name: 'x', shape: ['N', 3] }], outputs), []);
});
