import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { loadModel, saveModel } from '../../onnx/index.js';
import { buildZooModel } from '../../zoo/index.js';
import { cli } from '../../testing/run-cli.js';

const dir = mkdtempSync(join(tmpdir(), 'slimnet-distill-cli-'));
const mlpTeacher = join(dir, 'mlp-teacher.onnx');
const cnnTeacher = join(dir, 'cnn-teacher.onnx');
// A constant rate: these runs take a few steps and check the command, not the training defaults.
const quick = ['--data', 'mnist', '--limit', '192', '--batch-size', '32', '--threads', '1', '--seed', '2', '--schedule', 'constant'];

before(async () => {
  const r = await cli('train', '--model', 'lenet-300-100', '--width', '0.25', '--epochs', '1', ...quick, '--lr', '0.05', '--out', mlpTeacher, '--json');
  assert.equal(r.code, 0, r.err);
  saveModel(buildZooModel('vgg', { width: 0.125, seed: 1 }), cnnTeacher);
});
after(() => rmSync(dir, { recursive: true, force: true }));

test('distill --method kd trains a zoo student from an ONNX teacher and reports both errors as JSON', async () => {
  const out = join(dir, 'kd.onnx');
  const r = await cli('distill', '--teacher', mlpTeacher, '--student', 'lenet-300-100', '--width', '0.1', '--method', 'kd', '--temperature', '3', '--alpha', '0.8', '--epochs', '2', '--lr', '0.01', ...quick, '--out', out, '--json');
  assert.equal(r.code, 0, r.err);
  const j = JSON.parse(r.out) as { method: string; teacherTestError: number; testError: number; history: Array<{ stage: string; testError: number }> };
  assert.equal(j.method, 'kd');
  assert.deepEqual(j.history.map((h) => h.stage), ['distill', 'distill']);
  assert.ok(j.teacherTestError >= 0 && j.teacherTestError < 0.6, `teacher error ${j.teacherTestError}`);
  assert.equal(j.testError, j.history[1]!.testError);
  const student = loadModel(out);
  assert.deepEqual(student.graph.initializers.get('fc1.weight')?.initializer?.dims, [30, 784]);
});

test('distill --method at and fitnets on CNNs print a table per stage and save the student', async () => {
  const at = await cli('distill', '--teacher', cnnTeacher, '--student', 'vgg', '--width', '0.0625', '--method', 'at', '--beta', '500', '--epochs', '1', ...quick, '--out', join(dir, 'at.onnx'));
  assert.equal(at.code, 0, at.err);
  assert.match(at.out, /stage\s+epoch/);
  assert.match(at.out, /teacher test error .*distilled student test error/);
  assert.ok(existsSync(join(dir, 'at.onnx')));
  const fit = await cli('distill', '--teacher', cnnTeacher, '--student', 'vgg', '--width', '0.0625', '--method', 'fitnets', '--hint', 'features.2.4.conv', '--guided', 'features.2.4.conv',
    '--hint-epochs', '1', '--epochs', '1', '--skip-teacher-eval', ...quick, '--out', join(dir, 'fitnets.onnx'));
  assert.equal(fit.code, 0, fit.err);
  assert.match(fit.out, /hint\s+1/);
  assert.match(fit.out, /distill\s+1/);
  assert.match(fit.out, /teacher test error -/);
  assert.equal(loadModel(join(dir, 'fitnets.onnx')).graph.outputs.length, 1);
});

test('distill usage errors are typed, name the problem, and write nothing', async () => {
  const out = join(dir, 'never.onnx');
  const base = ['--teacher', cnnTeacher, '--student', 'vgg', '--width', '0.0625', ...quick, '--epochs', '1', '--out', out];
  const wrongFlag = await cli('distill', ...base, '--method', 'kd', '--hint', 'x');
  assert.equal(wrongFlag.code, 2);
  assert.match(wrongFlag.err, /INVALID_ARGUMENT.*--hint is an option of fitnets, not of --method kd/);
  const unknown = await cli('distill', ...base, '--method', 'fitnets', '--hint', 'nope', '--guided', 'features.1.1.conv');
  assert.match(unknown.err, /'nope' is neither a node nor an activation.*candidates.*features\.1\.1\.conv \(Conv\)/);
  assert.match((await cli('distill', ...base, '--method', 'at', '--at-layers', 'a=b=c')).err, /STUDENT=TEACHER/);
  const dark = await cli('distill', ...base, '--method', 'dark');
  assert.match(dark.err, /unknown distillation method 'dark' \(registered: kd, fitnets, at\)/);
  assert.match((await cli('distill', '--student', 'vgg', '--out', out)).err, /--teacher and --student are required/);
  const before = readFileSync(cnnTeacher);
  const same = await cli('distill', '--teacher', cnnTeacher, '--student', 'vgg', ...quick, '--out', cnnTeacher);
  assert.match(same.err, /refusing to overwrite/);
  assert.deepEqual(readFileSync(cnnTeacher), before);
  assert.ok(!existsSync(out));
  assert.deepEqual(readdirSync(dir).filter((f) => f.endsWith('.tmp')), []);
  const help = await cli('distill', '--help');
  assert.equal(help.code, 0);
  assert.match(help.out, /--method kd\|fitnets\|at/);
});
