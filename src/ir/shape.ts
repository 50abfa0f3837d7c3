/** Shapes: a dimension is a number, a symbolic name (e.g. 'N'), or null when unknown. */
export type Dim = number | string | null;
export type Shape = readonly Dim[];

export function isStaticShape(s: Shape | undefined): s is readonly number[] {
  return s !== undefined && s.every((d) => typeof d === 'number');
}

export function shapeToString(s: Shape | undefined): string {
  if (s === undefined) return '?';
  return `[${s.map((d) => (d === null ? '?' : String(d))).join(',')}]`;
}

/** Number of elements of a static shape; undefined if any dimension is not a number. */
export function shapeSize(s: Shape | undefined): number | undefined {
  if (!isStaticShape(s)) return undefined;
  let n = 1;
  for (const d of s) n *= d;
  return n;
}

export function dimsEqual(a: Dim, b: Dim): boolean {
  return a !== null && b !== null && a === b;
}
