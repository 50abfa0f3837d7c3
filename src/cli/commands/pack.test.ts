// `slimnet unpack` on sound and damaged containers: a damaged one is a typed error naming the file and the
// section, exits non-zero, writes nothing and leaves the input as it was.
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { unpack } from '../../compress/coding/container.js';
import { loadModel } from '../../onnx/index.js';
import { cli } from '../../testing/run-cli.js';
import { initializerBytes, sameInitializers, smallContainer } from '../../testing/sldc-fixture.js';

const dir = mkdtempSync(join(tmpdir(), 'slimnet-pack-'));
after(() => rmSync(dir, { recursive: true, force: true }));
const quiet = ['--data', 'none', '--latency-runs', '0'];
const { bytes } = smallContainer();

test('unpack writes the model the container holds, bit for bit', async () => {
  const [sldc, out] = [join(dir, 'good.sldc'), join(dir, 'good.onnx')];
  writeFileSync(sldc, bytes);
  const r = await cli('unpack', sldc, '--out', out, ...quiet);
  assert.equal(r.code, 0, r.err);
  assert.ok(sameInitializers(initializerBytes(loadModel(out)), initializerBytes(unpack(bytes))));
});

test('unpack of a corrupt container: CONTAINER_CORRUPT naming file and section, exit 2, no output', async () => {
  const [sldc, out] = [join(dir, 'bad.sldc'), join(dir, 'bad.onnx')];
  const bad = Uint8Array.from(bytes);
  bad[bytes.length - 100]! ^= 0x10;
  writeFileSync(sldc, bad);
  const r = await cli('unpack', sldc, '--out', out, ...quiet);
  assert.equal(r.code, 2);
  assert.match(
    r.err,
    /error \[CONTAINER_CORRUPT\]: '.*bad\.sldc': container checksum mismatch .* layer section 4 of 4/,
  );
  assert.ok(!existsSync(out));
  assert.deepEqual(readFileSync(sldc), Buffer.from(bad));
});

test('unpack: a limit below the decoded size, a directory, a missing file: typed errors, no output', async () => {
  const [sldc, out] = [join(dir, 'limit.sldc'), join(dir, 'limit.onnx')];
  writeFileSync(sldc, bytes);
  const small = await cli('unpack', sldc, '--out', out, '--max-unpacked-mb', '0.01', ...quiet);
  assert.equal(small.code, 2);
  assert.match(small.err, /CONTAINER_CORRUPT.*more than 10485 bytes .*over the unpack limit/);
  const folder = join(dir, 'folder.sldc');
  mkdirSync(folder);
  const d = await cli('unpack', folder, '--out', out, ...quiet);
  assert.equal(d.code, 2);
  assert.match(d.err, /\[IO\].*directory/);
  const missing = await cli('unpack', join(dir, 'none.sldc'), '--out', out, ...quiet);
  assert.equal(missing.code, 2);
  assert.match(missing.err, /\[IO\]/);
  assert.ok(!existsSync(out));
});
