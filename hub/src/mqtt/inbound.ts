import type { ParsedTopic, TopicPayload } from '@shopwatch/protocols';
import type { AlertService } from '../alerts/service';
import type { CameraService } from '../devices/cameras';
import type { EvidenceService } from '../evidence/service';
import type { GallerySync } from '../gallery/sync';
import type { Connection } from './connections';

/**
 * Handles one validated device message. Runs before the PUBACK is sent, so when it returns
 * the change is on disk; a HubError it throws becomes a refusal sent back to the device.
 */
export async function handleInbound(
  deps: { alerts: AlertService; cameras: CameraService; evidence: EvidenceService; gallery: GallerySync },
  conn: Connection,
  topic: ParsedTopic,
  payload: unknown,
): Promise<void> {
  const p = conn.principal;
  const alertId = topic.params.alertId!;
  switch (topic.kind) {
    case 'alertRaise':
      await deps.alerts.raise(p, payload as TopicPayload<'alertRaise'>);
      return;
    case 'alertAck':
      await deps.alerts.ack(p, alertId, payload as TopicPayload<'alertAck'>);
      return;
    case 'alertClose':
      await deps.alerts.close(p, alertId, payload as TopicPayload<'alertClose'>);
      return;
    case 'alertReceipt': {
      const r = payload as TopicPayload<'alertReceipt'>;
      await deps.alerts.receipt(p, alertId, r.eventSeq ?? conn.sentByAlert.get(alertId) ?? null);
      return;
    }
    case 'cameraReport':
      await deps.cameras.report(p, topic.params.cameraId!, payload as TopicPayload<'cameraReport'>);
      return;
    case 'evidence':
      await deps.evidence.report(p, payload as TopicPayload<'evidence'>);
      return;
    case 'galleryApplied':
      await deps.gallery.applied(p, payload as TopicPayload<'galleryApplied'>);
      return;
    default:
      throw new Error(`no handler for inbound topic kind ${topic.kind}`);
  }
}
