import { expect, it } from 'vitest';
import type { AlertFilter, NewEvent } from '../../src/storage/repository';
import { ConstraintError } from '../../src/storage/storage-errors';
import { type Ctx, SCHEME, device, newAlert, raise, raised, render } from './repository-fixtures';

const at = (minute: number) => `2026-11-30T10:${String(minute).padStart(2, '0')}:00.000Z`;
const operator = { kind: 'user', id: 'olivia' } as const;

/** Alerts: raising, the ack/escalate/close steps, idempotent raises, listings and escalation times. */
export function registerAlertTests(ctx: Ctx) {
  it('raises an alert with its first event, stores the published JSON, and numbers events in order', async () => {
    const { repo } = ctx();
    const a = newAlert('a1');
    const { alert, event } = await repo.createAlert(a, raised(a), render);
    expect(alert).toEqual({ ...a, timeline: [{ seq: event.seq, kind: 'raised', at: a.raisedAt, actor: a.raisedBy }] });
    expect(event).toMatchObject({ alertId: 'a1', scheme: 'town', zone: 'north', scope: 'zone', kind: 'raised' });
    // render saw the alert as stored, with the new event on its timeline
    expect(JSON.parse(event.payload)).toEqual({ event: 'raised', seq: event.seq, status: 'open', steps: 1 });
    expect(await repo.getAlert('a1')).toEqual(alert);
    const second = await repo.createAlert(newAlert('a2'), raised(newAlert('a2')), render);
    expect(second.event.seq).toBeGreaterThan(event.seq);
    expect(await repo.maxSeq()).toBe(second.event.seq);
    expect(await repo.latestEventSeq('a1')).toBe(event.seq);
    expect(await repo.latestEventSeq('none')).toBeNull();
    expect(await repo.getAlert('none')).toBeNull();
  });

  it('records acknowledgement, escalation and closing as steps, each changing the alert with its event', async () => {
    const { repo } = ctx();
    const match = {
      subjectId: 'sub-1',
      alias: 'Grey Hoodie',
      reason: 'repeat',
      photoUrl: null,
      cropUrl: null,
      caseId: 'case-1',
      candidateId: 'c1',
      cameraId: 'door',
      seenAt: at(0),
      exclusions: [],
      text: 'Grey Hoodie at Baker: repeat',
      url: '/api/alerts/a1/match',
      cardUrl: '/a/a1',
    };
    await raise(repo, 'a1', { match });
    const ack: NewEvent = {
      kind: 'acknowledged',
      at: at(1),
      actor: operator,
      status: 'seen',
      note: 'on camera 2',
      actorName: 'Olivia',
      etaMinutes: 4,
    };
    const seen = await repo.updateAlert('a1', {}, ack, render);
    expect(seen.alert.status).toBe('open');
    const up = await repo.updateAlert(
      'a1',
      { status: 'escalated', priority: true, escalatesAt: null },
      { kind: 'escalated', at: at(2), actor: { kind: 'hub', id: 'hub' } },
      render,
    );
    expect(up.event.scope).toBe('scheme'); // escalated alerts go to the whole scheme
    expect(up.alert).toMatchObject({ status: 'escalated', priority: true, escalatesAt: null });
    const done = await repo.updateAlert(
      'a1',
      { status: 'closed', closedAt: at(3), outcome: 'detained' },
      { kind: 'closed', at: at(3), actor: operator, outcome: 'detained' },
      render,
    );
    expect(JSON.parse(done.event.payload)).toEqual({
      event: 'closed',
      seq: done.event.seq,
      status: 'closed',
      steps: 4,
    });
    const a = await repo.getAlert('a1');
    expect(a).toMatchObject({ status: 'closed', closedAt: at(3), outcome: 'detained', match });
    expect(a?.timeline.slice(1)).toEqual([
      { seq: seen.event.seq, ...ack },
      { seq: up.event.seq, kind: 'escalated', at: at(2), actor: { kind: 'hub', id: 'hub' } },
      { seq: done.event.seq, kind: 'closed', at: at(3), actor: operator, outcome: 'detained' },
    ]);
    expect(a!.timeline.map((t) => t.seq)).toEqual([...a!.timeline.map((t) => t.seq)].sort((x, y) => x - y));
  });

  it('refuses a second raise with the same sender and clientRef, and stores nothing of it', async () => {
    const { repo } = ctx();
    const first = await raise(repo, 'a1', { clientRef: 'btn-7' });
    const seq = await repo.maxSeq();
    const again = newAlert('a2', { clientRef: 'btn-7', message: 'retried' });
    const r = repo.createAlert(again, raised(again), render);
    await expect(r).rejects.toBeInstanceOf(ConstraintError);
    await expect(r).rejects.toMatchObject({ code: 'conflict', constraint: 'unique' });
    expect(await repo.getAlert('a2')).toBeNull();
    expect(await repo.maxSeq()).toBe(seq);
    expect(await repo.findAlertByClientRef('town', { kind: 'device', id: 'r1' }, 'btn-7')).toEqual(first);
    expect(await repo.findAlertByClientRef('town', { kind: 'device', id: 'r2' }, 'btn-7')).toBeNull();
    // the same clientRef from another sender is another alert
    await raise(repo, 'a3', { clientRef: 'btn-7', raisedBy: { kind: 'device', id: 'r2' } });
    const dupId = repo.createAlert(newAlert('a1', { clientRef: 'other' }), raised(newAlert('a1')), render);
    await expect(dupId).rejects.toMatchObject({ code: 'conflict', constraint: 'unique' });
  });

  it('keeps exactly one of two racing copies of the same raise', async () => {
    const { repo } = ctx();
    const copy = (id: string) => newAlert(id, { clientRef: 'race' });
    const results = await Promise.allSettled([
      repo.createAlert(copy('x1'), raised(copy('x1')), render),
      repo.createAlert(copy('x2'), raised(copy('x2')), render),
    ]);
    expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(1);
    const refused = results.find((r) => r.status === 'rejected') as PromiseRejectedResult;
    expect(refused.reason).toMatchObject({ code: 'conflict', constraint: 'unique' });
    expect((await repo.listAlerts({ scheme: 'town', limit: 10 })).map((a) => a.timeline.length)).toEqual([1]);
  });

  it('answers not_found for a step of an alert that does not exist, and writes no event', async () => {
    const { repo } = ctx();
    await raise(repo, 'a1');
    const seq = await repo.maxSeq();
    const r = repo.updateAlert('ghost', { status: 'closed' }, { kind: 'closed', at: at(1), actor: operator }, render);
    await expect(r).rejects.toMatchObject({ code: 'not_found' });
    expect(await repo.maxSeq()).toBe(seq);
  });

  it('lists alerts newest first by zone, status, time and cursor, with or without timelines', async () => {
    const { repo } = ctx();
    await raise(repo, 'n1', { raisedAt: at(1) });
    await raise(repo, 's1', { zone: 'south', store: 'chemist', raisedAt: at(2) });
    await raise(repo, 's2', { zone: 'south', store: 'chemist', raisedAt: at(3), priority: true });
    await raise(repo, 'n3', { raisedAt: at(3) }); // same time as s2: id breaks the tie, descending
    await raise(repo, 'x1', { scheme: 'town', raisedAt: at(4), status: 'closed', closedAt: at(5) });
    const ids = async (f: Partial<AlertFilter>) =>
      (await repo.listAlerts({ scheme: 'town', limit: 50, ...f })).map((a) => a.id);
    expect(await ids({})).toEqual(['x1', 's2', 'n3', 's1', 'n1']);
    expect(await ids({ zones: ['north'] })).toEqual(['x1', 's2', 'n3', 'n1']); // s2 is scheme-wide
    expect(await ids({ zones: [] })).toEqual(['s2']);
    expect(await ids({ zone: 'south' })).toEqual(['s2', 's1']);
    expect(await ids({ status: 'active' })).toEqual(['s2', 'n3', 's1', 'n1']);
    expect(await ids({ status: 'closed' })).toEqual(['x1']);
    expect(await ids({ since: at(3) })).toEqual(['x1', 's2', 'n3']);
    expect(await ids({ limit: 2 })).toEqual(['x1', 's2']);
    expect(await ids({ before: { raisedAt: at(3), id: 's2' } })).toEqual(['n3', 's1', 'n1']);
    expect(await ids({ scheme: 'elsewhere' })).toEqual([]);
    const page = await repo.pageAlerts({ scheme: 'town', limit: 2, before: { raisedAt: at(3), id: 'n3' } });
    expect(page.map((a) => a.id)).toEqual(['s1', 'n1']);
    expect(page[0]).not.toHaveProperty('timeline');
    const full = await repo.listAlerts({ scheme: 'town', limit: 1, zone: 'south' });
    expect(full[0]?.timeline.map((t) => t.kind)).toEqual(['raised']);
    const t = await repo.timelines(['n1', 'ghost']);
    expect(t.get('n1')?.map((e) => e.kind)).toEqual(['raised']);
    expect(t.get('ghost')).toEqual([]);
    expect((await repo.timelines([])).size).toBe(0);
  });

  it('finds the alerts whose escalation time has come, and the next one due', async () => {
    const { repo } = ctx();
    expect(await repo.nextEscalationAt()).toBeNull();
    await raise(repo, 'late', { escalatesAt: at(9) });
    await raise(repo, 'soon', { escalatesAt: at(2) });
    await raise(repo, 'never', { escalatesAt: null });
    expect(await repo.nextEscalationAt()).toBe(at(2));
    expect((await repo.dueEscalations(at(1))).map((a) => a.id)).toEqual([]);
    const due = await repo.dueEscalations(at(9));
    expect(due.map((a) => a.id)).toEqual(['soon', 'late']);
    expect(due[0]?.timeline).toHaveLength(1);
  });
}

