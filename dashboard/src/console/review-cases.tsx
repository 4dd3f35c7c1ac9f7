import type { ReviewCandidate } from '@shopwatch/protocols';
import { clock } from '../core/labels';

/** A row of the review queue: one case (sightings of one subject at one store) or a lone candidate. */
export interface QueueRow {
  /** The sighting shown and decided for the row: the case's best pending one. */
  lead: ReviewCandidate;
  caseId: string | null;
  /** Pending sightings of the case, oldest first (the lead among them). */
  pending: ReviewCandidate[];
  /** True while no sighting of the case is confirmed: one decision then decides the whole case. */
  open: boolean;
  firstSeenAt: string;
  lastSeenAt: string;
  cameras: string[];
}

/**
 * Groups the pending queue into cases, so nine sightings of one person are one row and one
 * decision. A case already confirmed keeps its follow-up sightings as their own row: they
 * update that alert, and a reviewer may still confirm or reject each.
 */
export function queueRows(all: ReviewCandidate[]): QueueRow[] {
  const byCase = new Map<string, ReviewCandidate[]>();
  for (const c of all) if (c.caseId) byCase.set(c.caseId, [...(byCase.get(c.caseId) ?? []), c]);
  const rows: QueueRow[] = [];
  const seen = new Set<string>();
  const pending = all.filter((c) => c.status === 'pending').sort((a, b) => a.receivedAt.localeCompare(b.receivedAt));
  for (const c of pending) {
    if (!c.caseId) {
      const at = c.capturedAt;
      rows.push({
        lead: c,
        caseId: null,
        pending: [c],
        open: true,
        firstSeenAt: at,
        lastSeenAt: at,
        cameras: [c.cameraId],
      });
      continue;
    }
    if (seen.has(c.caseId)) continue;
    seen.add(c.caseId);
    const members = byCase.get(c.caseId)!;
    const waiting = members
      .filter((m) => m.status === 'pending')
      .sort((a, b) => a.capturedAt.localeCompare(b.capturedAt));
    const lead = waiting.reduce((a, b) => (b.score > a.score ? b : a));
    const times = members.map((m) => m.capturedAt).sort();
    rows.push({
      lead,
      caseId: c.caseId,
      pending: waiting,
      open: !members.some((m) => m.status === 'confirmed'),
      firstSeenAt: times[0]!,
      lastSeenAt: times.at(-1)!,
      cameras: [...new Set(members.map((m) => m.cameraId))].sort(),
    });
  }
  return rows;
}

/** The row a candidate belongs to (the queue is keyed by its lead sighting). */
export function rowOf(rows: QueueRow[], candidateId: string): QueueRow | undefined {
  return rows.find((r) => r.pending.some((c) => c.id === candidateId));
}

/** "9 sightings · 07:42–07:55 · cam-1": what a case adds to its lead sighting. */
export function CaseSummary(props: { row: QueueRow | undefined; full?: boolean }) {
  const r = props.row;
  if (!r || (r.pending.length < 2 && r.open)) return null;
  const [from, to] = [clock(r.firstSeenAt), clock(r.lastSeenAt)];
  const span = from === to ? from : `${from}–${to}`;
  const what = r.open ? `${r.pending.length} sightings` : `seen again after a confirm (${r.pending.length} to review)`;
  return (
    <span class={`case-summary${props.full ? ' full' : ''}`} data-testid="case-summary">
      {what} · {span} · {r.cameras.length > 1 ? 'cameras' : 'camera'} {r.cameras.join(', ')}
      {props.full && r.open && <> · one decision covers them all</>}
    </span>
  );
}
