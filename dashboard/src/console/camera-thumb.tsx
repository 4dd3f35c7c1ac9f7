import { useEffect, useState } from 'preact/hooks';
import { LIVE_PATHS } from '@shopwatch/protocols';
import { useServices } from '../core/context';

const EVERY_MS = 10_000;

/**
 * A camera's picture on the device board, refreshed every 10 s while the board is shown (and the
 * tab visible): the hub fetches it from the edge box only on demand and shares it between viewers.
 */
export function CameraThumb(props: { deviceId: string; cameraId: string; name: string }) {
  const { api } = useServices();
  const [url, setUrl] = useState<string | null>(null);

  useEffect(() => {
    let current: string | null = null;
    let gone = false;
    const load = () => {
      if (document.visibilityState === 'hidden') return;
      api.blobUrl(LIVE_PATHS.thumbnail(props.deviceId, props.cameraId)).then(
        (u) => {
          if (gone) return URL.revokeObjectURL(u);
          if (current) URL.revokeObjectURL(current);
          current = u;
          setUrl(u);
        },
        () => {},
      ); // an offline camera keeps its last picture; the row says it is offline
    };
    load();
    const timer = setInterval(load, EVERY_MS);
    return () => {
      gone = true;
      clearInterval(timer);
      if (current) URL.revokeObjectURL(current);
    };
  }, [props.deviceId, props.cameraId]);

  if (!url) return <span class="camera-thumb" aria-hidden="true" />;
  const alt = `Latest picture of camera ${props.name}`;
  return <img class="camera-thumb" src={url} alt={alt} data-testid="camera-thumb" />;
}
