/**
 * Dense n-way tensors (row-major Float64Array + dims) for tensor decompositions: mode unfoldings and
 * their inverse, mode products and the Khatri-Rao product.
 *
 * Mode-n unfolding: X_(n) has dims[n] rows; its columns enumerate the other indices in row-major order
 * (the last index fastest). With that ordering a CP tensor Σ_r a⁰_r ∘ a¹_r ∘ … unfolds to
 * X_(n) = Aₙ · (⊙ of the other factors in mode order)ᵀ, where ⊙ is `khatriRao` below.
 */
import { SlimnetError } from '../../ir/errors.js';
import { matmul, matrix, type Matrix } from './matrix.js';

export interface DenseTensor {
  readonly dims: readonly number[];
  readonly data: Float64Array;
}

function size(dims: readonly number[]): number {
  return dims.reduce((a, b) => a * b, 1);
}

function checkMode(dims: readonly number[], mode: number): void {
  if (!Number.isInteger(mode) || mode < 0 || mode >= dims.length) {
    throw new SlimnetError('INVALID_ARGUMENT', `mode ${mode} is out of range for a tensor of dims [${dims.join(',')}]`);
  }
}

/** Strides (row-major) of dims. */
function strides(dims: readonly number[]): number[] {
  const s = new Array<number>(dims.length).fill(1);
  for (let i = dims.length - 2; i >= 0; i--) s[i] = (s[i + 1] as number) * (dims[i + 1] as number);
  return s;
}

/** For every element (in row-major order) its (row, column) in the mode-n unfolding. */
function unfoldIndex(dims: readonly number[], mode: number): { row: Int32Array; col: Int32Array } {
  const n = size(dims);
  const row = new Int32Array(n);
  const col = new Int32Array(n);
  const st = strides(dims);
  const inner = st[mode] as number;
  const dm = dims[mode] as number;
  for (let e = 0; e < n; e++) {
    const i = Math.floor(e / inner) % dm;
    const outer = Math.floor(e / (inner * dm));
    row[e] = i;
    col[e] = outer * inner + (e % inner);
  }
  return { row, col };
}

/** The mode-n unfolding of a tensor. */
export function unfold(t: DenseTensor, mode: number): Matrix {
  checkMode(t.dims, mode);
  if (t.data.length !== size(t.dims)) throw new SlimnetError('SHAPE_MISMATCH', `tensor of dims [${t.dims.join(',')}] holds ${t.data.length} elements`);
  const rows = t.dims[mode] as number;
  const cols = rows === 0 ? 0 : t.data.length / rows;
  const m = matrix(rows, cols);
  const { row, col } = unfoldIndex(t.dims, mode);
  for (let e = 0; e < t.data.length; e++) m.data[(row[e] as number) * cols + (col[e] as number)] = t.data[e] as number;
  return m;
}

/** Inverse of `unfold`: the tensor of `dims` whose mode-n unfolding is m. */
export function fold(m: Matrix, dims: readonly number[], mode: number): DenseTensor {
  checkMode(dims, mode);
  if (m.rows !== dims[mode] || m.rows * m.cols !== size(dims)) {
    throw new SlimnetError('SHAPE_MISMATCH', `a ${m.rows}×${m.cols} matrix is not a mode-${mode} unfolding of [${dims.join(',')}]`);
  }
  const data = new Float64Array(size(dims));
  const { row, col } = unfoldIndex(dims, mode);
  for (let e = 0; e < data.length; e++) data[e] = m.data[(row[e] as number) * m.cols + (col[e] as number)] as number;
  return { dims: [...dims], data };
}

/** t ×ₙ m: mode n of t (size dims[n]) is mapped by m (J × dims[n]) to size J. */
export function modeProduct(t: DenseTensor, mode: number, m: Matrix): DenseTensor {
  checkMode(t.dims, mode);
  if (m.cols !== t.dims[mode]) {
    throw new SlimnetError('SHAPE_MISMATCH', `mode-${mode} product: matrix has ${m.cols} columns, tensor mode size ${t.dims[mode]}`);
  }
  const dims = [...t.dims];
  dims[mode] = m.rows;
  return fold(matmul(m, unfold(t, mode)), dims, mode);
}

/** Column-wise Kronecker product: (a ⊙ b)[i·b.rows + j, r] = a[i, r] · b[j, r] (a's index slowest). */
export function khatriRao(a: Matrix, b: Matrix): Matrix {
  if (a.cols !== b.cols) throw new SlimnetError('SHAPE_MISMATCH', `khatriRao: ${a.cols} vs ${b.cols} columns`);
  const r = a.cols;
  const out = matrix(a.rows * b.rows, r);
  for (let i = 0; i < a.rows; i++) {
    for (let j = 0; j < b.rows; j++) {
      const row = (i * b.rows + j) * r;
      for (let k = 0; k < r; k++) out.data[row + k] = (a.data[i * r + k] as number) * (b.data[j * r + k] as number);
    }
  }
  return out;
}

/** ⊙ of several factors, the first one's index slowest. */
export function khatriRaoAll(factors: readonly Matrix[]): Matrix {
  const [first, ...rest] = factors;
  if (first === undefined) throw new SlimnetError('INVALID_ARGUMENT', 'khatriRaoAll needs at least one factor');
  return rest.reduce((acc, f) => khatriRao(acc, f), first);
}

/** The full tensor Σ_r weights[r] · f⁰[:, r] ∘ f¹[:, r] ∘ … of CP factors (weights default to 1). */
export function cpCompose(factors: readonly Matrix[], weights?: ArrayLike<number>): DenseTensor {
  const dims = factors.map((f) => f.rows);
  const [first, ...rest] = factors;
  if (first === undefined) throw new SlimnetError('INVALID_ARGUMENT', 'cpCompose needs at least one factor');
  const scaled = matrix(first.rows, first.cols, first.data);
  if (weights !== undefined) {
    for (let i = 0; i < scaled.rows; i++) for (let r = 0; r < scaled.cols; r++) scaled.data[i * scaled.cols + r] = (scaled.data[i * scaled.cols + r] as number) * (weights[r] as number);
  }
  if (rest.length === 0) {
    const sums = new Float64Array(first.rows);
    for (let i = 0; i < first.rows; i++) for (let r = 0; r < first.cols; r++) sums[i] = (sums[i] as number) + (scaled.data[i * first.cols + r] as number);
    return { dims, data: sums };
  }
  const k = khatriRaoAll(rest);
  const m = matrix(first.rows, k.rows);
  const r = first.cols;
  for (let i = 0; i < first.rows; i++) {
    for (let j = 0; j < k.rows; j++) {
      let s = 0;
      for (let t = 0; t < r; t++) s += (scaled.data[i * r + t] as number) * (k.data[j * r + t] as number);
      m.data[i * k.rows + j] = s;
    }
  }
  return fold(m, dims, 0);
}
