import fs from 'node:fs';
import path from 'node:path';
import type { SpoolItem } from '../../../edge-agent/src/spool/types';
import type { RunningHub } from '../../../hub/src/hub';
import { jpeg, mp4, sha } from '../../../hub/test/support/media';

/** A gallery subject written straight to storage (enrolment with photos has its own tests). */
export async function addSubject(hub: RunningHub, subjectId: string) {
  const gov = hub.services.governance.gov;
  const now = new Date().toISOString();
  const statement = 'I saw him take them and leave without paying.';
  const incident = { type: 'theft' as const, occurredAt: now, description: 'razor blades', statement };
  await gov.addIncident('inc-1', 'town', 'boots', incident, 'coord', now);
  const subject = {
    alias: 'Razor Man',
    status: 'known' as const,
    reason: 'repeat-offending' as const,
    incidentIds: ['inc-1'],
    under18: false,
    vulnerable: false,
  };
  await gov.addSubject(subjectId, 'town', subject, 'coord', now, new Date(Date.now() + 86400_000).toISOString());
}

/** Evidence files as an edge box would spool them: real JPEGs, declared in the report. */
export async function candidateItem(dir: string, candidateId: string, subjectId = 'subj-1'): Promise<SpoolItem> {
  const crop = await jpeg(90, 90);
  const frame = await jpeg(768, 576);
  const now = new Date().toISOString();
  return {
    seq: 1,
    id: candidateId,
    kind: 'candidate',
    createdAt: Date.now(),
    deliveredAt: null,
    payload: {
      candidateId,
      cameraId: 'cam-1',
      subjectId,
      templateVersion: 1,
      score: 0.78,
      distance: 0.44,
      frames: 4,
      firstSeenAt: now,
      capturedAt: now,
      clockOffsetMs: -12,
      box: { x: 100, y: 80, w: 60, h: 60 },
      crop: { file: 'crop.jpg', sha256: sha(crop), bytes: crop.length, box: { x: 85, y: 65, w: 90, h: 90 } },
      frame: { file: 'frame.jpg', sha256: sha(frame), bytes: frame.length, width: 768, height: 576 },
    },
    files: [spooled(dir, candidateId, 'crop.jpg', crop), spooled(dir, candidateId, 'frame.jpg', frame)],
  };
}

/** A real H.264 MP4 clip (padded to a few MB), as the edge cuts it from the camera's stream. */
export function clipItem(dir: string, candidateId: string, bytes = 3 * 1024 * 1024 + 17): SpoolItem {
  const clip = mp4(dir, { bytes });
  const now = new Date().toISOString();
  return {
    seq: 2,
    id: `${candidateId}/clip`,
    kind: 'clip',
    createdAt: Date.now(),
    deliveredAt: null,
    payload: {
      candidateId,
      cameraId: 'cam-1',
      captureAt: now,
      file: 'clip.mp4',
      sha256: sha(clip),
      bytes: clip.length,
      durationSeconds: 20.1,
      codec: 'h264',
      width: 768,
      height: 576,
      complete: true,
      segments: 11,
    },
    files: [spooled(dir, candidateId, 'clip.mp4', clip)],
  };
}

/** Writes a file where the spool would keep it and describes it as a spool file. */
function spooled(dir: string, candidateId: string, name: string, data: Buffer) {
  const file = path.join(dir, `${candidateId}-${name}`);
  fs.writeFileSync(file, data);
  return { name, path: file, bytes: data.length, sha256: sha(data), uploadedAt: null, evictedAt: null };
}
