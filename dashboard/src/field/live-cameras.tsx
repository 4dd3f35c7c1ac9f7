import { useEffect, useState } from 'preact/hooks';
import { LIVE_PATHS, type LiveCamera } from '@shopwatch/protocols';
import { LiveDialog } from '../console/live-dialog';
import { useServices } from '../core/context';

/**
 * Store staff's own cameras, where the scheme lets members watch them live. The hub decides who
 * may watch; an empty list (the default for members) shows nothing at all.
 */
export function LiveCameras() {
  const { api } = useServices();
  const [cameras, setCameras] = useState<LiveCamera[]>([]);
  const [open, setOpen] = useState<LiveCamera | null>(null);

  useEffect(() => {
    api.get<LiveCamera[]>(LIVE_PATHS.cameras).then(setCameras, () => setCameras([]));
  }, [api]);

  if (cameras.length === 0) return null;
  return (
    <section class="field-cameras" aria-labelledby="cams-h">
      <h2 id="cams-h">Cameras</h2>
      {cameras.map((c) => (
        <button
          type="button"
          class="btn"
          data-testid="field-camera-live"
          data-camera-id={c.cameraId}
          onClick={() => setOpen(c)}
          disabled={c.status !== 'online'}
        >
          Live: {c.name ?? c.cameraId}
        </button>
      ))}
      {open && (
        <LiveDialog
          deviceId={open.deviceId}
          cameraId={open.cameraId}
          title={open.name ?? open.cameraId}
          onDone={() => setOpen(null)}
        />
      )}
    </section>
  );
}
