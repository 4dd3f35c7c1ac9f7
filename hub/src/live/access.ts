import type { SchemeSettings } from '@shopwatch/protocols';
import type { Principal } from '../auth/principal';
import { HubError, forbidden } from '../errors';
import type { SchemeLookup } from '../directory-interface';
import type { DeviceRecord, Repository } from '../storage/repository';

/** What the live-view check reads: the device, its scheme's cameras and settings. */
export interface LiveAccessDeps {
  repo: Pick<Repository, 'getDevice' | 'listCameras'>;
  dir: SchemeLookup;
}

/**
 * Who may watch a camera live: operators and admins of the camera's scheme; a member only the
 * cameras of their own store, and only where the scheme's settings allow it (off by default).
 * A camera of another scheme is "not found", so nobody learns what other schemes have.
 */
export async function authorizeLiveView(
  svc: LiveAccessDeps,
  p: Principal,
  deviceId: string,
  cameraId: string,
): Promise<DeviceRecord> {
  if (p.kind !== 'user') throw forbidden('live views are for people signed in to the dashboard');
  const device = await svc.repo.getDevice(deviceId);
  const missing = new HubError('not_found', `camera "${cameraId}" of edge box "${deviceId}" not found`);
  if (!device || device.scheme !== p.scheme || device.kind !== 'edge') throw missing;
  const cameras = await svc.repo.listCameras(p.scheme);
  if (!cameras.some((c) => c.deviceId === deviceId && c.cameraId === cameraId)) throw missing;
  const why = whyNot(p, device, (await svc.dir.scheme(p.scheme)).settings);
  if (why) throw forbidden(why);
  return device;
}

/** Null when `p` may watch the cameras of edge box `device` (same scheme), else the reason why not. */
export function whyNot(p: Principal, device: DeviceRecord, settings: SchemeSettings): string | null {
  if (p.role === 'admin' || p.role === 'operator') return null;
  if (p.role !== 'member') return 'live views are for operators and admins';
  if (!settings.liveViewMembers) return 'this scheme does not let members watch cameras live';
  if (!p.store || device.store !== p.store) return "members may watch only their own store's cameras";
  return null;
}
