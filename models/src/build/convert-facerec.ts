import { readTfjsWeights, type Weight } from './tfjs-weights.ts';
import { OnnxGraph } from './onnx-graph.ts';

/** Input normalisation of face-api's FaceRecognitionNet.forwardInput: (rgb - mean) / 255. */
export const FACEREC_MEAN_RGB = [122.782, 117.001, 104.298];
export const FACEREC_SIZE = 150;

interface Tensor {
  name: string;
  channels: number;
  size: number;
}

/**
 * Converts face-api's tfjs port of dlib's ResNet face descriptor to ONNX, mirroring
 * `src/faceRecognitionNet/FaceRecognitionNet.ts` and `residualLayer.ts` layer for layer.
 *
 * Differences in form, not in function: the graph runs NCHW (the input stays NHWC and is
 * transposed once), and each conv's per-channel `scale` layer (folded batch-norm) is folded
 * further into the conv's weights and bias, computed in double precision.
 */
export function convertFaceRecognition(manifestPath: string, producerVersion: string): Uint8Array {
  const weights = readTfjsWeights(manifestPath);
  const take = (name: string): Weight => {
    const w = weights.get(name);
    if (!w) throw new Error(`missing weight ${name}`);
    weights.delete(name);
    return w;
  };
  const g = new OnnxGraph('dlib_face_recognition_resnet');

  const input = g.addInput('input', ['N', FACEREC_SIZE, FACEREC_SIZE, 3]);
  const mean = g.addFloat('mean_rgb', [3], Float32Array.from(FACEREC_MEAN_RGB));
  const div = g.addFloat('div_255', [], Float32Array.of(255));
  let x = g.node('Sub', [input, mean]);
  x = g.node('Div', [x, div]);
  x = g.node('Transpose', [x], { perm: [0, 3, 1, 2] });
  let t: Tensor = { name: x, channels: 3, size: FACEREC_SIZE };

  const convLayer = (inp: Tensor, prefix: string, stride: number, pad: number, relu: boolean): Tensor => {
    const filters = take(`${prefix}/conv/filters`);
    const bias = take(`${prefix}/conv/bias`);
    const scale = take(`${prefix}/scale/weights`);
    const shift = take(`${prefix}/scale/biases`);
    const [kh, kw, cin, cout] = filters.shape;
    if (cin !== inp.channels) throw new Error(`${prefix}: expects ${cin} channels, has ${inp.channels}`);
    // tfjs HWIO -> ONNX OIHW, with the scale layer folded in: (conv + b) * s + beta.
    const w = new Float32Array(cout * cin * kh * kw);
    for (let o = 0; o < cout; o += 1)
      for (let i = 0; i < cin; i += 1)
        for (let y = 0; y < kh; y += 1)
          for (let z = 0; z < kw; z += 1)
            w[((o * cin + i) * kh + y) * kw + z] =
              filters.values[((y * kw + z) * cin + i) * cout + o] * scale.values[o];
    const b = new Float32Array(cout);
    for (let o = 0; o < cout; o += 1) b[o] = bias.values[o] * scale.values[o] + shift.values[o];
    const wName = g.addFloat(`${prefix}/W`, [cout, cin, kh, kw], w);
    const bName = g.addFloat(`${prefix}/B`, [cout], b);
    let out = g.node('Conv', [inp.name, wName, bName], {
      kernel_shape: [kh, kw],
      strides: [stride, stride],
      pads: [pad, pad, pad, pad],
    });
    if (relu) out = g.node('Relu', [out]);
    return { name: out, channels: cout, size: Math.floor((inp.size + 2 * pad - kh) / stride) + 1 };
  };

  // residual(): conv -> relu -> conv -> + x -> relu ('same' padding at stride 1 is 1 px each side)
  const residual = (inp: Tensor, prefix: string): Tensor => {
    const a = convLayer(inp, `${prefix}/conv1`, 1, 1, true);
    const b = convLayer(a, `${prefix}/conv2`, 1, 1, false);
    return { ...b, name: g.node('Relu', [g.node('Add', [b.name, inp.name])]) };
  };

  // residualDown(): stride-2 'valid' conv path plus a 2x2 average-pooled shortcut whose
  // channels are zero-padded; when the conv path comes out one pixel smaller, face-api
  // appends a zero row and column (bottom, right), which is what Pad does here.
  const residualDown = (inp: Tensor, prefix: string): Tensor => {
    const a = convLayer(inp, `${prefix}/conv1`, 2, 0, true);
    let b = convLayer(a, `${prefix}/conv2`, 1, 1, false);
    const pooledSize = Math.floor(inp.size / 2);
    let pooled = g.node('AveragePool', [inp.name], { kernel_shape: [2, 2], strides: [2, 2] });
    if (b.size !== pooledSize) {
      if (b.size + 1 !== pooledSize) throw new Error(`${prefix}: cannot match ${b.size} to ${pooledSize}`);
      const pads = g.addInt64(`${prefix}/pad_hw`, [0, 0, 0, 0, 0, 0, 1, 1]);
      b = { ...b, name: g.node('Pad', [b.name, pads], { mode: 'constant' }), size: pooledSize };
    }
    if (inp.channels !== b.channels) {
      const pads = g.addInt64(`${prefix}/pad_c`, [0, 0, 0, 0, 0, b.channels - inp.channels, 0, 0]);
      pooled = g.node('Pad', [pooled, pads], { mode: 'constant' });
    }
    return { ...b, name: g.node('Relu', [g.node('Add', [pooled, b.name])]) };
  };

  t = convLayer(t, 'conv32_down', 2, 0, true);
  t = {
    ...t,
    name: g.node('MaxPool', [t.name], { kernel_shape: [3, 3], strides: [2, 2] }),
    size: Math.floor((t.size - 3) / 2) + 1,
  };
  for (const p of ['conv32_1', 'conv32_2', 'conv32_3']) t = residual(t, p);
  t = residualDown(t, 'conv64_down');
  for (const p of ['conv64_1', 'conv64_2', 'conv64_3']) t = residual(t, p);
  t = residualDown(t, 'conv128_down');
  for (const p of ['conv128_1', 'conv128_2']) t = residual(t, p);
  t = residualDown(t, 'conv256_down');
  for (const p of ['conv256_1', 'conv256_2']) t = residual(t, p);
  t = residualDown(t, 'conv256_down_out');

  const pooled = g.node('ReduceMean', [t.name], { axes: [2, 3], keepdims: 0 });
  const fc = take('fc');
  const fcName = g.addFloat('fc', fc.shape, fc.values);
  g.node('MatMul', [pooled, fcName], {}, 'descriptor');
  g.addOutput('descriptor', ['N', 128]);
  if (weights.size !== 0) throw new Error(`unused weights: ${[...weights.keys()].join(', ')}`);

  return g.encode({
    producer: '@shopwatch/models',
    version: producerVersion,
    doc:
      'dlib ResNet face descriptor (weights released into the public domain by Davis King), converted ' +
      'from the tfjs weights in @vladmandic/face-api.',
    opset: 13,
    props: { source: '@vladmandic/face-api/model/face_recognition_model-weights_manifest.json' },
  });
}
