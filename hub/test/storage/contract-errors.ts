import type { Alert } from '@shopwatch/protocols';
import { describe, expect, it } from 'vitest';
import { ConflictError } from '../../src/errors';
import type { ContractContext } from './contract';
import { SCHEME, enrol, incidentInput, iso, subjectInput } from './contract-fixtures';

/** The rejection of `p`, for looking at it whole (not only its message). */
async function rejection(p: Promise<unknown>): Promise<unknown> {
  try {
    await p;
  } catch (err) {
    return err;
  }
  throw new Error('expected a rejection, but it resolved');
}

/** A domain conflict, with nothing of the engine in what callers can read. */
function expectConflict(err: unknown) {
  expect(err).toBeInstanceOf(ConflictError);
  expect((err as ConflictError).code).toBe('conflict');
  expect((err as ConflictError).status).toBe(409);
  expect(JSON.stringify((err as ConflictError).toBody())).not.toMatch(/SQLITE|23505|constraint/i);
}

const alert = (id: string, clientRef: string) => ({
  id,
  scheme: SCHEME,
  zone: 'north',
  store: 'boots',
  type: 'shoplifting' as Alert['type'],
  severity: 'high' as Alert['severity'],
  message: null,
  subjectId: null,
  clientRef,
  raisedBy: { kind: 'device' as const, id: 'radio-boots' },
  raisedAt: iso(0),
  status: 'open' as const,
  escalatesAt: null,
  priority: false,
  closedAt: null,
  outcome: null,
});

export function errorsContract({ s }: ContractContext) {
  describe('domain errors instead of engine codes', () => {
    it('answers a second alert with the same sender and clientRef with a ConflictError, storing one', async () => {
      const raised = { kind: 'raised' as const, at: iso(0), actor: { kind: 'device' as const, id: 'radio-boots' } };
      const render = () => '{}';
      const both = await Promise.allSettled([
        s().repo.createAlert(alert('alert-1', 'ref-1'), raised, render),
        s().repo.createAlert(alert('alert-2', 'ref-1'), raised, render),
      ]);
      expect(both.map((r) => r.status)).toEqual(['fulfilled', 'rejected']);
      expectConflict((both[1] as PromiseRejectedResult).reason);
      expect(await s().repo.getAlert('alert-2')).toBeNull();
      expect((await s().repo.findAlertByClientRef(SCHEME, raised.actor, 'ref-1'))?.id).toBe('alert-1');
    });

    it('answers a reused incident, subject or notice id with a ConflictError and keeps the first', async () => {
      const gov = s().governance;
      const first = await enrol(s(), 'subj-1');
      const other = incidentInput({ description: 'somebody else entirely' });
      expectConflict(await rejection(gov.addIncident(first.id, SCHEME, 'tesco', other, 'x', iso(0))));
      expect(await gov.incident(first.id)).toEqual(first);
      const again = subjectInput([first.id], { alias: 'Impostor' });
      expectConflict(await rejection(gov.addSubject('subj-1', SCHEME, again, 'x', iso(0), iso(1000))));
      expect((await gov.subject('subj-1'))?.alias).toBe('Razor Man');
      const notice = {
        subjectId: 'subj-1',
        stores: ['boots'],
        zones: [],
        startsAt: iso(0),
        endsAt: iso(86_400_000),
        decidedBy: 'J. Smith, coordinator',
        appealRoute: 'write to the coordinator within 28 days',
      };
      await gov.addExclusion('excl-1', SCHEME, notice, 'coord', iso(0));
      expectConflict(
        await rejection(gov.addExclusion('excl-1', SCHEME, { ...notice, stores: ['tesco'] }, 'x', iso(0))),
      );
      expect((await gov.exclusion('excl-1'))?.stores).toEqual(['boots']);
    });

    it('answers a reused photo id with a ConflictError', async () => {
      const gov = s().governance;
      await enrol(s(), 'subj-1');
      const photo = {
        id: 'ph-1',
        subjectId: 'subj-1',
        sha256: 'a'.repeat(64),
        bytes: 10,
        width: 1,
        height: 1,
        source: 'CCTV',
        face: { score: 1, box: { x: 0, y: 0, w: 1, h: 1 } },
        createdAt: iso(0),
        createdBy: 'coord',
      };
      await gov.addPhoto(photo);
      expectConflict(await rejection(gov.addPhoto({ ...photo, sha256: 'b'.repeat(64) })));
      expect((await gov.photos('subj-1')).map((p) => p.sha256)).toEqual(['a'.repeat(64)]);
    });
  });
}
