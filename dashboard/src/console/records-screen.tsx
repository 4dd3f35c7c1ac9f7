import { type Permission, type Role, roleMay } from '@shopwatch/protocols';
import { AuditScreen } from './audit-screen';
import { ExclusionsScreen } from './exclusions-screen';
import { GalleryScreen } from './gallery-screen';
import { IncidentsScreen } from './incidents-screen';
import { useCanManage } from './records-common';

export const RECORDS = [
  { id: 'gallery', label: 'Gallery', need: 'viewGallery' },
  { id: 'incidents', label: 'Incidents', need: 'recordIncident' },
  { id: 'exclusions', label: 'Exclusions', need: 'viewGallery' },
  { id: 'audit', label: 'Audit', need: 'readAudit' },
] as const satisfies readonly { id: string; label: string; need: Permission }[];

/** The records screens this role may open: the menu lists no others. */
export const recordsFor = (role: Role | null | undefined) => RECORDS.filter((r) => roleMay(role, r.need));
export type RecordsId = (typeof RECORDS)[number]['id'];

/**
 * The governance records: gallery, incidents, exclusion notices and the audit log. Coordinators
 * and admins change them here; other roles read them (the hub decides who may see what). Opening
 * each list is itself audited by the hub.
 */
export function RecordsScreen(props: { id: RecordsId }) {
  const label = RECORDS.find((r) => r.id === props.id)!.label;
  const manage = useCanManage();
  return (
    <section class="records" aria-labelledby="rec-title">
      <div class="toolbar">
        <h2 id="rec-title">{label}</h2>
        <span class="muted">
          {manage
            ? 'Every opening and change is recorded in the audit log.'
            : 'Read-only for your role; every opening of this list is recorded in the audit log.'}
        </span>
      </div>
      {props.id === 'gallery' ? (
        <GalleryScreen />
      ) : props.id === 'incidents' ? (
        <IncidentsScreen />
      ) : props.id === 'exclusions' ? (
        <ExclusionsScreen />
      ) : (
        <AuditScreen />
      )}
    </section>
  );
}
