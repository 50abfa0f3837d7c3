/** ThiNet channel selection: greedy order on a Gram matrix (the SPD solve lives in util/linalg/cholesky.ts). */

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
