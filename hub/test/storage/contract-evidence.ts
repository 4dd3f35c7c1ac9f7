import { describe, expect, it } from 'vitest';
import type { ContractContext } from './contract';
import { SCHEME, iso, receive } from './contract-fixtures';

export function evidenceContract({ s, reopen }: ContractContext) {
  describe('EvidenceRepository', () => {
    it('stores a candidate once, with its two declared pictures and a custody entry', async () => {
      const report = await receive(s(), 'cand-1');
      const e = s().evidence;
      const again = {
        report,
        scheme: SCHEME,
        deviceId: 'edge-boots',
        store: 'boots',
        zone: 'north',
        receivedAt: iso(0),
      };
      expect(await e.addCandidate(again)).toBe(false); // a retry: exactly once
      const c = await e.getCandidate('cand-1');
      expect(c).toMatchObject({
        id: 'cand-1',
        scheme: SCHEME,
        deviceId: 'edge-boots',
        cameraId: 'door',
        subjectId: 'subj-1',
        score: 0.8,
        box: report.box,
        frameWidth: 768,
        status: 'pending',
        clip: null,
        clipState: 'arriving',
        caseId: null,
      });
      expect(c?.files.map((f) => [f.name, f.kind, f.sha256, f.verified])).toEqual([
        ['crop.jpg', 'crop', report.crop.sha256, false],
        ['frame.jpg', 'frame', report.frame.sha256, false],
      ]);
      const log = await e.custodyLog('cand-1');
      expect(log.map((x) => [x.action, x.actor])).toEqual([['reported', 'device:edge-boots']]);
      expect(await e.getCandidate('cand-none')).toBeNull();
    });

    it('lists candidates by arrival, oldest or newest first, by status, up to a limit', async () => {
      await receive(s(), 'cand-b', {}, iso(-2000));
      await receive(s(), 'cand-a', {}, iso(-3000));
      await receive(s(), 'cand-c', {}, iso(-1000));
      const e = s().evidence;
      expect((await e.listCandidates(SCHEME, null, 10)).map((c) => c.id)).toEqual(['cand-a', 'cand-b', 'cand-c']);
      expect((await e.listCandidates(SCHEME, null, 2, 'newest')).map((c) => c.id)).toEqual(['cand-c', 'cand-b']);
      await e.decide('cand-b', 'pending', 'rejected', 'op', iso(0), 'not him', null);
      expect((await e.listCandidates(SCHEME, 'pending', 10)).map((c) => c.id)).toEqual(['cand-a', 'cand-c']);
      expect((await e.listCandidates(SCHEME, 'rejected', 10)).map((c) => c.id)).toEqual(['cand-b']);
      expect(await e.listCandidates('city', null, 10)).toEqual([]);
    });

    it('tracks uploads: declared clip, bytes held while pending, verified and deleted files', async () => {
      await receive(s(), 'cand-1');
      const e = s().evidence;
      const clip = { kind: 'clip' as const, candidateId: 'cand-1', cameraId: 'door', captureAt: iso(0) };
      await e.setClip('cand-1', { ...clip, file: 'clip.mp4', sha256: 'c'.repeat(64), bytes: 90_000 });
      // Declared again (a retried report): the first declaration stands.
      await e.setClip('cand-1', { ...clip, file: 'clip.mp4', sha256: 'd'.repeat(64), bytes: 1 });
      expect(await e.getFile('cand-1', 'clip.mp4')).toMatchObject({
        kind: 'clip',
        sha256: 'c'.repeat(64),
        bytes: 90_000,
      });
      await e.setReceived('cand-1', 'clip.mp4', 50_000);
      await e.setReceived('cand-1', 'crop.jpg', 1000);
      expect(await e.bytesHeldPending('edge-boots')).toBe(51_000);
      await e.markVerified('cand-1', 'crop.jpg', iso(0));
      await e.markDeleted('cand-1', 'clip.mp4', iso(0));
      expect(await e.bytesHeldPending('edge-boots')).toBe(1000);
      const c = await e.getCandidate('cand-1');
      expect(c?.files.map((f) => [f.name, f.verified, f.deleted])).toEqual([
        ['crop.jpg', true, false],
        ['frame.jpg', false, false],
        ['clip.mp4', false, true],
      ]);
      expect(c?.clipState).toBe('deleted');
      await e.decide('cand-1', 'pending', 'confirmed', 'op', iso(0), 'it is him', null);
      expect(await e.bytesHeldPending('edge-boots')).toBe(0); // only pending candidates count
      expect(await e.getFile('cand-1', 'nope.jpg')).toBeNull();
    });

    it('reserves upload quota in one step: of many reservations at once only those that fit are taken', async () => {
      await receive(s(), 'cand-1');
      const e = s().evidence;
      await e.setReceived('cand-1', 'crop.jpg', 1000);
      const base = { deviceId: 'edge-boots', bytes: 3000, quota: 10_000, now: iso(0), until: iso(60_000) };
      // Ten PATCHes arrive together (on PostgreSQL from ten pool connections): 1000 held + 3 x 3000 fit.
      const tries = await Promise.all(Array.from({ length: 10 }, (_, i) => e.reserveUpload({ ...base, id: `r-${i}` })));
      expect(tries.filter((t) => t.ok)).toHaveLength(3);
      const refused = tries.find((t) => !t.ok)!;
      expect(refused.held).toBe(10_000);
      // A confirmed candidate's clip is taken unchecked, yet counts against the others.
      expect(await e.reserveUpload({ ...base, id: 'r-free', quota: null })).toEqual({ ok: true, held: 10_000 });
      // Released and lapsed reservations count for nothing; a lease that was renewed still counts.
      for (const t of tries.map((t, i) => (t.ok ? `r-${i}` : null)).filter(Boolean)) await e.releaseUpload(t!);
      expect(await e.reserveUpload({ ...base, id: 'r-late', bytes: 5000 })).toEqual({ ok: true, held: 4000 });
      expect(await e.renewUpload('r-late', iso(200_000))).toBe(true);
      expect(await e.renewUpload('r-none', iso(200_000))).toBe(false);
      const later = { ...base, now: iso(120_000), until: iso(180_000) };
      // At +120 s r-free (until +60 s) has lapsed, r-late (renewed to +200 s) holds 5000.
      expect(await e.reserveUpload({ ...later, id: 'r-next', bytes: 4000 })).toEqual({ ok: true, held: 6000 });
      expect(await e.reserveUpload({ ...later, id: 'r-over', bytes: 1 })).toEqual({ ok: false, held: 10_000 });
      // Another device has a quota of its own.
      expect((await e.reserveUpload({ ...later, id: 'r-other', deviceId: 'edge-2' })).ok).toBe(true);
    });

    it('appends custody entries in order with their details', async () => {
      await receive(s(), 'cand-1');
      const e = s().evidence;
      await e.custody('cand-1', 'crop.jpg', 'hub', 'verified', { sha256: 'ab' });
      await e.custody('cand-1', null, 'user:op', 'viewed');
      const log = await e.custodyLog('cand-1');
      expect(log.map((x) => [x.name, x.action, x.detail])).toEqual([
        [null, 'reported', expect.objectContaining({ clockOffsetMs: 12 })],
        ['crop.jpg', 'verified', { sha256: 'ab' }],
        [null, 'viewed', null],
      ]);
      expect(log.map((x) => x.seq)).toEqual([...log.map((x) => x.seq)].sort((a, b) => a - b));
    });

    it('records a verified file and its received custody entry together', async () => {
      await receive(s(), 'cand-1');
      const e = s().evidence;
      const at = iso(0);
      await e.recordVerified('cand-1', 'crop.jpg', at, 'device:edge-boots', { sha256: 'ab', verified: true });
      expect(await e.getFile('cand-1', 'crop.jpg')).toMatchObject({ verifiedAt: at });
      const log = await e.custodyLog('cand-1');
      expect(log.map((x) => [x.name, x.actor, x.action, x.detail])).toEqual([
        [null, expect.any(String), 'reported', expect.anything()],
        ['crop.jpg', 'device:edge-boots', 'received', { sha256: 'ab', verified: true }],
      ]);
    });

    it('lets exactly one of two racing decisions win', async () => {
      await receive(s(), 'cand-1');
      const e = s().evidence;
      const race = [
        e.decide('cand-1', 'pending', 'confirmed', 'op-1', iso(0), 'him', 'alert-1'),
        e.decide('cand-1', 'pending', 'rejected', 'op-2', iso(0), 'not him', null),
      ];
      const won = await Promise.all(race);
      expect(won.filter(Boolean)).toHaveLength(1);
      const winner = won[0]
        ? { status: 'confirmed', decidedBy: 'op-1', alertId: 'alert-1' }
        : { status: 'rejected', decidedBy: 'op-2', alertId: null };
      expect(await e.getCandidate('cand-1')).toMatchObject({ ...winner, claimedBy: null });
    });

    it('gives a claim to one reviewer until it lapses', async () => {
      await receive(s(), 'cand-1');
      const e = s().evidence;
      const until = iso(60_000);
      expect(await e.claim('cand-1', 'op-1', until, iso(0))).toBe(true);
      expect(await e.claim('cand-1', 'op-2', iso(60_000), iso(0))).toBe(false);
      expect(await e.claim('cand-1', 'op-1', iso(90_000), iso(0))).toBe(true); // the holder extends it
      expect(await e.claim('cand-1', 'op-2', iso(200_000), iso(100_000))).toBe(true); // lapsed
      expect((await e.getCandidate('cand-1'))?.claimedBy).toBe('op-2');
    });

    it('finds pending candidates by age and by subject', async () => {
      await receive(s(), 'cand-old', {}, iso(-60_000));
      await receive(s(), 'cand-new', { subjectId: 'subj-2' });
      await receive(s(), 'cand-done', {}, iso(-90_000));
      const e = s().evidence;
      await e.decide('cand-done', 'pending', 'rejected', 'op', iso(0), 'no', null);
      expect(await e.pendingOlderThan(iso(-30_000))).toEqual(['cand-old']);
      expect(await e.pendingForSubject('subj-2')).toEqual(['cand-new']);
    });

    it('keeps an acknowledged candidate across a close and reopen', async () => {
      await receive(s(), 'cand-1');
      const again = await reopen();
      expect((await again.evidence.getCandidate('cand-1'))?.files).toHaveLength(2);
    });
  });
}
