/**
 * `slimnet rewrite model.onnx|zoo-name --to NAME --out PATH`: a compact-filter rewrite (a new architecture
 * to train or distil), printing each changed layer with its parameters and MACs before and after.
 */
import { compactRewrite, compactRewrites } from '../../compress/compact/rewrites.js';
import { rewrite } from '../../compress/compact/rewrite.js';
import type { RewriteReport } from '../../compress/compact/types.js';
import { splitList } from '../../compress/options.js';
import { SlimnetError } from '../../ir/errors.js';
import { saveModel } from '../../onnx/index.js';
import { formatInt, formatSi } from '../../report/format.js';
import { formatTable } from '../../report/table.js';
import { checkWritable } from '../../util/atomic-write.js';
import {
  optInt, optNumber, optString, POSITIVE, requirePositional, SEED, type Command, type CommandIo, type OptionSpecs,
} from '../command.js';
import { methodFlagHelp, methodFlagSpecs, methodOptionsFromFlags } from '../method-flags.js';
import { resolveModel } from '../model-source.js';

const names = (): string => compactRewrites.map((r) => r.name).join(', ');

/** The command's own flags; each rewrite's options add theirs (`widthMult` -> `--width-mult`). */
const COMMAND_OPTIONS: OptionSpecs = {
  to: { type: 'string', placeholder: 'NAME', description: 'the rewrite (see the list below)' },
  layers: {
    type: 'string', placeholder: 'A,B,...', description: 'node names to rewrite (default: every eligible layer)',
  },
  init: {
    type: 'string', placeholder: 'he|fit', default: 'he',
    description: "new weights: 'he' (seeded zoo init) or 'fit' (from the original: factorize, shuffle, gap, width)",
  },
  seed: {
    type: 'string', placeholder: 'N', numeric: SEED,
    description: 'seed of the new weights (and of zoo models)', default: '0',
  },
  'zoo-width': {
    type: 'string', placeholder: 'ALPHA', numeric: POSITIVE,
    description: 'width multiplier of a zoo source model',
  },
  out: { type: 'string', placeholder: 'PATH', description: 'where to write the rewritten ONNX model' },
};

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
  // Derived from the registry when asked, so rewrites registered later get their flags and help too.
  get options() { return methodFlagSpecs(compactRewrites, COMMAND_OPTIONS); },
  get details() {
    return [...methodFlagHelp(compactRewrites), '',
      'The rewritten layers get new weights: train the model (slimnet train --model OUT.onnx) or distil into it.',
    ].join('\n');
  },
  async run(positionals, o, io) {
    const to = optString(o, 'to');
    if (to === undefined) throw new SlimnetError('INVALID_ARGUMENT', `slimnet rewrite: --to is required (${names()})`);
    const options = methodOptionsFromFlags(compactRewrites, compactRewrite(to), COMMAND_OPTIONS, o, 'to');
    const out = optString(o, 'out');
    if (out === undefined) throw new SlimnetError('INVALID_ARGUMENT', 'slimnet rewrite: --out PATH is required');
    const init = optString(o, 'init') ?? 'he';
    if (init !== 'he' && init !== 'fit') {
      throw new SlimnetError('INVALID_ARGUMENT', `--init must be he or fit, got '${init}'`);
    }
    const layers = splitList(optString(o, 'layers'));
    const opts = { to, options, init, seed: optInt(o, 'seed', 0), ...(layers.length === 0 ? {} : { layers }) } as const;
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
