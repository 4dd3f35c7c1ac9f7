import { z } from 'zod';
import { Slug } from './common';
import { MIN_PASSWORD_LENGTH, passwordWeakness, secretWeakness } from './credentials';

export const Role = z.enum(['admin', 'coordinator', 'operator', 'warden', 'member']);
export type Role = z.infer<typeof Role>;

export const DeviceKind = z.enum(['radio', 'tablet', 'edge']);
export type DeviceKind = z.infer<typeof DeviceKind>;

export const Zone = z.strictObject({ id: Slug, name: z.string().min(1).max(100) });
export type Zone = z.infer<typeof Zone>;

export const Store = z.strictObject({
  id: Slug,
  name: z.string().min(1).max(100),
  zone: Slug,
  /** Position on the scheme plan, 0..100 on each axis; optional, the dashboard lays out the rest. */
  plan: z.strictObject({ x: z.number().min(0).max(100), y: z.number().min(0).max(100) }).optional(),
});
export type Store = z.infer<typeof Store>;

export const SchemeSettings = z.strictObject({
  /** Seconds without an "attending" acknowledgement before an alert is escalated. */
  escalationSeconds: z.number().int().min(5).max(3600).default(60),
  /** How far back a reconnecting device is caught up, in hours. */
  catchUpHours: z
    .number()
    .int()
    .min(1)
    .max(24 * 14)
    .default(24),
  /** How long a gallery entry lives unless renewed by a new incident, per status, in days. */
  galleryDays: z
    .strictObject({
      known: z.number().int().min(1).max(730).default(365),
      'id-sought': z.number().int().min(1).max(365).default(90),
    })
    .default({ known: 365, 'id-sought': 90 }),
  /** May a member (store staff) watch their own store's cameras live? Off unless the scheme decides so. */
  liveViewMembers: z.boolean().default(false),
});
export type SchemeSettings = z.infer<typeof SchemeSettings>;

export const Scheme = z.strictObject({
  id: Slug,
  name: z.string().min(1).max(100),
  zones: z.array(Zone).min(1),
  stores: z.array(Store).default([]),
  settings: SchemeSettings.default({
    escalationSeconds: 60,
    catchUpHours: 24,
    galleryDays: { known: 365, 'id-sought': 90 },
    liveViewMembers: false,
  }),
});
export type Scheme = z.infer<typeof Scheme>;

export const ProvisionedUser = z.strictObject({
  username: z
    .string()
    .min(2)
    .max(64)
    .regex(/^[A-Za-z0-9._@-]+$/, 'letters, digits and . _ @ - only'),
  password: z.string().min(MIN_PASSWORD_LENGTH, `passwords need at least ${MIN_PASSWORD_LENGTH} characters`).max(256),
  role: Role,
  scheme: Slug,
  store: Slug.optional(),
  displayName: z.string().min(1).max(100).optional(),
});
export type ProvisionedUser = z.infer<typeof ProvisionedUser>;

/**
 * Where a radio or tablet belongs decides which alerts it receives: a device with a `store`
 * gets its store's zone; one without gets the whole scheme (control room, wardens).
 */
export const DeviceDuty = z.enum(['store', 'control-room', 'warden']);
export type DeviceDuty = z.infer<typeof DeviceDuty>;

/**
 * Who belongs where — the one table provisioning checks and the hub derives defaults from.
 * `store`: must name a store (and then hears its zone); `scheme`: must not (hears every zone).
 */
export const PLACEMENT = {
  roles: { admin: 'scheme', coordinator: 'scheme', operator: 'scheme', warden: 'scheme', member: 'store' },
  duties: { store: 'store', 'control-room': 'scheme', warden: 'scheme' },
  /** The duties each kind of device may have; the first is its default. */
  kinds: { radio: ['store', 'control-room', 'warden'], tablet: ['store', 'control-room', 'warden'], edge: ['store'] },
} as const satisfies {
  roles: Record<Role, 'store' | 'scheme'>;
  duties: Record<DeviceDuty, 'store' | 'scheme'>;
  kinds: Record<DeviceKind, readonly DeviceDuty[]>;
};

/** The duty a device has when the provisioning file does not say: its store's, or the control room's. */
export function defaultDuty(kind: DeviceKind, store: string | undefined): DeviceDuty {
  const allowed: readonly DeviceDuty[] = PLACEMENT.kinds[kind];
  return allowed.find((d) => (PLACEMENT.duties[d] === 'store') === Boolean(store)) ?? allowed[0]!;
}

