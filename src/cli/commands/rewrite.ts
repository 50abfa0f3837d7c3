/**
 * `slimnet rewrite model.onnx|zoo-name --to NAME --out PATH`: a compact-filter rewrite (a new architecture
 * to train or distil), printing each changed layer with its parameters and MACs before and after.
 */
import { REWRITE_NAMES, REWRITES, isRewriteName } from '../../compress/compact/rewrites.js';
import { rewrite } from '../../compress/compact/rewrite.js';
import type { RewriteName, RewriteOptions, RewriteReport } from '../../compress/compact/types.js';
import { SlimnetError } from '../../ir/errors.js';
import { saveModel } from '../../onnx/index.js';
import { formatInt, formatSi } from '../../report/format.js';
import { formatTable } from '../../report/table.js';
import { checkWritable } from '../../util/atomic-write.js';
import {
  FRACTION, optInt, optNumber, optString, POSITIVE, POSITIVE_INT, requirePositional, SEED, type Command,
  type CommandIo, type NumericRule, type ParsedOptions,
} from '../command.js';
import { resolveModel } from '../model-source.js';

/** --groups: shuffle needs at least two groups. */
const GROUPS: NumericRule = { kind: 'integer', min: 2 };

/** Rewrite-specific options and the rewrites they apply to. */
const SPECIFIC: Readonly<Record<string, readonly RewriteName[]>> = {
  'width-mult': ['width'], divisor: ['width'], size: ['resolution'], 'resolution-mult': ['resolution'], groups: ['shuffle'],
  'squeeze-ratio': ['fire'], 'expand3x3-ratio': ['fire'], 'mid-channels': ['factorize', '5x5-to-3x3'], head: ['gap'],
  'no-activation': ['depthwise', '5x5-to-3x3'],
};

function parseSize(text: string): [number, number] {
  const m = /^(\d+)(?:x(\d+))?$/.exec(text);
  if (m === null) throw new SlimnetError('INVALID_ARGUMENT', `--size expects H or HxW (e.g. 20x20), got '${text}'`);
  return [Number(m[1]), Number(m[2] ?? m[1])];
}

/** The library options from the command line (options that do not apply to `to` are errors). */
function rewriteOptions(to: RewriteName, o: ParsedOptions): RewriteOptions {
  for (const [name, applies] of Object.entries(SPECIFIC)) {
    if (o[name] !== undefined && o[name] !== false && !applies.includes(to)) {
      throw new SlimnetError('INVALID_ARGUMENT', `--${name} applies to --to ${applies.join(' / ')}, not ${to}`);
    }
  }
  const layers = optString(o, 'layers')?.split(',').map((s) => s.trim()).filter((s) => s !== '');
  const init = optString(o, 'init') ?? 'he';
  if (init !== 'he' && init !== 'fit') throw new SlimnetError('INVALID_ARGUMENT', `--init must be he or fit, got '${init}'`);
  const common = { ...(layers === undefined ? {} : { layers }), seed: optInt(o, 'seed', 0), init } as const;
  const num = (name: string): number | undefined => optNumber(o, name);
  const int = (name: string): number | undefined => (optString(o, name) === undefined ? undefined : optInt(o, name, 0));
  const opt = <T>(key: string, v: T | undefined): Record<string, T> => (v === undefined ? {} : { [key]: v });
  const linear = o['no-activation'] === true;
  switch (to) {
    case 'depthwise': return { to, ...common, ...(linear ? { activation: false } : {}) };
    case 'fire': return { to, ...common, ...opt('squeezeRatio', num('squeeze-ratio')), ...opt('expand3x3Ratio', num('expand3x3-ratio')) };
    case 'shuffle': return { to, ...common, ...opt('groups', int('groups')) };
    case 'factorize': return { to, ...common, ...opt('midChannels', int('mid-channels')) };
    case '5x5-to-3x3': return { to, ...common, ...opt('midChannels', int('mid-channels')), ...(linear ? { relu: false } : {}) };
    case 'gap': {
      const head = optString(o, 'head');
      if (head !== undefined && head !== 'conv' && head !== 'fc') throw new SlimnetError('INVALID_ARGUMENT', `--head must be conv or fc, got '${head}'`);
      return { to, ...common, ...(head === undefined ? {} : { head }) };
    }
    case 'width': {
      const multiplier = num('width-mult');
      if (multiplier === undefined) throw new SlimnetError('INVALID_ARGUMENT', '--to width needs --width-mult ALPHA');
      return { to, ...common, multiplier, ...opt('divisor', int('divisor')) };
    }
    case 'resolution': {
      const size = optString(o, 'size');
      return { to, ...common, ...(size === undefined ? {} : { size: parseSize(size) }), ...opt('multiplier', num('resolution-mult')) };
    }
  }
}

function ratio(before: number, after: number): string {
  if (after === 0 || before === after) return '';
  return after < before ? ` (${(before / after).toFixed(2)}x fewer)` : ` (${(after / before).toFixed(2)}x more)`;
}

