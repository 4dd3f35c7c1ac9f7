import type { ModelEntry } from './manifest.ts';
import type { ort } from './session.ts';

/** A 128-d face descriptor; compare two with Euclidean distance. */
export type Descriptor = Float32Array;

/** Runs the dlib ResNet descriptor on 150x150 RGB24 chips (see `alignFace`). */
export class FaceDescriber {
  readonly size: number;
  private readonly input: Float32Array;
  private readonly tensor: ort.Tensor;

  constructor(
    private readonly session: ort.InferenceSession,
    private readonly entry: ModelEntry,
    private readonly Tensor: typeof ort.Tensor,
  ) {
    this.size = Number(entry.input.shape[1]);
    this.input = new Float32Array(this.size * this.size * 3);
    this.tensor = new Tensor('float32', this.input, [1, this.size, this.size, 3]);
  }

  async describe(chip: Uint8Array): Promise<Descriptor> {
    const n = this.size * this.size * 3;
    if (chip.length !== n)
      throw new Error(`chip has ${chip.length} bytes, expected ${n} (${this.size}x${this.size} RGB24)`);
    for (let i = 0; i < n; i += 1) this.input[i] = chip[i];
    const out = await this.session.run({ [this.entry.input.name]: this.tensor });
    return Float32Array.from(out[this.entry.outputs[0].name].data as Float32Array);
  }

  /** Several chips in one call (one batched inference). */
  async describeMany(chips: Uint8Array[]): Promise<Descriptor[]> {
    if (chips.length === 0) return [];
    if (chips.length === 1) return [await this.describe(chips[0])];
    const n = this.size * this.size * 3;
    const input = new Float32Array(n * chips.length);
    chips.forEach((c, i) => {
      if (c.length !== n) throw new Error(`chip ${i} has ${c.length} bytes, expected ${n}`);
      input.set(c, i * n);
    });
    const out = await this.session.run({
      [this.entry.input.name]: new this.Tensor('float32', input, [chips.length, this.size, this.size, 3]),
    });
    const data = out[this.entry.outputs[0].name].data as Float32Array;
    return chips.map((_, i) => data.slice(i * 128, (i + 1) * 128));
  }
}
