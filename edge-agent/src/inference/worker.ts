/**
 * One inference worker thread: its own onnxruntime sessions (intra-op threads from the pool,
 * 1 by default, so N workers use N cores without oversubscribing them). Receives a frame,
 * answers with the faces and their descriptors and hands the frame's buffer back; keeps nothing
 * between frames.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { loadVision } from '@shopwatch/models';
import { analyseWith } from './analyser';
import type { WorkerReply, WorkerRequest, WorkerSetup } from './messages';

const setup = workerData as WorkerSetup;
const port = parentPort!;

async function main() {
  const vision = await loadVision({ intraOpThreads: setup.intraOpThreads, modelDir: setup.modelDir, build: false });
  port.on('message', (req: WorkerRequest) => {
    const startedAt = Date.now();
    analyseWith(vision, req.rgb, req.width, req.height, req.opts, req.skip)
      .then(({ faces, chipsDescribed }) => {
        const reply: WorkerReply = { id: req.id, faces, chipsDescribed, startedAt, endedAt: Date.now(), rgb: req.rgb };
        port.postMessage(reply, [
          req.rgb.buffer as ArrayBuffer,
          ...faces.flatMap((f) => (f.descriptor ? [f.descriptor.buffer as ArrayBuffer] : [])),
        ]);
      })
      .catch((err: Error) =>
        port.postMessage({ id: req.id, error: err.message, rgb: req.rgb } satisfies WorkerReply, [
          req.rgb.buffer as ArrayBuffer,
        ]),
      );
  });
  port.postMessage({ ready: true });
}

main().catch((err: Error) => port.postMessage({ ready: false, error: err.message }));
