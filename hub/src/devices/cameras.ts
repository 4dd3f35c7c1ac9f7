import type { CameraReport, CameraStatus } from '@shopwatch/protocols';
import type { EventBus } from '../bus';
import type { Principal } from '../auth/principal';
import type { Repository } from '../storage/repository';

/** Camera states reported by edge boxes: stored, then announced (retained on MQTT, on the WS). */
export class CameraService {
  constructor(private repo: Repository, private bus: EventBus, private now: () => Date = () => new Date()) {}

  async report(p: Principal, cameraId: string, r: CameraReport): Promise<CameraStatus> {
    const status: CameraStatus = {
      deviceId: p.id, cameraId, name: r.name ?? null, status: r.status, reason: r.reason ?? null,
      since: this.now().toISOString(),
    };
    await this.repo.upsertCamera(status);
    this.bus.emit('camera', { scheme: p.scheme, status });
    return status;
  }
}
