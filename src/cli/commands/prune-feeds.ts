/**
 * `slimnet prune model.onnx --method magnitude --data DIR` where DIR is a feed directory (docs/data.md): a
 * weight-only method prunes without data or fine-tuning, and the result's fidelity to the input model is measured
 * on the feeds (labels optional).
 */
import type { SparsityTarget } from '../../compress/pruning/unstructured/types.js';
import type { RawOptions } from '../../compress/options.js';
import { pruneWeightsOnly } from '../../compress/pruning/unstructured/pipeline.js';
import { SlimnetError } from '../../ir/errors.js';
import { formatFidelity } from '../../metrics/fidelity.js';
import { saveModel } from '../../onnx/index.js';
import { formatInt } from '../../report/format.js';
import { compareModels } from '../../runtime/compare.js';
import { isGiven, optInt, optString, type CommandIo, type ParsedOptions } from '../command.js';
import { readFeedsFor } from '../feeds-source.js';
import type { ModelSource } from '../model-source.js';

/** What a feed-directory prune needs from the command line. */
export interface FeedPruneRequest {
  readonly source: ModelSource;
  readonly method: string;
  readonly sparsity: SparsityTarget;
  readonly methodOptions: RawOptions;
  readonly out: string;
}

/** Prunes with a weight-only method, saves, then reports fidelity on the feeds in `--data`. */
export async function pruneOnFeeds(r: FeedPruneRequest, o: ParsedOptions, io: CommandIo): Promise<number> {
  const spec = optString(o, 'data') as string;
  if (isGiven(o, 'finetune-epochs') && optInt(o, 'finetune-epochs', 0) > 0) {
    throw new SlimnetError('INVALID_ARGUMENT', `--finetune-epochs needs a labelled data set; '${spec}' is a feed `
      + 'directory (drop the flag: pruning on feeds does not fine-tune)');
  }
  const feeds = readFeedsFor(spec, io);
  const pruned = await pruneWeightsOnly(r.source.model, {
    method: r.method, sparsity: r.sparsity, methodOptions: r.methodOptions,
  });
  saveModel(pruned.model, r.out, r.source.path === undefined ? {} : { protect: [r.source.path] });
  const fidelity = await compareModels(r.source.model, pruned.model, feeds, { threads: optInt(o, 'threads', 2) });
  const s = pruned.stats;
  if (o.json === true) {
    io.out(JSON.stringify({ model: r.source.label, method: r.method, out: r.out, data: feeds.source, stats: s,
      fidelity }, null, 2));
    return 0;
  }
  io.out(`${r.source.label}: ${r.method}, prunable weights ${formatInt(s.params)} -> ${formatInt(s.nonzero)} nonzero `
    + `(${s.ratio.toFixed(1)}x fewer), no fine-tuning (feeds carry no labels)`);
  io.out(`saved ${r.out}`);
  io.out(`fidelity to the input model on ${feeds.source} (${fidelity.count} samples):`);
  for (const line of formatFidelity(fidelity.outputs)) io.out(`  ${line}`);
  return 0;
}
