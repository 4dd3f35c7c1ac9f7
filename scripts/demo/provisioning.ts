import type { ProvisioningInput } from '@shopwatch/protocols';

/**
 * The demo scheme `npm start` provisions on first start: three zones, a dozen stores, a user
 * for each role and radios, tablets and an edge box. Demo credentials only: a real scheme
 * writes its own provisioning file (see README, "Configuration").
 */
export const DEMO_USERS = [
  { username: 'admin', password: 'demo-admin-pass', role: 'admin' },
  { username: 'coordinator', password: 'demo-coordinator-pass', role: 'coordinator' },
  { username: 'operator', password: 'demo-operator-pass', role: 'operator' },
  { username: 'warden', password: 'demo-warden-pass', role: 'warden' },
  { username: 'boots', password: 'demo-boots-pass', role: 'member', store: 'boots' },
  { username: 'tesco', password: 'demo-tesco-pass', role: 'member', store: 'tesco' },
] as const;

const STORES: [string, string, string, number, number][] = [
  ['boots', 'Boots', 'high-street', 20, 30],
  ['coop', 'Co-op', 'high-street', 35, 28],
  ['superdrug', 'Superdrug', 'high-street', 50, 32],
  ['greggs', 'Greggs', 'high-street', 65, 30],
  ['tesco', 'Tesco Express', 'market', 25, 65],
  ['wilko', 'Wilko', 'market', 40, 70],
  ['poundland', 'Poundland', 'market', 55, 68],
  ['wh-smith', 'WHSmith', 'market', 70, 62],
  ['sports-direct', 'Sports Direct', 'retail-park', 82, 20],
  ['argos', 'Argos', 'retail-park', 90, 35],
  ['currys', 'Currys', 'retail-park', 85, 50],
  ['home-bargains', 'Home Bargains', 'retail-park', 92, 65],
];

export function demoProvisioning(): ProvisioningInput {
  return {
    schemes: [
      {
        id: 'demo',
        name: 'Demo Town BCRP',
        zones: [
          { id: 'high-street', name: 'High Street' },
          { id: 'market', name: 'Market Square' },
          { id: 'retail-park', name: 'Retail Park' },
        ],
        stores: STORES.map(([id, name, zone, x, y]) => ({ id, name, zone, plan: { x, y } })),
        settings: { escalationSeconds: 60, catchUpHours: 24 },
      },
    ],
    users: DEMO_USERS.map((u) => ({
      ...u,
      scheme: 'demo',
      displayName: u.username[0]!.toUpperCase() + u.username.slice(1),
    })),
    devices: [
      ...STORES.map(([id, name]) => ({
        id: `radio-${id}`,
        kind: 'radio' as const,
        scheme: 'demo',
        store: id,
        secret: `demo-radio-${id}-secret-change-me`,
        name: `${name} radio`,
      })),
      {
        id: 'control-room',
        kind: 'tablet',
        scheme: 'demo',
        secret: 'demo-control-room-secret-change-me',
        duty: 'control-room',
        name: 'CCTV control room',
      },
      {
        id: 'warden-radio-1',
        kind: 'radio',
        scheme: 'demo',
        secret: 'demo-warden-radio-secret-change-me',
        duty: 'warden',
        name: 'Warden 1',
      },
      {
        id: 'edge-boots',
        kind: 'edge',
        scheme: 'demo',
        store: 'boots',
        secret: 'demo-edge-boots-secret-change-me',
        name: 'Boots edge box',
      },
    ],
  };
}
