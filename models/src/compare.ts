/** Euclidean distance between two descriptors. */
export function distance(a: Float32Array, b: Float32Array): number {
  if (a.length !== b.length) throw new Error(`descriptor lengths differ: ${a.length} vs ${b.length}`);
  let s = 0;
  for (let i = 0; i < a.length; i += 1) {
    const d = a[i] - b[i];
    s += d * d;
  }
  return Math.sqrt(s);
}

export interface Comparison {
  distance: number;
  /** distance < threshold: the same person, as far as the descriptor can tell. */
  match: boolean;
}

export function compareWith(threshold: number) {
  return (a: Float32Array, b: Float32Array): Comparison => {
    const d = distance(a, b);
    return { distance: d, match: d < threshold };
  };
}
