import { cpus } from 'node:os';
import { Worker } from 'node:worker_threads';
import type { DetectOptions } from '@shopwatch/models';
import type { AnalysedFace, DescribeSkip, FaceAnalyser } from './analyser';
import type { WorkerHello, WorkerReply, WorkerRequest, WorkerSetup } from './messages';

export interface PoolOptions {
  /** Worker threads (default: one per core). */
  workers?: number;
  /** onnxruntime intra-op threads per worker (default 1: measured best per CPU-second). */
  intraOpThreads?: number;
  modelDir?: string;
}

interface Slot {
  worker: Worker;
  /** Crashed and being replaced: gets no frame meanwhile. */
  down?: boolean;
  /** The request this worker is on, if any. */
  task?: { id: number; resolve: (f: AnalysedFace[]) => void; reject: (e: Error) => void };
  /** This worker's frame buffer, back from its last frame: the next frame is copied into it. */
  spare?: Uint8Array;
}

/** A frame waiting for a worker: its pixels are copied only when one takes it. */
interface Waiting {
  req: Omit<WorkerRequest, 'rgb'>;
  rgb: Uint8Array;
  task: NonNullable<Slot['task']>;
}

/**
 * Face analysis on every core: N worker threads, each with its own onnxruntime sessions (a
 * `Vision` serialises its calls, so one per thread is what makes them parallel). A frame goes
 * to an idle worker, or waits in a short FIFO; the matcher's scheduler keeps at most `slots`
 * frames in flight, so that queue stays empty in practice and nothing backs up unseen.
 *
 * @example
 * const pool = await InferencePool.start({ workers: 2 });
 * const faces = await pool.analyse(frame.rgb, 768, 576, { tiles: true });
 */
export class InferencePool implements FaceAnalyser {
  readonly type = 'pool' as const;
  private nextId = 1;
  private waiting: Waiting[] = [];
  /** Frame buffers allocated for workers (the rest were reused): tests read it. */
  buffersAllocated = 0;
  private closed = false;
  /** Frames and busy time per worker, and the last runs (to see that workers overlap). */
  readonly stats = {
    perWorker: [] as { frames: number; busyMs: number; chipsDescribed: number }[],
    recent: [] as { worker: number; startedAt: number; endedAt: number }[],
  };

  private constructor(
    private readonly pool: Slot[],
    private readonly setup: WorkerSetup,
  ) {}

  get slots(): number {
    return this.pool.length;
  }

  get chipsDescribed(): number {
    return this.stats.perWorker.reduce((n, w) => n + w.chipsDescribed, 0);
  }

  /** Starts the workers and resolves once every one has loaded its models. */
  static async start(opts: PoolOptions = {}): Promise<InferencePool> {
    const n = Math.max(1, opts.workers ?? cpus().length);
    const setup: WorkerSetup = { intraOpThreads: opts.intraOpThreads ?? 1, modelDir: opts.modelDir };
    const slots = await Promise.all(Array.from({ length: n }, () => spawnWorker(setup)));
    const pool = new InferencePool(
      slots.map((worker) => ({ worker })),
      setup,
    );
    pool.pool.forEach((s, i) => {
      pool.stats.perWorker.push({ frames: 0, busyMs: 0, chipsDescribed: 0 });
      pool.watch(s, i);
    });
    return pool;
  }

  analyse(
    rgb: Uint8Array,
    width: number,
    height: number,
    opts: DetectOptions,
    skip?: DescribeSkip,
  ): Promise<AnalysedFace[]> {
    if (this.closed) return Promise.reject(new Error('inference pool closed'));
    // `rgb` is read (copied) when a worker takes the frame: the caller keeps it until this settles.
    const req = { id: this.nextId++, width, height, opts, skip };
    return new Promise((resolve, reject) => {
      this.waiting.push({ req, rgb, task: { id: req.id, resolve, reject } });
      this.dispatch();
    });
  }

  async close(): Promise<void> {
    this.closed = true;
    for (const w of this.waiting) w.task.reject(new Error('inference pool closed'));
    this.waiting = [];
    await Promise.all(this.pool.map((s) => s.worker.terminate()));
  }

  private dispatch(): void {
    for (const slot of this.pool) {
      if (slot.task || slot.down || this.waiting.length === 0) continue;
      const { req, rgb, task } = this.waiting.shift()!;
      slot.task = task;
      // A copy the worker owns, in the buffer it handed back last time: the caller keeps its
      // frame (evidence may need it later), and nothing is allocated per frame.
      let buf = slot.spare;
      if (buf?.length !== rgb.length) {
        buf = new Uint8Array(rgb.length);
        this.buffersAllocated++;
      }
      slot.spare = undefined;
      buf.set(rgb);
      slot.worker.postMessage({ ...req, rgb: buf } satisfies WorkerRequest, [buf.buffer as ArrayBuffer]);
    }
  }

  private watch(slot: Slot, index: number): void {
    slot.worker.on('message', (reply: WorkerReply) => {
      if (reply.rgb) slot.spare = reply.rgb;
      const task = slot.task;
      if (!task || task.id !== reply.id) return;
      slot.task = undefined;
      if ('error' in reply) {
        task.reject(new Error(reply.error));
      } else {
        const w = this.stats.perWorker[index]!;
        w.frames++;
        w.busyMs += reply.endedAt - reply.startedAt;
        w.chipsDescribed += reply.chipsDescribed;
        this.stats.recent.push({ worker: index, startedAt: reply.startedAt, endedAt: reply.endedAt });
        if (this.stats.recent.length > 100) this.stats.recent.shift();
        task.resolve(reply.faces);
      }
      this.dispatch();
    });
    // A crashed worker fails its frame and is replaced; the other workers go on.
    slot.worker.once('error', (err) => this.replace(slot, index, err));
    slot.worker.once('exit', (code) => {
      this.replace(slot, index, new Error(`inference worker exited with code ${code}`));
    });
  }

  private replace(slot: Slot, index: number, err: Error): void {
    slot.task?.reject(err);
    slot.task = undefined;
    if (this.closed) return;
    slot.down = true;
    const dead = slot.worker;
    dead.removeAllListeners();
    void dead.terminate();
    spawnWorker(this.setup).then(
      (worker) => {
        if (this.closed) return void worker.terminate();
        slot.worker = worker;
        slot.down = false;
        this.watch(slot, index);
        this.dispatch();
      },
      () => setTimeout(() => this.replace(slot, index, err), 1000).unref(),
    );
  }
}

/** A worker thread running `worker.ts` (through tsx's loader, registered by the entry file). */
function spawnWorker(setup: WorkerSetup): Promise<Worker> {
  const worker = new Worker(new URL('./worker-entry.mjs', import.meta.url), { workerData: setup });
  return new Promise((resolve, reject) => {
    worker.once('message', (hello: WorkerHello) => {
      if (hello.ready) resolve(worker);
      else reject(new Error(`inference worker could not load the models: ${hello.error}`));
    });
    worker.once('error', reject);
    worker.once('exit', (code) => reject(new Error(`inference worker exited with code ${code} while loading`)));
  });
}
