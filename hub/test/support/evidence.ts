import fs from 'node:fs';
import path from 'node:path';
import type { SpoolItem } from '../../../edge-agent/src/spool/types';
import { jpeg, mp4, sha } from './media';

/** Evidence files as an edge box would spool them: real JPEGs, declared in the report. */
export async function candidateItem(dir: string, candidateId: string, subjectId = 'subj-1'): Promise<SpoolItem> {
  const crop = await jpeg(90, 90);
  const frame = await jpeg(768, 576);
  fs.writeFileSync(path.join(dir, `${candidateId}-crop.jpg`), crop);
  fs.writeFileSync(path.join(dir, `${candidateId}-frame.jpg`), frame);
  const now = new Date().toISOString();
  return {
    seq: 1, id: candidateId, kind: 'candidate', createdAt: Date.now(), deliveredAt: null,
    payload: {
      candidateId, cameraId: 'cam-1', subjectId, templateVersion: 1, score: 0.78, distance: 0.44, frames: 4,
      firstSeenAt: now, capturedAt: now, clockOffsetMs: -12, box: { x: 100, y: 80, w: 60, h: 60 },
      crop: { file: 'crop.jpg', sha256: sha(crop), bytes: crop.length, box: { x: 85, y: 65, w: 90, h: 90 } },
      frame: { file: 'frame.jpg', sha256: sha(frame), bytes: frame.length, width: 768, height: 576 },
    },
    files: [
      { name: 'crop.jpg', path: path.join(dir, `${candidateId}-crop.jpg`), bytes: crop.length, sha256: sha(crop), uploadedAt: null, evictedAt: null },
      { name: 'frame.jpg', path: path.join(dir, `${candidateId}-frame.jpg`), bytes: frame.length, sha256: sha(frame), uploadedAt: null, evictedAt: null },
    ],
  };
}

/** A real H.264 MP4 clip (padded to a few MB), as the edge cuts it from the camera's stream. */
export function clipItem(dir: string, candidateId: string, bytes = 3 * 1024 * 1024 + 17): SpoolItem {
  const clip = mp4(dir, { bytes });
  const file = path.join(dir, `${candidateId}-clip.mp4`);
  fs.writeFileSync(file, clip);
  const now = new Date().toISOString();
  return {
    seq: 2, id: `${candidateId}/clip`, kind: 'clip', createdAt: Date.now(), deliveredAt: null,
    payload: { candidateId, cameraId: 'cam-1', captureAt: now, file: 'clip.mp4', sha256: sha(clip), bytes: clip.length, durationSeconds: 20.1, codec: 'h264', width: 768, height: 576, complete: true, segments: 11 },
    files: [{ name: 'clip.mp4', path: file, bytes: clip.length, sha256: sha(clip), uploadedAt: null, evictedAt: null }],
  };
}

