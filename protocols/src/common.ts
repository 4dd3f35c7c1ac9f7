import { z } from 'zod';

/** Identifiers chosen by people in the provisioning file: short, URL- and topic-safe. */
export const Slug = z
  .string()
  .regex(/^[a-z0-9][a-z0-9_-]{0,63}$/, 'must be 1-64 chars of a-z, 0-9, "_" or "-", starting with a letter or digit')
  .meta({ description: 'Lower-case identifier that is safe inside an MQTT topic level and a URL path' });
export type Slug = z.infer<typeof Slug>;

/** Timestamps travel as ISO-8601 strings in UTC. */
export const Timestamp = z.iso.datetime({ offset: true }).meta({ description: 'ISO-8601 time, UTC' });
export type Timestamp = z.infer<typeof Timestamp>;

/** Who did something: a device (radio, tablet, edge box) or a logged-in user. */
export const Actor = z.object({
  kind: z.enum(['device', 'user', 'hub']),
  id: z.string().min(1),
});
export type Actor = z.infer<typeof Actor>;

/** Largest MQTT/WS/HTTP JSON payload the hub accepts; anything bigger is refused unread. */
export const MAX_MESSAGE_BYTES = 64 * 1024;
