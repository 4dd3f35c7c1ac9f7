import { AttributeType, DataType, ModelProto } from './onnx-schema.ts';

type AttrValue = number | number[] | string | { float: number };

interface Attribute {
  name: string;
  type: number;
  i?: number;
  f?: number;
  s?: Uint8Array;
  ints?: number[];
}

/**
 * A minimal ONNX graph writer: initializers, nodes and typed inputs/outputs, encoded with the
 * reflection schema in `onnx-schema.ts`. Output bytes depend only on the calls made, in order, so
 * a build that makes the same calls writes the same file (no timestamps, no map iteration).
 */
export class OnnxGraph {
  private readonly nodes: object[] = [];
  private readonly initializers: object[] = [];
  private readonly inputs: object[] = [];
  private readonly outputs: object[] = [];
  private counter = 0;

  constructor(private readonly name: string) {}

  /** A fresh tensor name with a readable prefix. */
  fresh(prefix: string): string {
    this.counter += 1;
    return `${prefix}_${this.counter}`;
  }

  addInput(name: string, dims: (number | string)[]): string {
    this.inputs.push(valueInfo(name, dims));
    return name;
  }

  addOutput(name: string, dims: (number | string)[]): void {
    this.outputs.push(valueInfo(name, dims));
  }

  /** A float32 initializer; values are written little-endian as raw_data. */
  addFloat(name: string, dims: number[], values: Float32Array): string {
    const expected = dims.reduce((a, b) => a * b, 1);
    if (values.length !== expected) throw new Error(`${name}: ${values.length} values for dims ${dims}`);
    const raw = new Uint8Array(values.length * 4);
    const view = new DataView(raw.buffer);
    values.forEach((v, i) => {
      view.setFloat32(i * 4, v, true);
    });
    this.initializers.push({ name, dims, dataType: DataType.FLOAT, rawData: raw });
    return name;
  }

  addInt64(name: string, values: number[]): string {
    const raw = new Uint8Array(values.length * 8);
    const view = new DataView(raw.buffer);
    values.forEach((v, i) => {
      view.setBigInt64(i * 8, BigInt(v), true);
    });
    this.initializers.push({ name, dims: [values.length], dataType: DataType.INT64, rawData: raw });
    return name;
  }

  /** Appends a node and returns its (first) output name. */
  node(opType: string, inputs: string[], attrs: Record<string, AttrValue> = {}, output?: string): string {
    const out = output ?? this.fresh(opType.toLowerCase());
    const attribute = Object.keys(attrs)
      .sort()
      .map((name) => toAttribute(name, attrs[name]));
    this.nodes.push({ opType, input: inputs, output: [out], name: this.fresh(`n_${opType}`), attribute });
    return out;
  }

  encode(meta: {
    producer: string;
    version: string;
    doc: string;
    opset: number;
    props: Record<string, string>;
  }): Uint8Array {
    const model = {
      // IR version 7 pairs with opset 13 (onnx/docs/Versioning.md).
      irVersion: 7,
      producerName: meta.producer,
      producerVersion: meta.version,
      docString: meta.doc,
      opsetImport: [{ domain: '', version: meta.opset }],
      metadataProps: Object.keys(meta.props)
        .sort()
        .map((key) => ({ key, value: meta.props[key] })),
      graph: {
        name: this.name,
        node: this.nodes,
        initializer: this.initializers,
        input: this.inputs,
        output: this.outputs,
      },
    };
    const err = ModelProto.verify(model);
    if (err) throw new Error(`invalid ONNX model: ${err}`);
    return ModelProto.encode(ModelProto.fromObject(model)).finish();
  }
}

function valueInfo(name: string, dims: (number | string)[]): object {
  return {
    name,
    type: {
      tensorType: {
        elemType: DataType.FLOAT,
        shape: { dim: dims.map((d) => (typeof d === 'number' ? { dimValue: d } : { dimParam: d })) },
      },
    },
  };
}

function toAttribute(name: string, value: AttrValue): Attribute {
  if (Array.isArray(value)) return { name, type: AttributeType.INTS, ints: value };
  if (typeof value === 'number') return { name, type: AttributeType.INT, i: value };
  if (typeof value === 'string') return { name, type: AttributeType.STRING, s: new TextEncoder().encode(value) };
  return { name, type: AttributeType.FLOAT, f: value.float };
}
