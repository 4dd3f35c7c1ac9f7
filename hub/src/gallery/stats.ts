import type { VerdictStats } from '@shopwatch/protocols';
import type { GovernanceRepository } from '../storage/governance-repository';

const BIN = 0.05;
type Counts = { confirmed: number; rejected: number; expired: number; pending: number };
const zero = (): Counts => ({ confirmed: 0, rejected: 0, expired: 0, pending: 0 });

/** Confirmed / rejected per camera, store, subject and day, and score histograms per verdict. */
export async function verdictStats(
  repo: GovernanceRepository,
  scheme: string,
  sinceDays: number,
): Promise<VerdictStats> {
  const rows = await repo.verdictRows(scheme, new Date(Date.now() - sinceDays * 86_400_000).toISOString());
  const group = <K extends string>(key: (r: (typeof rows)[number]) => K) => {
    const m = new Map<K, Counts>();
    for (const r of rows) {
      const c = m.get(key(r)) ?? zero();
      c[r.status as keyof Counts]++;
      m.set(key(r), c);
    }
    return m;
  };
  const bins = Math.round(1 / BIN);
  const hist = (status: string) => {
    const h = new Array<number>(bins).fill(0);
    for (const r of rows) if (r.status === status) h[Math.min(bins - 1, Math.floor(r.score / BIN))]!++;
    return h;
  };
  return {
    byCamera: [...group((r) => `${r.device_id}\u0000${r.camera_id}`)].map(([k, c]) => ({
      deviceId: k.split('\u0000')[0]!,
      cameraId: k.split('\u0000')[1]!,
      ...c,
    })),
    byStore: [...group((r) => r.store ?? '')].map(([k, c]) => ({ store: k || null, ...c })),
    bySubject: [...group((r) => r.subject_id)].map(([k, c]) => ({ subjectId: k, ...c })),
    scores: { binWidth: BIN, confirmed: hist('confirmed'), rejected: hist('rejected') },
    byDay: [...group((r) => r.received_at.slice(0, 10))]
      .sort(([a], [b]) => a.localeCompare(b))
      .map(([day, c]) => ({ day, confirmed: c.confirmed, rejected: c.rejected, expired: c.expired })),
  };
}
