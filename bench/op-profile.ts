/**
 * Where does the time go? onnxruntime's own profiler on each given model (1 thread, spinning off): the median
 * kernel time of every node over `--runs` runs, summed per op type (Conv split into dense / depthwise /
 * grouped by its `group` attribute), with each type's share of the model's total kernel time and of its MACs.
 * Nodes that onnxruntime's optimizer created (NCHWc layout conversions, renamed fused convs) are listed by
 * the kernel name the profiler reports, e.g. 'Conv (onnxruntime node)'.
 *   node dist/bench/op-profile.js [--batch 64] [--runs 30] a.onnx [b.onnx ...]
 * Imports onnxruntime-node directly (the profiler is not exposed by src/runtime).
 */
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import * as ort from 'onnxruntime-node';
import type { Model } from '../src/ir/graph.js';
import { layerStats } from '../src/metrics/layer-stats.js';
import { encodeModel, loadModel } from '../src/onnx/index.js';

interface ProfileEvent { cat: string; name: string; dur: number; args: { op_name?: string } }

/** Op type of every node, Conv refined by its group attribute. */
function opKinds(model: Model): Map<string, string> {
  const kinds = new Map<string, string>();
  for (const n of model.graph.nodes) {
    let kind = n.opType;
    if (kind === 'Conv') {
      const group = n.attrInt('group', 1);
      const cin = n.input(1).initializer?.dims[1] ?? 0;
      kind = group === 1 ? 'Conv (dense)' : cin === 1 ? 'Conv (depthwise)' : `Conv (${group} groups)`;
    }
    kinds.set(n.name, kind);
  }
  return kinds;
}

async function profile(path: string, batch: number, runs: number): Promise<void> {
  const model = loadModel(path);
  const input = model.graph.inputs[0];
  const dims = (input?.shape ?? []).map((d, i) => (i === 0 ? batch : Number(d)));
  const dir = mkdtempSync(join(tmpdir(), 'slimnet-opprof-'));
  const s = await ort.InferenceSession.create(encodeModel(model), {
    intraOpNumThreads: 1, interOpNumThreads: 1, enableProfiling: true, profileFilePrefix: join(dir, 'p'),
    extra: { session: { 'intra_op.allow_spinning': '0' } },
  });
  const n = dims.reduce((a, d) => a * d, 1);
  const feed = { [input?.name ?? 'input']: new ort.Tensor('float32', Float32Array.from({ length: n }, (_, i) => Math.cos(i)), dims) };
  for (let i = 0; i < runs; i++) await s.run(feed);
  s.endProfiling();
  await s.release();
  const file = readdirSync(dir).find((f) => f.endsWith('.json'));
  const events = JSON.parse(readFileSync(join(dir, file as string), 'utf8')) as ProfileEvent[];
  rmSync(dir, { recursive: true, force: true });
  const perNode = new Map<string, { op: string; us: number[] }>();
  for (const e of events) {
    if (e.cat !== 'Node' || !e.name.endsWith('_kernel_time')) continue;
    const node = e.name.replace(/_kernel_time$/, '');
    const cur = perNode.get(node) ?? { op: e.args.op_name ?? '?', us: [] };
    cur.us.push(e.dur);
    perNode.set(node, cur);
  }
  const kinds = opKinds(model);
  const macs = new Map(layerStats(model).map((l) => [l.name, l.macs]));
  const byKind = new Map<string, { us: number; nodes: number; macs: number }>();
  for (const [node, { op, us }] of perNode) {
    const med = [...us].sort((a, b) => a - b)[us.length >> 1] as number;
    const kind = kinds.get(node) ?? `${op} (onnxruntime node)`;
    const cur = byKind.get(kind) ?? { us: 0, nodes: 0, macs: 0 };
    byKind.set(kind, { us: cur.us + med, nodes: cur.nodes + 1, macs: cur.macs + (macs.get(node) ?? 0) });
  }
  const all = [...byKind.values()];
  const total = all.reduce((a, v) => a + v.us, 0);
  const totalMacs = [...macs.values()].reduce((a, m) => a + m, 0);
  console.log(`\n${path}, batch ${batch}: median kernel time per node over ${runs} runs, summed per op type`);
  console.log('| op type | nodes | µs | time share | MACs share |');
  console.log('|---|---|---|---|---|');
  for (const [kind, v] of [...byKind].sort((a, b) => b[1].us - a[1].us)) {
    console.log(`| ${kind} | ${v.nodes} | ${v.us.toFixed(0)} | ${(100 * v.us / total).toFixed(1)} % | ${(100 * v.macs / totalMacs).toFixed(1)} % |`);
  }
  console.log(`| total | ${all.reduce((a, v) => a + v.nodes, 0)} | ${total.toFixed(0)} | | ${(100 * all.reduce((a, v) => a + v.macs, 0) / totalMacs).toFixed(1)} % |`);
}

async function main(): Promise<void> {
  const { values: v, positionals } = parseArgs({
    allowPositionals: true,
    options: { batch: { type: 'string', default: '64' }, runs: { type: 'string', default: '30' } },
  });
  if (positionals.length === 0) throw new Error('usage: op-profile.js [--batch 64] [--runs 30] a.onnx [b.onnx ...]');
  for (const path of positionals) await profile(path, Number(v.batch), Number(v.runs));
}

main().catch((e: unknown) => {
  console.error(e instanceof Error ? e.message : String(e));
  process.exit(1);
});
