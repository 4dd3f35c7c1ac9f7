import { z } from 'zod';
import { Slug } from './common';

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
  catchUpHours: z.number().int().min(1).max(24 * 14).default(24),
  /** How long a gallery entry lives unless renewed by a new incident, per status, in days. */
  galleryDays: z
    .strictObject({ known: z.number().int().min(1).max(730).default(365), 'id-sought': z.number().int().min(1).max(365).default(90) })
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
  settings: SchemeSettings.default({ escalationSeconds: 60, catchUpHours: 24, galleryDays: { known: 365, 'id-sought': 90 }, liveViewMembers: false }),
});
export type Scheme = z.infer<typeof Scheme>;

export const ProvisionedUser = z.strictObject({
  username: z.string().min(2).max(64).regex(/^[A-Za-z0-9._@-]+$/, 'letters, digits and . _ @ - only'),
  password: z.string().min(8, 'passwords need at least 8 characters').max(256),
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

export const ProvisionedDevice = z.strictObject({
  id: Slug,
  kind: DeviceKind,
  scheme: Slug,
  store: Slug.optional(),
  secret: z.string().min(12, 'device secrets need at least 12 characters').max(256),
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
    const schemes = new Map(p.schemes.map((s) => [s.id, s]));
    p.schemes.forEach((s, i) => {
      const zones = new Set(s.zones.map((z) => z.id));
      s.stores.forEach((st, j) => {
        if (!zones.has(st.zone))
          ctx.addIssue({ code: 'custom', path: ['schemes', i, 'stores', j, 'zone'], message: `unknown zone "${st.zone}" in scheme "${s.id}"` });
      });
    });
    const checkPlace = (kind: 'users' | 'devices', i: number, scheme: string, store?: string) => {
      const s = schemes.get(scheme);
      if (!s) return ctx.addIssue({ code: 'custom', path: [kind, i, 'scheme'], message: `unknown scheme "${scheme}"` });
      if (store && !s.stores.some((st) => st.id === store))
        ctx.addIssue({ code: 'custom', path: [kind, i, 'store'], message: `unknown store "${store}" in scheme "${scheme}"` });
    };
    p.users.forEach((u, i) => {
      checkPlace('users', i, u.scheme, u.store);
      if (u.role === 'member' && !u.store)
        ctx.addIssue({ code: 'custom', path: ['users', i, 'store'], message: 'a member belongs to a store' });
    });
    p.devices.forEach((d, i) => {
      checkPlace('devices', i, d.scheme, d.store);
      if (d.kind === 'edge' && !d.store)
        ctx.addIssue({ code: 'custom', path: ['devices', i, 'store'], message: 'an edge box belongs to a store' });
    });
    const dup = (items: { id?: string; username?: string }[], kind: string) => {
      const seen = new Set<string>();
      items.forEach((it, i) => {
        const key = it.id ?? it.username!;
        if (seen.has(key)) ctx.addIssue({ code: 'custom', path: [kind, i], message: `duplicate ${kind} entry "${key}"` });
        seen.add(key);
      });
    };
    dup(p.schemes, 'schemes');
    dup(p.users, 'users');
    dup(p.devices, 'devices');
  });
export type Provisioning = z.infer<typeof Provisioning>;
/** What a provisioning file may contain (defaults filled in on parsing). */
export type ProvisioningInput = z.input<typeof Provisioning>;
