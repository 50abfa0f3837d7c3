/** Small dense linear algebra for ThiNet: greedy channel selection on a Gram matrix, SPD solve. */

/**
 * Channels in the order ThiNet removes them: each step adds the channel whose removal (together with the
 * ones already removed) increases the squared reconstruction error least. `gram` is size × size.
 */
export function greedyOrder(gram: Float64Array, size: number): number[] {
  const cross = new Float64Array(size);
  const taken = new Uint8Array(size);
  const order: number[] = [];
  for (let step = 0; step < size; step++) {
    let best = -1;
    let bestCost = Infinity;
    for (let c = 0; c < size; c++) {
      if (taken[c] === 1) continue;
      const cost = 2 * (cross[c] as number) + (gram[c * size + c] as number);
      if (best === -1 || cost < bestCost - 1e-12 * Math.abs(bestCost)) {
        best = c;
        bestCost = cost;
      }
    }
    taken[best] = 1;
    order.push(best);
    for (let c = 0; c < size; c++) cross[c] = (cross[c] as number) + (gram[best * size + c] as number);
  }
  return order;
}

/** Solves A x = b for a symmetric positive semi-definite A (n × n) with a small ridge, by Cholesky. */
export function solveSpd(a: Float64Array, b: Float64Array, n: number): Float64Array {
  let trace = 0;
  for (let i = 0; i < n; i++) trace += a[i * n + i] as number;
  const ridge = Math.max(1e-12, (1e-8 * trace) / Math.max(1, n));
  const l = new Float64Array(n * n);
  for (let i = 0; i < n; i++) {
    for (let j = 0; j <= i; j++) {
      let s = (a[i * n + j] as number) + (i === j ? ridge : 0);
      for (let k = 0; k < j; k++) s -= (l[i * n + k] as number) * (l[j * n + k] as number);
      l[i * n + j] = i === j ? Math.sqrt(Math.max(s, 1e-300)) : s / (l[j * n + j] as number);
    }
  }
  const y = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    let s = b[i] as number;
    for (let k = 0; k < i; k++) s -= (l[i * n + k] as number) * (y[k] as number);
    y[i] = s / (l[i * n + i] as number);
  }
  const x = new Float64Array(n);
  for (let i = n - 1; i >= 0; i--) {
    let s = y[i] as number;
    for (let k = i + 1; k < n; k++) s -= (l[k * n + i] as number) * (x[k] as number);
    x[i] = s / (l[i * n + i] as number);
  }
  return x;
}
