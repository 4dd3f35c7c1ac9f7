import type { InboundKind, InboundMessage } from '@shopwatch/protocols';
import type { AlertService } from '../alerts/service';
import type { CameraService } from '../devices/cameras';
import type { EvidenceService } from '../evidence/service';
import type { GallerySync } from '../gallery/sync';
import type { Connection } from './connections';

/** The domain services device messages reach: exactly the methods the handlers below call. */
export interface InboundServices {
  alerts: Pick<AlertService, 'raise' | 'ack' | 'close' | 'receipt'>;
  cameras: Pick<CameraService, 'report'>;
  evidence: Pick<EvidenceService, 'report'>;
  gallery: Pick<GallerySync, 'applied'>;
}

type Handler<K extends InboundKind> = (s: InboundServices, conn: Connection, m: InboundMessage<K>) => Promise<unknown>;

/**
 * One handler per inbound topic kind (like aedes' `lib/handlers`), each with its own payload
 * type. The table is complete by type: a new inbound topic in protocols does not compile until
 * it has a handler here.
 */
const HANDLERS: { [K in InboundKind]: Handler<K> } = {
  alertRaise: (s, c, m) => s.alerts.raise(c.principal, m.payload),
  alertAck: (s, c, m) => s.alerts.ack(c.principal, m.params.alertId!, m.payload),
  alertClose: (s, c, m) => s.alerts.close(c.principal, m.params.alertId!, m.payload),
  alertReceipt: (s, c, m) => {
    const alertId = m.params.alertId!;
    // No eventSeq: the receipt confirms what this connection was sent of the alert.
    return s.alerts.receipt(c.principal, alertId, m.payload.eventSeq ?? c.sentByAlert.get(alertId) ?? null);
  },
  cameraReport: (s, c, m) => s.cameras.report(c.principal, m.params.cameraId!, m.payload),
  evidence: (s, c, m) => s.evidence.report(c.principal, m.payload),
  galleryApplied: (s, c, m) => s.gallery.applied(c.principal, m.payload),
};

/**
 * Handles one validated device message. Runs before the PUBACK is sent, so when it returns
 * the change is on disk; a HubError it throws becomes a refusal sent back to the device.
 */
export async function handleInbound<K extends InboundKind>(
  services: InboundServices,
  conn: Connection,
  message: InboundMessage<K>,
): Promise<void> {
  const handler: Handler<K> = HANDLERS[message.kind];
  await handler(services, conn, message);
}