export const ProvisionedDevice = z.strictObject({
  id: Slug,
  kind: DeviceKind,
  scheme: Slug,
  store: Slug.optional(),
  secret: z
    .string()
    .max(256)
    .superRefine((s, ctx) => {
      const why = secretWeakness(s);
      if (why) ctx.addIssue({ code: 'custom', message: why });
    }),
  name: z.string().min(1).max(100).optional(),
  duty: DeviceDuty.optional(),
});
export type ProvisionedDevice = z.infer<typeof ProvisionedDevice>;

/** The file named by SHOPWATCH_SEED; applied at start-up, idempotently. */
export const Provisioning = z
  .strictObject({
    schemes: z.array(Scheme).default([]),
    users: z.array(ProvisionedUser).default([]),
    devices: z.array(ProvisionedDevice).default([]),
  })
  .superRefine((p, ctx) => {
    const issue = (path: (string | number)[], message: string) => ctx.addIssue({ code: 'custom', path, message });
    const schemes = new Map(p.schemes.map((s) => [s.id, s]));
    p.schemes.forEach((s, i) => {
      unique(
        s.zones,
        (z) => z.id,
        (j, id) => issue(['schemes', i, 'zones', j, 'id'], `duplicate zone id "${id}"`),
      );
      unique(
        s.stores,
        (st) => st.id,
        (j, id) => issue(['schemes', i, 'stores', j, 'id'], `duplicate store id "${id}"`),
      );
      const zones = new Set(s.zones.map((z) => z.id));
      s.stores.forEach((st, j) => {
        if (!zones.has(st.zone))
          issue(['schemes', i, 'stores', j, 'zone'], `unknown zone "${st.zone}" in scheme "${s.id}"`);
      });
    });
    const checkPlace = (kind: 'users' | 'devices', i: number, scheme: string, store?: string) => {
      const s = schemes.get(scheme);
      if (!s) return issue([kind, i, 'scheme'], `unknown scheme "${scheme}"`);
      if (store && !s.stores.some((st) => st.id === store))
        issue([kind, i, 'store'], `unknown store "${store}" in scheme "${scheme}"`);
    };
    p.users.forEach((u, i) => {
      checkPlace('users', i, u.scheme, u.store);
      const place = PLACEMENT.roles[u.role];
      if (place === 'store' && !u.store) issue(['users', i, 'store'], `${a(u.role)} belongs to a store: name it`);
      if (place === 'scheme' && u.store)
        issue(['users', i, 'store'], `${a(u.role)} works for the whole scheme: remove "store"`);
      const weak = passwordWeakness(u.password, u.username);
      if (weak && u.password.length >= MIN_PASSWORD_LENGTH) issue(['users', i, 'password'], weak);
    });
    p.devices.forEach((d, i) => {
      checkPlace('devices', i, d.scheme, d.store);
      const duty = d.duty ?? defaultDuty(d.kind, d.store);
      const allowed: readonly DeviceDuty[] = PLACEMENT.kinds[d.kind];
      const what = d.kind === 'edge' ? 'an edge box' : a(d.kind);
      if (!allowed.includes(duty))
        issue(['devices', i, 'duty'], `${what} cannot have duty "${duty}" (allowed: ${allowed.join(', ')})`);
      else if (PLACEMENT.duties[duty] === 'store' && !d.store)
        issue(['devices', i, 'store'], `${what} with duty "${duty}" belongs to a store: name it`);
      else if (PLACEMENT.duties[duty] === 'scheme' && d.store)
        issue(['devices', i, 'duty'], `duty "${duty}" covers the whole scheme, but ${what} names store "${d.store}"`);
    });
    unique(
      p.schemes,
      (s) => s.id,
      (i, id) => issue(['schemes', i, 'id'], `duplicate scheme id "${id}"`),
    );
    // Login is case-insensitive, so "ADMIN" and "admin" would be one account.
    unique(
      p.users,
      (u) => u.username.toLowerCase(),
      (i, n) => issue(['users', i, 'username'], `duplicate username "${n}" (case is ignored)`),
    );
    unique(
      p.devices,
      (d) => d.id,
      (i, id) => issue(['devices', i, 'id'], `duplicate device id "${id}"`),
    );
  });
const a = (noun: string) => (/^[aeiou]/.test(noun) ? `an ${noun}` : `a ${noun}`);

/** Calls `dup` for every item whose key an earlier item already had. */
function unique<T>(items: T[], key: (t: T) => string, dup: (index: number, key: string) => void) {
  const seen = new Set<string>();
  items.forEach((it, i) => {
    const k = key(it);
    if (seen.has(k)) dup(i, k);
    seen.add(k);
  });
}
export type Provisioning = z.infer<typeof Provisioning>;
/** What a provisioning file may contain (defaults filled in on parsing). */
export type ProvisioningInput = z.input<typeof Provisioning>;
