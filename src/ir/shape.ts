/** Shapes: a dimension is a number, a symbolic name (e.g. 'N'), or null when unknown. */
export type Dim = number | string | null;
/** A tensor shape: one Dim per axis (a number, a symbolic name, or null for unknown). */
export type Shape = readonly Dim[];

/** Whether a shape is known and every dim is a number. */
export function isStaticShape(s: Shape | undefined): s is readonly number[] {
  return s !== undefined && s.every((d) => typeof d === 'number');
}

/** A shape as text, e.g. `[N,3,32,32]`; unknown dims print as `?`, an unknown shape as `?`. */
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

/**
 * Whether two dims are known to be equal: equal numbers or equal symbol names; an unknown (null) dim equals nothing.
 */
export function dimsEqual(a: Dim, b: Dim): boolean {
  return a !== null && b !== null && a === b;
}