/** Delivery receipts and the catch-up of a device that was away. */
export function registerReceiptTests(ctx: Ctx) {
  it('records a receipt only when it moves forward, and lists deliveries per alert', async () => {
    const { repo } = ctx();
    await raise(repo, 'a1');
    await raise(repo, 'a2');
    expect(await repo.recordReceipt('r1', 'a1', 5, at(1))).toBe(true);
    expect(await repo.recordReceipt('r1', 'a1', 5, at(2))).toBe(false); // a duplicate
    expect(await repo.recordReceipt('r1', 'a1', 3, at(2))).toBe(false); // an older one
    expect(await repo.recordReceipt('r1', 'a1', 7, at(3))).toBe(true);
    expect(await repo.recordReceipt('r2', 'a1', 7, at(4))).toBe(true);
    const d = await repo.deliveries(['a1', 'a2']);
    expect(d.get('a1')).toEqual([
      { deviceId: 'r1', lastSeq: 7, at: at(3) },
      { deviceId: 'r2', lastSeq: 7, at: at(4) },
    ]);
    expect(d.get('a2')).toEqual([]);
    expect((await repo.deliveries([])).size).toBe(0);
  });

  it('takes a receipt only of an alert the sender sees, capped at its newest event, moving forward', async () => {
    const { repo } = ctx();
    const north = await raise(repo, 'n1');
    await raise(repo, 's1', { zone: 'south', store: 'chemist' });
    await raise(repo, 'wide', { zone: 'south', store: 'chemist', priority: true });
    await repo.upsertScheme({ ...SCHEME, id: 'city', name: 'City' });
    await raise(repo, 'c1', { scheme: 'city' });
    const radio = { deviceId: 'r1', scheme: 'town', zones: ['north'] };
    const first = north.timeline[0]!.seq;
    // seq null: everything so far; a seq beyond the newest event is capped at it
    expect(await repo.recordVisibleReceipt(radio, 'n1', null, at(1))).toEqual({
      scheme: 'town',
      zone: 'north',
      seq: first,
      advanced: true,
    });
    expect(await repo.recordVisibleReceipt(radio, 'n1', first + 1000, at(2))).toMatchObject({
      seq: first,
      advanced: false,
    });
    const ack = await repo.updateAlert('n1', {}, { kind: 'acknowledged', at: at(3), actor: operator }, render);
    expect(await repo.recordVisibleReceipt(radio, 'n1', first, at(4))).toMatchObject({ advanced: false });
    expect(await repo.recordVisibleReceipt(radio, 'n1', ack.event.seq, at(5))).toMatchObject({
      seq: ack.event.seq,
      advanced: true,
    });
    // a scheme-wide alert of another zone is seen; a plain one of another zone or scheme is not
    expect(await repo.recordVisibleReceipt(radio, 'wide', null, at(6))).toMatchObject({ zone: 'south' });
    expect(await repo.recordVisibleReceipt(radio, 's1', null, at(6))).toBeNull();
    expect(await repo.recordVisibleReceipt(radio, 'c1', null, at(6))).toBeNull();
    expect(await repo.recordVisibleReceipt(radio, 'ghost', null, at(6))).toBeNull();
    expect(await repo.recordVisibleReceipt({ ...radio, zones: [] }, 'n1', null, at(6))).toBeNull();
    // a warden (every zone of its scheme) sees them all, but not another scheme's
    const warden = { deviceId: 'w1', scheme: 'town', zones: null };
    expect(await repo.recordVisibleReceipt(warden, 's1', 1, at(7))).toMatchObject({ advanced: true });
    expect(await repo.recordVisibleReceipt(warden, 'c1', null, at(7))).toBeNull();
    const d = await repo.deliveries(['n1', 's1', 'wide', 'c1']);
    expect(d.get('n1')).toEqual([{ deviceId: 'r1', lastSeq: ack.event.seq, at: at(5) }]);
    expect(d.get('s1')).toEqual([{ deviceId: 'w1', lastSeq: 1, at: at(7) }]);
    expect(d.get('wide')?.map((x) => x.deviceId)).toEqual(['r1']);
    expect(d.get('c1')).toEqual([]);
  });

  it('answers each of a burst of receipts with its own outcome, repeats and refusals included', async () => {
    const { repo } = ctx();
    const ids = Array.from({ length: 30 }, (_, i) => `b${i}`);
    const seqs = new Map<string, number>();
    for (const id of ids) seqs.set(id, (await raise(repo, id)).timeline[0]!.seq);
    await raise(repo, 'away', { zone: 'south', store: 'chemist' });
    const radios = Array.from({ length: 20 }, (_, i) => ({ deviceId: `r${i}`, scheme: 'town', zones: ['north'] }));
    // all at once, as a fleet confirms a burst: each radio each alert, plus a repeat and a refusal each
    const sent = radios.flatMap((r) => [
      ...ids.map((id) => repo.recordVisibleReceipt(r, id, seqs.get(id)!, at(1))),
      repo.recordVisibleReceipt(r, 'b0', seqs.get('b0')!, at(2)),
      repo.recordVisibleReceipt(r, 'away', null, at(2)),
    ]);
    const outcomes = await Promise.all(sent);
    const per = ids.length + 2;
    for (let r = 0; r < radios.length; r++) {
      const mine = outcomes.slice(r * per, (r + 1) * per);
      expect(mine.slice(0, ids.length).map((o) => o?.advanced)).toEqual(ids.map(() => true));
      expect(mine[ids.length]).toMatchObject({ advanced: false, seq: seqs.get('b0') });
      expect(mine[ids.length + 1]).toBeNull();
    }
    const d = await repo.deliveries([...ids, 'away']);
    for (const id of ids) expect(d.get(id)).toHaveLength(radios.length);
    expect(d.get('away')).toEqual([]);
  });

  it('catches a device up on unconfirmed events of its zones and scheme-wide ones, oldest first', async () => {
    const { repo } = ctx();
    await raise(repo, 'before', { raisedAt: at(0) }); // happened before the device existed
    await repo.upsertDevices([device('r1')]);
    const r1 = (await repo.getDevice('r1'))!;
    const a1 = await raise(repo, 'a1', { raisedAt: at(1) });
    await raise(repo, 'south', { zone: 'south', store: 'chemist', raisedAt: at(2) });
    const wide = await raise(repo, 'wide', { zone: 'south', store: 'chemist', raisedAt: at(3), priority: true });
    await raise(repo, 'other', { scheme: 'town', zone: 'north', raisedAt: at(4) });
    const ack = await repo.updateAlert('a1', {}, { kind: 'acknowledged', at: at(5), actor: operator }, render);
    const kinds = async (since: string, zones = ['north']) =>
      (await repo.unconfirmedEvents(r1, zones, since)).map((e) => `${e.alertId}:${e.kind}`);
    expect(await kinds(at(0))).toEqual(['a1:raised', 'wide:raised', 'other:raised', 'a1:acknowledged']);
    const events = await repo.unconfirmedEvents(r1, ['north'], at(0));
    expect(events.map((e) => e.seq)).toEqual([...events.map((e) => e.seq)].sort((x, y) => x - y));
    expect(events[1]).toMatchObject({ alertId: 'wide', scope: 'scheme', zone: 'south', seq: wide.timeline[0]!.seq });
    expect(JSON.parse(events[0]!.payload)).toMatchObject({ event: 'raised', seq: a1.timeline[0]!.seq });
    await repo.recordReceipt('r1', 'a1', a1.timeline[0]!.seq, at(6)); // confirmed the raise, not the ack
    expect(await kinds(at(0))).toEqual(['wide:raised', 'other:raised', 'a1:acknowledged']);
    await repo.recordReceipt('r1', 'a1', ack.event.seq, at(6));
    expect(await kinds(at(0))).toEqual(['wide:raised', 'other:raised']);
    expect(await kinds(at(4))).toEqual(['other:raised']); // older than the catch-up window
    expect(await kinds(at(0), [])).toEqual(['wide:raised']);
    expect(await kinds(at(0), ['north', 'south'])).toEqual(['south:raised', 'wide:raised', 'other:raised']);
  });
}
