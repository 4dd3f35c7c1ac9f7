/**
 * BlazeFace post-processing as pure functions: anchor generation, decoding of the regressor
 * heads, and MediaPipe's weighted non-maximum suppression. Coordinates here are in the model's
 * unit input space ([0, 1] over the 256x256 input); `detect.ts` maps them to image pixels.
 *
 * References: keijiro/BlazeFaceBarracuda `Shaders/Postprocess1Kernel.hlsl` and
 * `Postprocess2.compute` (the shipped package), MediaPipe `TensorsToDetectionsCalculator`
 * and `NonMaxSuppressionCalculator` (WEIGHTED).
 */

export interface Head {
  grid: number;
  anchorsPerCell: number;
}

/** A decoded candidate: centre, size and 6 keypoints (x, y interleaved), all in unit coordinates. */
export interface Candidate {
  cx: number;
  cy: number;
  w: number;
  h: number;
  keypoints: Float64Array; // 12 values
  score: number;
}

/** Anchor centres of one head, as [x0, y0, x1, y1, ...], row-major with anchors innermost. */
export function anchorCentres(head: Head): Float32Array {
  const out = new Float32Array(head.grid * head.grid * head.anchorsPerCell * 2);
  let i = 0;
  for (let row = 0; row < head.grid; row += 1) {
    for (let col = 0; col < head.grid; col += 1) {
      for (let a = 0; a < head.anchorsPerCell; a += 1) {
        out[i++] = (col + 0.5) / head.grid;
        out[i++] = (row + 0.5) / head.grid;
      }
    }
  }
  return out;
}

const sigmoid = (x: number): number => 1 / (1 + Math.exp(-Math.max(-100, Math.min(100, x))));

/** Inverse of the score sigmoid: compare raw logits against this to skip exp() on most anchors. */
export const logit = (p: number): number => Math.log(p / (1 - p));

/**
 * Decodes the anchors of one head whose score exceeds `threshold`. `scores` has one logit per
 * anchor, `boxes` 16 regressors per anchor in input pixels relative to the anchor centre.
 */
export function decodeHead(
  scores: Float32Array,
  boxes: Float32Array,
  anchors: Float32Array,
  inputSize: number,
  threshold: number,
  out: Candidate[] = [],
): Candidate[] {
  const minLogit = logit(threshold);
  const inv = 1 / inputSize;
  for (let i = 0; i < scores.length; i += 1) {
    if (!(scores[i] > minLogit)) continue;
    const ax = anchors[2 * i];
    const ay = anchors[2 * i + 1];
    const b = i * 16;
    const keypoints = new Float64Array(12);
    for (let k = 0; k < 6; k += 1) {
      keypoints[2 * k] = ax + boxes[b + 4 + 2 * k] * inv;
      keypoints[2 * k + 1] = ay + boxes[b + 5 + 2 * k] * inv;
    }
    out.push({
      cx: ax + boxes[b] * inv,
      cy: ay + boxes[b + 1] * inv,
      w: boxes[b + 2] * inv,
      h: boxes[b + 3] * inv,
      keypoints,
      score: sigmoid(scores[i]),
    });
  }
  return out;
}

export function iou(a: Candidate, b: Candidate): number {
  const x0 = Math.max(a.cx - a.w / 2, b.cx - b.w / 2);
  const y0 = Math.max(a.cy - a.h / 2, b.cy - b.h / 2);
  const x1 = Math.min(a.cx + a.w / 2, b.cx + b.w / 2);
  const y1 = Math.min(a.cy + a.h / 2, b.cy + b.h / 2);
  const inner = Math.max(0, x1 - x0) * Math.max(0, y1 - y0);
  const union = a.w * a.h + b.w * b.h - inner;
  return union > 0 ? inner / union : 0;
}

/**
 * Weighted NMS: take the best remaining candidate, merge every remaining candidate that
 * overlaps it by at least `iouThreshold` into a score-weighted mean of boxes and keypoints,
 * keep the best score. Works on candidates in any common coordinate space.
 */
export function weightedNms(candidates: Candidate[], iouThreshold: number): Candidate[] {
  const rest = [...candidates].sort((a, b) => b.score - a.score);
  const out: Candidate[] = [];
  while (rest.length > 0) {
    const top = rest[0];
    const merged: Candidate[] = [];
    const remaining: Candidate[] = [];
    for (const c of rest) (c === top || iou(top, c) >= iouThreshold ? merged : remaining).push(c);
    let sw = 0;
    let cx = 0;
    let cy = 0;
    let w = 0;
    let h = 0;
    const keypoints = new Float64Array(12);
    for (const c of merged) {
      sw += c.score;
      cx += c.cx * c.score;
      cy += c.cy * c.score;
      w += c.w * c.score;
      h += c.h * c.score;
      for (let k = 0; k < 12; k += 1) keypoints[k] += c.keypoints[k] * c.score;
    }
    for (let k = 0; k < 12; k += 1) keypoints[k] /= sw;
    out.push({ cx: cx / sw, cy: cy / sw, w: w / sw, h: h / sw, keypoints, score: top.score });
    rest.splice(0, rest.length, ...remaining);
  }
  return out;
}