function printReport(r: RewriteReport, io: CommandIo): void {
  io.out(formatTable(
    [{ header: 'layer' }, { header: 'change' }, { header: 'params before' }, { header: 'params after' }, { header: 'MACs before' }, { header: 'MACs after' }],
    r.changes.map((c) => [c.layers.join(', ') || '-', c.detail, formatInt(c.paramsBefore), formatInt(c.paramsAfter), formatSi(c.macsBefore), formatSi(c.macsAfter)]),
  ));
  for (const s of r.skipped) io.out(`skipped ${s.layer}: ${s.reason}`);
  io.out(`params ${formatInt(r.before.params)} -> ${formatInt(r.after.params)}${ratio(r.before.params, r.after.params)}; MACs ${formatSi(r.before.macs)} -> ${formatSi(r.after.macs)}${ratio(r.before.macs, r.after.macs)} per sample`);
}

export const rewriteCommand: Command = {
  name: 'rewrite',
  summary: 'Rewrite a model into a compact architecture (depthwise, Fire, shuffle, factorised, GAP head, width / resolution).',
  positionals: '<model.onnx|zoo-name>',
  options: {
    to: { type: 'string', placeholder: 'NAME', description: `the rewrite: ${REWRITE_NAMES.join(', ')}` },
    layers: { type: 'string', placeholder: 'A,B,...', description: 'node names to rewrite (default: every eligible layer)' },
    init: { type: 'string', placeholder: 'he|fit', description: "new weights: 'he' (seeded zoo init) or 'fit' (from the original: factorize, shuffle, gap, width)", default: 'he' },
    seed: {
      type: 'string', placeholder: 'N', numeric: SEED,
      description: 'seed of the new weights (and of zoo models)', default: '0',
    },
    'width-mult': { type: 'string', placeholder: 'ALPHA', numeric: POSITIVE, description: 'width: channel multiplier' },
    divisor: {
      type: 'string', placeholder: 'N', numeric: POSITIVE_INT,
      description: 'width: round channel counts to multiples of N',
    },
    size: { type: 'string', placeholder: 'HxW', description: 'resolution: new input size' },
    'resolution-mult': {
      type: 'string', placeholder: 'F', numeric: POSITIVE,
      description: 'resolution: input size multiplier',
    },
    groups: { type: 'string', placeholder: 'G', numeric: GROUPS, description: 'shuffle: groups (default 4)' },
    'squeeze-ratio': {
      type: 'string', placeholder: 'F', numeric: FRACTION,
      description: 'fire: squeeze channels / output channels (default 0.125)',
    },
    'expand3x3-ratio': {
      type: 'string', placeholder: 'F', numeric: FRACTION,
      description: 'fire: share of 3x3 expand channels (default 0.5)',
    },
    'mid-channels': {
      type: 'string', placeholder: 'N', numeric: POSITIVE_INT,
      description: 'factorize, 5x5-to-3x3: intermediate channels (default: output channels)',
    },
    head: { type: 'string', placeholder: 'conv|fc', description: 'gap: 1x1 conv to classes + GAP (conv, default) or GAP + fc' },
    'no-activation': { type: 'boolean', description: 'depthwise: no BN + ReLU between dw and pw; 5x5-to-3x3: no ReLU between the 3x3s' },
    'zoo-width': {
      type: 'string', placeholder: 'ALPHA', numeric: POSITIVE,
      description: 'width multiplier of a zoo source model',
    },
    out: { type: 'string', placeholder: 'PATH', description: 'where to write the rewritten ONNX model' },
  },
  details: [
    'rewrites:',
    ...REWRITE_NAMES.map((n) => `  ${n.padEnd(11)} ${REWRITES[n].summary}`),
    '',
    'The rewritten layers get new weights: train the model (slimnet train --model OUT.onnx) or distil into it.',
  ].join('\n'),
  async run(positionals, o, io) {
    const to = optString(o, 'to');
    if (to === undefined) throw new SlimnetError('INVALID_ARGUMENT', `slimnet rewrite: --to is required (${REWRITE_NAMES.join(', ')})`);
    if (!isRewriteName(to)) throw new SlimnetError('INVALID_ARGUMENT', `unknown rewrite '${to}'; available: ${REWRITE_NAMES.join(', ')}`);
    const out = optString(o, 'out');
    if (out === undefined) throw new SlimnetError('INVALID_ARGUMENT', 'slimnet rewrite: --out PATH is required');
    const opts = rewriteOptions(to, o);
    const zooWidth = optNumber(o, 'zoo-width');
    const source = resolveModel(requirePositional(this, positionals, 0, 'a model'), { seed: optInt(o, 'seed', 0), ...(zooWidth === undefined ? {} : { width: zooWidth }) });
    const protect = source.path === undefined ? [] : [source.path];
    checkWritable(out, { protect });
    const { model, report } = rewrite(source.model, opts);
    saveModel(model, out, { protect });
    if (o.json === true) return (io.out(JSON.stringify({ model: source.label, to, out, report }, null, 2)), 0);
    printReport(report, io);
    io.out(`saved ${out} (${report.changes.length} change(s); new weights: ${opts.init === 'fit' ? 'fitted to the original' : `He / Xavier, seed ${opts.seed ?? 0}`})`);
    return 0;
  },
};
