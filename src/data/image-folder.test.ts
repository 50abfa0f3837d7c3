import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import jpeg from 'jpeg-js';
import { PNG } from 'pngjs';
import { isSlimnetError } from '../ir/errors.js';
import { readImageFolder } from './image-folder.js';
import { loadDataset } from './load.js';

const dir = mkdtempSync(join(tmpdir(), 'slimnet-img-'));
after(() => rmSync(dir, { recursive: true, force: true }));

type Pixel = (x: number, y: number) => [number, number, number];

function png(path: string, w: number, h: number, px: Pixel): void {
  const img = new PNG({ width: w, height: h });
  for (let y = 0; y < h; y++) for (let x = 0; x < w; x++) {
    const [r, g, b] = px(x, y);
    img.data.set([r, g, b, 255], 4 * (y * w + x));
  }
  writeFileSync(path, PNG.sync.write(img));
}

function jpg(path: string, w: number, h: number, px: Pixel): void {
  const data = new Uint8Array(4 * w * h);
  for (let y = 0; y < h; y++) for (let x = 0; x < w; x++) data.set([...px(x, y), 255], 4 * (y * w + x));
  writeFileSync(path, jpeg.encode({ width: w, height: h, data }, 100).data);
}

function folder(...parts: string[]): string {
  const p = join(dir, ...parts);
  mkdirSync(p, { recursive: true });
  return p;
}

test('train/ and test/ folders of grayscale PNGs load as 1×H×W with sorted class indices', () => {
  for (const split of ['train', 'test']) {
    png(join(folder('gray', split, 'b_cat'), '1.png'), 3, 2, (x, y) => [10 * x + y, 10 * x + y, 10 * x + y]);
    png(join(folder('gray', split, 'a_dog'), '1.png'), 3, 2, () => [200, 200, 200]);
  }
  png(join(dir, 'gray', 'train', 'a_dog', '2.png'), 3, 2, () => [0, 0, 0]);
  writeFileSync(join(dir, 'gray', 'train', 'a_dog', 'notes.txt'), 'ignored');
  const ds = loadDataset(join(dir, 'gray'), { normalize: false });
  assert.deepEqual(ds.classNames, ['a_dog', 'b_cat']);
  assert.deepEqual(ds.train.sampleShape, [1, 2, 3]);
  assert.deepEqual([...ds.train.labels], [0, 0, 1]);
  assert.equal(ds.test.count, 2);
  const cat = [...ds.train.images.subarray(12, 18)].map((v) => Math.round(v * 255));
  assert.deepEqual(cat, [0, 10, 20, 1, 11, 21]);
});

test('a single root of RGB PNG/JPEG images splits per class, reproducibly by seed', () => {
  for (const c of ['red', 'green']) {
    const d = folder('rgb', c);
    for (let i = 0; i < 5; i++) {
      const color: [number, number, number] = c === 'red' ? [250, 10 * i, 0] : [0, 250, 10 * i];
      if (i % 2 === 0) png(join(d, `${i}.png`), 4, 4, () => color);
      else jpg(join(d, `${i}.jpg`), 4, 4, () => color);
    }
  }
  const a = readImageFolder(join(dir, 'rgb'), { testFraction: 0.4, seed: 7 });
  const b = readImageFolder(join(dir, 'rgb'), { testFraction: 0.4, seed: 7 });
  assert.deepEqual(a.train.sampleShape, [3, 4, 4]);
  assert.equal(a.train.count, 6);
  assert.equal(a.test.count, 4);
  assert.deepEqual([...a.test.labels].sort(), [0, 0, 1, 1]);
  assert.deepEqual(a.train.data, b.train.data);
  assert.deepEqual(a.test.labels, b.test.labels);
  const seeds = new Set<string>();
  for (let s = 0; s < 6; s++) seeds.add(String(readImageFolder(join(dir, 'rgb'), { testFraction: 0.4, seed: s }).test.data));
  assert.ok(seeds.size > 1, 'different seeds give different splits');
  // Class 'green' (index 0): channel 1 ≈ 250 even for the JPEGs (quality 100).
  const ds = loadDataset(join(dir, 'rgb'), { normalize: false, testFraction: 0.4, seed: 7 });
  const i = [...ds.train.labels].indexOf(0);
  assert.ok(Math.abs((ds.train.images[i * 48 + 16] as number) * 255 - 250) < 4);
  const gray = loadDataset(join(dir, 'rgb'), { channels: 1, limit: 2 });
  assert.deepEqual(gray.train.sampleShape, [1, 4, 4]);
});

test('images of different sizes and undecodable files give clear errors', () => {
  png(join(folder('mixed', 'x'), 'a.png'), 4, 4, () => [1, 1, 1]);
  png(join(folder('mixed', 'y'), 'b.png'), 5, 4, () => [1, 1, 1]);
  assert.throws(() => loadDataset(join(dir, 'mixed')), (e: unknown) =>
    isSlimnetError(e, 'DATASET_INVALID') && /b\.png is 5×4 but .*a\.png is 4×4/.test(e.message));
  writeFileSync(join(folder('broken', 'x'), 'c.png'), Uint8Array.from([0x89, 0x50, 1, 2, 3]));
  assert.throws(() => loadDataset(join(dir, 'broken')), /c\.png: cannot decode image/);
});
