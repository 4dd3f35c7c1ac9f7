import type { Descriptor } from './describe.ts';

/**
 * Faces narrower than this (detected box width, px) are described twice — the chip and its
 * mirror image — and the two descriptors averaged (issue 15). On the degraded set (JPEG q60,
 * clean enrolment photos as gallery) this lifts TAR at FAR <= 1 % at 40 px from 89.2 % to
 * 93.8 %, keeps 30 px at 100 %, and at 60 px it did not help (94.7 % -> 93.3 %), so larger faces
 * keep one inference. Costs one more descriptor inference per small face, in the same batch.
 */
export const FLIP_AVERAGE_BELOW_PX = 50;

/** The chip mirrored left to right (RGB24, `size` x `size`). */
export function mirrorChip(chip: Uint8Array, size: number): Uint8Array {
  const out = new Uint8Array(chip.length);
  for (let y = 0; y < size; y++) {
    const row = y * size * 3;
    for (let x = 0; x < size; x++) {
      const from = row + (size - 1 - x) * 3;
      const to = row + x * 3;
      out[to] = chip[from]!;
      out[to + 1] = chip[from + 1]!;
      out[to + 2] = chip[from + 2]!;
    }
  }
  return out;
}

/**
 * Describes each chip as the matcher wants it: once for faces at least
 * {@link FLIP_AVERAGE_BELOW_PX} wide, as the mean of the chip and its mirror for narrower ones.
 * All inferences go in one batch. Shared by the edge analyser and the degraded-set calibration,
 * so the band thresholds are calibrated on the descriptors the edge actually compares.
 *
 * @example
 * const descriptors = await describeForMatching((c) => vision.describeFaces(c), chips, widths, vision.chipSize);
 */
export async function describeForMatching(
  describe: (chips: Uint8Array[]) => Promise<Descriptor[]>,
  chips: Uint8Array[],
  faceWidths: number[],
  chipSize: number,
): Promise<Descriptor[]> {
  const batch = [...chips];
  const mirrorOf = chips.map((chip, i) =>
    faceWidths[i]! < FLIP_AVERAGE_BELOW_PX ? batch.push(mirrorChip(chip, chipSize)) - 1 : -1,
  );
  const out = await describe(batch);
  return chips.map((_, i) => {
    const m = mirrorOf[i]!;
    return m < 0 ? out[i]! : out[i]!.map((v, k) => (v + out[m]![k]!) / 2);
  });
}
