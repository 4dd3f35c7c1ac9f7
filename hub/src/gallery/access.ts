import { CAN, type Role } from '@shopwatch/protocols';
import type { Principal } from '../auth/principal';
import { forbidden } from '../errors';

/** Who may do what: the table lives in protocols so the dashboard's menus follow it too. */
export { CAN };

export function must(p: Principal, what: keyof typeof CAN) {
  if (p.kind !== 'user' || !p.role || !(CAN[what] as Role[]).includes(p.role))
    throw forbidden(`your role may not ${what.replace(/[A-Z]/g, (c) => ` ${c.toLowerCase()}`)}`);
}

export const actorOf = (p: Principal) => ({ kind: p.kind, id: p.id });
