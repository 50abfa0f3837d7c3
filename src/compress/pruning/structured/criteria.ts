/** Importance criteria by name (the CLI's and the pipeline's vocabulary). */
import { SlimnetError } from '../../../ir/errors.js';
import { apozImportance } from './importance/apoz.js';
import { bnScaleImportance, magnitudeImportance } from './importance/magnitude.js';
import { taylorImportance } from './importance/taylor.js';
import { ThiNetImportance } from './importance/thinet.js';
import type { Importance } from './importance/types.js';
import { sslImportance } from './sparsity.js';

export const CRITERION_NAMES = ['l1', 'l2', 'apoz', 'taylor', 'thinet', 'bn-scale', 'ssl', 'slimming'] as const;
export type CriterionName = (typeof CRITERION_NAMES)[number];

/** A fresh criterion instance ('ssl' / 'slimming' score after their sparsity training; see pipeline.ts). */
export function criterionByName(name: CriterionName): Importance {
  switch (name) {
    case 'l1': return magnitudeImportance({ p: 1 });
    case 'l2': return magnitudeImportance({ p: 2 });
    case 'apoz': return apozImportance();
    case 'taylor': return taylorImportance();
    case 'thinet': return new ThiNetImportance();
    case 'bn-scale': return bnScaleImportance();
    case 'ssl': return sslImportance();
    case 'slimming': return { ...bnScaleImportance(), name: 'slimming' };
    default:
      throw new SlimnetError('INVALID_ARGUMENT', `unknown pruning criterion '${String(name)}'; use ${CRITERION_NAMES.join(', ')}`);
  }
}
