/** Paths of the two live WebSockets and the thumbnail route, for hub, agent and dashboard. */
export const LIVE_PATHS = {
  edge: '/live/edge',
  view: '/live/view',
  /** GET: the cameras the signed-in user may watch (`LiveCamera[]`). */
  cameras: '/api/live/cameras',
  /** GET `/api/live/thumbnails/{deviceId}/{cameraId}`: the latest JPEG (at most 10 s old). */
  thumbnail: (deviceId: string, cameraId: string) => `/api/live/thumbnails/${deviceId}/${cameraId}`,
} as const;
