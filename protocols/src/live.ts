import { z } from 'zod';
import { ErrorBody } from './errors';

/**
 * Live camera view (DESIGN.md "Live view and evidence export"). Three legs:
 * - MQTT, hub → edge: `devices/{edgeId}/live/request` ({@link LiveRequest}); hub-only topic.
 * - WebSocket `/live/edge?stream={streamId}`, edge → hub, HTTP Basic auth with the device id and
 *   secret: one binary message per fMP4 segment (the init segment first, then fragments), or one
 *   JPEG for a thumbnail request; {@link LiveEdgeMessage} text messages report a failure.
 * - WebSocket `/live/view`, hub → browser: the browser authenticates with its first message
 *   (`hello`, or the session cookie), opens one camera with a reason, receives `ready` with the
 *   MIME type, then the init segment and fragments as binary messages, and acknowledges what it
 *   has appended (`ack`) so the hub never queues more than a few seconds for it.
 */

/** Device and camera ids as the edge agent's configuration spells them (topic- and URL-safe). */
export const LiveId = z.string().regex(/^[A-Za-z0-9_-]{1,64}$/, 'letters, digits, "-" or "_" (at most 64)');
/** Stream ids are chosen by the hub: 128 random bits, base64url. */
export const StreamId = z.string().regex(/^[A-Za-z0-9_-]{16,64}$/, 'a stream id chosen by the hub');

export const LiveRequest = z.discriminatedUnion('action', [
  /** Dial `/live/edge?stream=...` and send the camera's stream, stream-copied to fMP4. */
  z.strictObject({ action: z.literal('start'), streamId: StreamId, cameraId: LiveId }),
  /** Stop that stream (the hub also closes its socket; either one ends ffmpeg). */
  z.strictObject({ action: z.literal('stop'), streamId: StreamId, cameraId: LiveId }),
  /** Grab one JPEG frame of the camera and send it on `/live/edge?stream=...`. */
  z.strictObject({ action: z.literal('thumbnail'), streamId: StreamId, cameraId: LiveId }),
]);
export type LiveRequest = z.infer<typeof LiveRequest>;

/** Text messages an edge box may send on `/live/edge` (everything else it sends is binary media). */
export const LiveEdgeMessage = z.strictObject({ type: z.literal('failed'), reason: z.string().max(500) });
export type LiveEdgeMessage = z.infer<typeof LiveEdgeMessage>;

export const LiveViewClientMessage = z.discriminatedUnion('type', [
  z.strictObject({ type: z.literal('hello'), token: z.string().min(1).max(200) }),
  z.strictObject({
    type: z.literal('open'),
    deviceId: LiveId,
    cameraId: LiveId,
    /** Why this person looks now (kept in the audit log with who, camera, start and end). */
    reason: z.string().trim().min(3, 'say why you open this camera').max(500),
  }),
  /** How many binary messages of this view the browser has appended so far (cumulative). */
  z.strictObject({ type: z.literal('ack'), received: z.number().int().min(0) }),
]);
export type LiveViewClientMessage = z.infer<typeof LiveViewClientMessage>;

export const LiveViewServerMessage = z.discriminatedUnion('type', [
  z.strictObject({ type: z.literal('authenticated'), user: z.string() }),
  /** The stream is up: create a SourceBuffer of `mime`; binary init segment and fragments follow. */
  z.strictObject({
    type: z.literal('ready'),
    streamId: StreamId,
    deviceId: LiveId,
    cameraId: LiveId,
    mime: z.string(),
  }),
  /** The stream ended (camera lost, edge gone, hub stopping); the socket closes after this. */
  z.strictObject({ type: z.literal('ended'), reason: z.string() }),
  z.strictObject({ type: z.literal('error'), error: ErrorBody }),
]);
export type LiveViewServerMessage = z.infer<typeof LiveViewServerMessage>;

/** A camera the signed-in user may watch live (`GET /api/live/cameras`). */
export const LiveCamera = z.object({
  deviceId: LiveId,
  cameraId: LiveId,
  name: z.string().nullable(),
  status: z.string(),
  store: z.string().nullable(),
});
export type LiveCamera = z.infer<typeof LiveCamera>;

// In a module of its own so that the browser bundle can use the paths without the schemas.
export { LIVE_PATHS } from './live-paths';

/** Largest single segment (init, fragment or thumbnail) the hub accepts from an edge box. */
export const LIVE_MAX_SEGMENT_BYTES = 4 * 1024 * 1024;
