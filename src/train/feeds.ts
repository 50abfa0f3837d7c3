/**
 * The feed dictionary of the training session, kept across steps. Each step's outputs (updated
 * parameters, optimizer state, running statistics) become the next step's inputs by swapping tensor
 * objects — no copies on our side; onnxruntime feeds inputs zero-copy. The batch, label and scalar
 * tensors reuse their buffers.
 */
import { SlimnetError } from '../ir/errors.js';
import { Tensor } from '../ir/tensor.js';
import type { TrainingGraphInfo } from './training-graph.js';

export class TrainingFeeds {
  readonly feeds: Record<string, Tensor> = {};
  private readonly info: TrainingGraphInfo;
  /** (output name, input name) pairs swapped after each step. */
  private readonly carry: Array<readonly [string, string]> = [];
  private readonly labels: BigInt64Array;
  private readonly scalars = new Map<string, Tensor>();

  /** `values` holds every parameter, running statistic and optimizer-state input by name (state may be absent: zeros). */
  constructor(info: TrainingGraphInfo, values: ReadonlyMap<string, Float32Array>, masks: Readonly<Record<string, Float32Array>>, batchSize: number) {
    this.info = info;
    this.labels = new BigInt64Array(batchSize);
    const need = (name: string, dims: readonly number[], zerosOk: boolean): void => {
      const v = values.get(name) ?? (zerosOk ? new Float32Array(dims.reduce((a, d) => a * d, 1)) : undefined);
      if (v === undefined) throw new SlimnetError('INVALID_ARGUMENT', `no initial value for training input '${name}'`);
      this.feeds[name] = new Tensor('float32', dims, v);
    };
    for (const p of info.params) {
      need(p.name, p.dims, false);
      this.carry.push([p.output, p.name]);
      for (const s of p.state) {
        need(s.input, p.dims, true);
        this.carry.push([s.output, s.input]);
      }
      if (p.mask !== undefined) {
        const m = masks[p.name];
        if (m === undefined) throw new SlimnetError('INVALID_ARGUMENT', `parameter '${p.name}' is masked but no mask was given`);
        this.feeds[p.mask] = new Tensor('float32', p.dims, m);
      }
    }
    for (const b of info.buffers) {
      need(b.name, b.dims, false);
      this.carry.push([b.output, b.name]);
    }
    const { lr, adamC1, adamC2 } = info.scalars;
    for (const name of [lr, adamC1, adamC2]) {
      if (name === undefined) continue;
      const t = Tensor.scalar(0);
      this.scalars.set(name, t);
      this.feeds[name] = t;
    }
  }

  setBatch(x: Float32Array, dims: readonly number[], y: Int32Array): void {
    this.feeds[this.info.input] = new Tensor('float32', dims, x);
    const n = y.length;
    for (let i = 0; i < n; i++) this.labels[i] = BigInt(y[i] as number);
    this.feeds[this.info.labels] = new Tensor('int64', [n], n === this.labels.length ? this.labels : this.labels.subarray(0, n));
  }

  setScalar(name: string | undefined, value: number): void {
    if (name === undefined) return;
    const t = this.scalars.get(name);
    if (t !== undefined) (t.data as Float32Array)[0] = value;
  }

  /** Moves a step's updated values into the inputs. */
  absorb(out: Readonly<Record<string, Tensor>>): void {
    for (const [o, i] of this.carry) {
      const t = out[o];
      if (t === undefined) throw new SlimnetError('RUNTIME', `training step returned no output '${o}'`);
      this.feeds[i] = t;
    }
  }

  /** Current float32 contents of a fed tensor. */
  current(name: string): Float32Array {
    const t = this.feeds[name];
    if (t === undefined) throw new SlimnetError('INVALID_ARGUMENT', `no training input '${name}'`);
    return t.data as Float32Array;
  }

  /** Every parameter, running statistic and optimizer state by input name (views, not copies). */
  snapshot(): Map<string, Float32Array> {
    const m = new Map<string, Float32Array>();
    for (const [, i] of this.carry) m.set(i, this.current(i));
    return m;
  }
}
