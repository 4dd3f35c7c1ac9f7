import { describe, expect, it } from 'vitest';
import { describeForMatching, FLIP_AVERAGE_BELOW_PX, mirrorChip } from '../src/index.ts';

describe('mirror-averaged descriptors for small faces (issue 15)', () => {
  it('mirrors a chip left to right, pixel by pixel', () => {
    // 2x2 RGB: [a b / c d] -> [b a / d c]
    const chip = Uint8Array.from([1, 1, 1, 2, 2, 2, 3, 3, 3, 4, 4, 4]);
    expect(Array.from(mirrorChip(chip, 2))).toEqual([2, 2, 2, 1, 1, 1, 4, 4, 4, 3, 3, 3]);
  });

  it('describes only the faces under the limit twice, in one batch, and averages their pair', async () => {
    const batches: number[][] = [];
    // A stand-in descriptor: the first byte of the chip, so each output shows which chip it came from.
    const describe = async (chips: Uint8Array[]) => {
      batches.push(chips.map((c) => c[0]!));
      return chips.map((c) => Float32Array.from([c[0]!, 0]));
    };
    const small = Uint8Array.from([10, 0, 0, 20, 0, 0, 30, 0, 0, 40, 0, 0]); // 2x2: mirrored starts with 20
    const large = Uint8Array.from([7, 0, 0, 8, 0, 0, 9, 0, 0, 6, 0, 0]);
    const out = await describeForMatching(describe, [small, large], [FLIP_AVERAGE_BELOW_PX - 1, 80], 2);
    expect(batches).toEqual([[10, 7, 20]]); // one batch: small, large, mirrored small
    expect(Array.from(out[0]!)).toEqual([15, 0]); // small: mean of the chip's and its mirror's
    expect(Array.from(out[1]!)).toEqual([7, 0]); // large: one inference
    expect(out).toHaveLength(2);
  });
});
