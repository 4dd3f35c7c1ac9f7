import type { Role } from './provisioning';

/**
 * Who may do what with gallery and governance data (ICO: access on a need-to-know basis, every
 * view audited). The hub enforces it; the dashboard reads the same table so its menus offer only
 * what the role may use (issue 12: an operator was shown Audit, then "Not for your role").
 */
/** Roles that work in the control room (the console, every device's status, the review queue). */
export const CONTROL_ROOM_ROLES = ['admin', 'coordinator', 'operator'] as const satisfies readonly Role[];
/** Roles that govern the gallery: enrolment, exclusions, disclosures, the audit trail. */
export const GOVERNANCE_ROLES = ['admin', 'coordinator'] as const satisfies readonly Role[];

export function isControlRoom(role: string | null | undefined): boolean {
  return !!role && (CONTROL_ROOM_ROLES as readonly string[]).includes(role);
}

export function isGovernance(role: string | null | undefined): boolean {
  return !!role && (GOVERNANCE_ROLES as readonly string[]).includes(role);
}

export const CAN = {
  manageGallery: [...GOVERNANCE_ROLES],
  viewGallery: ['admin', 'coordinator', 'operator', 'warden', 'member'],
  recordIncident: ['admin', 'coordinator', 'operator', 'warden', 'member'],
  review: [...CONTROL_ROOM_ROLES],
  readAudit: [...GOVERNANCE_ROLES],
  subjectAccess: ['admin'],
} satisfies Record<string, Role[]>;
export type Permission = keyof typeof CAN;

export function roleMay(role: Role | null | undefined, what: Permission): boolean {
  return !!role && (CAN[what] as readonly Role[]).includes(role);
}
