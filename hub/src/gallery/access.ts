import type { Role } from '@shopwatch/protocols';
import type { Principal } from '../auth/principal';
import { forbidden } from '../errors';

/** Who may do what with gallery data (ICO: access on a need-to-know basis, every view audited). */
export const CAN = {
  manageGallery: ['admin', 'coordinator'],
  viewGallery: ['admin', 'coordinator', 'operator', 'warden', 'member'],
  recordIncident: ['admin', 'coordinator', 'operator', 'warden', 'member'],
  review: ['admin', 'coordinator', 'operator'],
  readAudit: ['admin', 'coordinator'],
  subjectAccess: ['admin'],
} satisfies Record<string, Role[]>;

export function must(p: Principal, what: keyof typeof CAN) {
  if (p.kind !== 'user' || !p.role || !(CAN[what] as Role[]).includes(p.role)) throw forbidden(`your role may not ${what.replace(/[A-Z]/g, (c) => ` ${c.toLowerCase()}`)}`);
}

export const actorOf = (p: Principal) => ({ kind: p.kind, id: p.id });
