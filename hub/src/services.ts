import type { AlertService } from './alerts/service';
import type { EventBus } from './bus';
import type { HubConfig } from './config';
import type { CameraService } from './devices/cameras';
import type { Directory } from './directory';
import type { Metrics } from './metrics';
import type { Broker } from './mqtt/broker';
import type { Presence } from './mqtt/presence';
import type { Repository } from './storage/repository';

/** The parts the HTTP API and the browser WebSocket use; built by main.ts. */
export interface HubServices {
  config: HubConfig;
  repo: Repository;
  dir: Directory;
  bus: EventBus;
  alerts: AlertService;
  cameras: CameraService;
  presence: Presence;
  broker: Broker;
  metrics: Metrics;
  ready: () => boolean;
}
