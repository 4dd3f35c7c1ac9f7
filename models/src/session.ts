import ort from 'onnxruntime-node';

export interface SessionOptions {
  /**
   * Threads per inference. Defaults to 1: the edge agent runs one pipeline per camera and
   * scales by processes, and throughput per CPU-second is what we budget for.
   */
  intraOpThreads?: number;
}

/** One onnxruntime session per model file, created once and reused for every call. */
export async function createSession(path: string, opts: SessionOptions = {}): Promise<ort.InferenceSession> {
  return ort.InferenceSession.create(path, {
    executionProviders: ['cpu'],
    graphOptimizationLevel: 'all',
    executionMode: 'sequential',
    intraOpNumThreads: opts.intraOpThreads ?? 1,
    interOpNumThreads: 1,
    // The BlazeFace file carries two unused constant initializers; ORT warns about each at load.
    logSeverityLevel: 3,
  });
}

export { ort };
