import { type CameraReport, type CameraStatus, redactText } from '@shopwatch/protocols';
import type { EventBus } from '../bus';
import type { Principal } from '../auth/principal';
import type { Repository } from '../storage/repository';

/** Camera states reported by edge boxes: stored, then announced (retained on MQTT, on the WS). */
export class CameraService {
  constructor(
    private repo: Repository,
    private bus: EventBus,
    private now: () => Date = () => new Date(),
  ) {}

  async report(p: Principal, cameraId: string, r: CameraReport): Promise<CameraStatus> {
    const status: CameraStatus = {
      // Defence in depth (issue 17.2): an edge box that quotes its camera URL in a reason must
      // not hand the camera's password to every console that watches the device board.
      deviceId: p.id,
      cameraId,
      name: r.name ? redactText(r.name) : null,
      status: r.status,
      reason: r.reason ? redactText(r.reason) : null,
      since: this.now().toISOString(),
    };
    await this.repo.upsertCamera(status);
    this.bus.emit('camera', { scheme: p.scheme, status });
    return status;
  }
}
