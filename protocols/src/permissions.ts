import type { Role } from './provisioning';

/**
 * Who may do what with gallery and governance data (ICO: access on a need-to-know basis, every
 * view audited). The hub enforces it; the dashboard reads the same table so its menus offer only
 * what the role may use (issue 12: an operator was shown Audit, then "Not for your role").
 */
export const CAN = {
  manageGallery: ['admin', 'coordinator'],
  viewGallery: ['admin', 'coordinator', 'operator', 'warden', 'member'],
  recordIncident: ['admin', 'coordinator', 'operator', 'warden', 'member'],
  review: ['admin', 'coordinator', 'operator'],
  readAudit: ['admin', 'coordinator'],
  subjectAccess: ['admin'],
} satisfies Record<string, Role[]>;
export type Permission = keyof typeof CAN;

export function roleMay(role: Role | null | undefined, what: Permission): boolean {
  return !!role && (CAN[what] as readonly Role[]).includes(role);
}
