import { useMemo, useState } from 'preact/hooks';
import type { DeviceKind, DeviceSummary } from '@shopwatch/protocols';
import { useServices } from '../core/context';
import { age, clock } from '../core/labels';
import { useNow, useStore } from '../core/store';
import { useHotkeys } from '../ui/hotkeys';
import { CameraThumb } from './camera-thumb';
import { LiveDialog } from './live-dialog';

const KINDS: Record<DeviceKind, string> = { radio: 'Radios', tablet: 'Tablets', edge: 'Edge boxes' };

/** Every radio, tablet, edge box and camera: online/offline with last seen, live over the socket. */
export function DevicesScreen() {
  const { store, actions } = useServices();
  const devices = useStore(store, (s) => s.devices);
  const scheme = useStore(store, (s) => s.scheme);
  const now = useNow();
  const [offlineOnly, setOfflineOnly] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const user = useStore(store, (s) => s.user);
  // Operators and admins watch cameras live (the hub enforces it; this only hides a useless button).
  const canWatch = user?.role === 'operator' || user?.role === 'admin';
  const [live, setLive] = useState<{ deviceId: string; cameraId: string; title: string } | null>(null);
  const list = useMemo(() => [...devices.values()], [devices]);
  const online = list.filter((d) => d.status === 'online').length;
  const cameras = list.flatMap((d) => d.cameras);
  const camsUp = cameras.filter((c) => c.status === 'online').length;
  const storeName = (id: string | null) => (id ? (scheme?.stores.find((s) => s.id === id)?.name ?? id) : null);

  const refresh = () =>
    actions.refreshDevices().then(
      () => setError(null),
      (e: Error) => setError(e.message),
    );
  useHotkeys({ o: () => setOfflineOnly((v) => !v), R: () => void refresh() });

  return (
    <section class="devices-screen" aria-labelledby="dev-title">
      <div class="toolbar">
        <h2 id="dev-title">Devices</h2>
        <span class="stat" data-testid="device-summary">
          <b>{online}</b> of {list.length} online · cameras <b>{camsUp}</b> of {cameras.length}
        </span>
        <span class="spacer" />
        <label class="check">
          <input type="checkbox" checked={offlineOnly} onChange={(e) => setOfflineOnly(e.currentTarget.checked)} />{' '}
          Offline only <kbd>o</kbd>
        </label>
        <button type="button" class="btn ghost" onClick={() => void refresh()}>
          Refresh <kbd>R</kbd>
        </button>
      </div>
      {error && (
        <p class="error" role="alert">
          {error}
        </p>
      )}
      <div class="device-groups">
        {(Object.keys(KINDS) as DeviceKind[]).map((kind) => {
          const group = list.filter(
            (d) =>
              d.kind === kind &&
              (!offlineOnly || d.status === 'offline' || d.cameras.some((c) => c.status !== 'online')),
          );
          return (
            <div class="device-group">
              <h3>
                {KINDS[kind]}{' '}
                <span class="muted">
                  ({list.filter((d) => d.kind === kind && d.status === 'online').length}/
                  {list.filter((d) => d.kind === kind).length} online)
                </span>
              </h3>
              {group.length === 0 ? (
                <p class="muted">{offlineOnly ? 'All online.' : 'None provisioned.'}</p>
              ) : (
                <table class="device-table" aria-label={KINDS[kind]}>
                  <thead>
                    <tr>
                      <th scope="col">Status</th>
                      <th scope="col">Device</th>
                      <th scope="col">Store / duty</th>
                      <th scope="col">Last seen</th>
                    </tr>
                  </thead>
                  <tbody>
                    {group.map((d) => (
                      <DeviceRows
                        d={d}
                        now={now}
                        storeName={storeName(d.store)}
                        onLive={canWatch ? setLive : undefined}
                      />
                    ))}
                  </tbody>
                </table>
              )}
            </div>
          );
        })}
      </div>
      {live && <LiveDialog {...live} onDone={() => setLive(null)} />}
    </section>
  );
}

type OpenLive = (t: { deviceId: string; cameraId: string; title: string }) => void;

function DeviceRows(props: { d: DeviceSummary; now: number; storeName: string | null; onLive?: OpenLive }) {
  const { d, now } = props;
  return (
    <>
      <tr data-testid="device-row" data-device-id={d.id} data-status={d.status}>
        <td>
          <span class={`pill ${d.status}`}>{d.status === 'online' ? 'Online' : 'Offline'}</span>
        </td>
        <td>
          <b>{d.name ?? d.id}</b>
          {d.name && <span class="muted"> {d.id}</span>}
        </td>
        <td>{props.storeName ?? <span class="muted">{d.duty}</span>}</td>
        <td title={d.lastSeen ?? undefined}>
          {d.status === 'online' ? (
            'now'
          ) : d.lastSeen ? (
            `${age(d.lastSeen, now)} ago (${clock(d.lastSeen)})`
          ) : (
            <span class="muted">never</span>
          )}
        </td>
      </tr>
      {d.cameras.map((c) => (
        <tr class="camera-row" data-testid="camera-row" data-camera-id={c.cameraId} data-status={c.status}>
          <td>
            <span class={`pill ${c.status}`}>
              {c.status === 'online' ? 'Online' : c.status === 'error' ? 'Error' : 'Offline'}
            </span>
          </td>
          <td>
            <span aria-hidden="true">└ </span>camera {c.name ?? c.cameraId}
            {props.onLive && d.kind === 'edge' && (
              <>
                {' '}
                {c.status === 'online' && (
                  <CameraThumb deviceId={d.id} cameraId={c.cameraId} name={c.name ?? c.cameraId} />
                )}
                <button
                  type="button"
                  class="btn ghost"
                  data-testid="camera-live"
                  onClick={() =>
                    props.onLive!({
                      deviceId: d.id,
                      cameraId: c.cameraId,
                      title: `${props.storeName ?? d.id}, camera ${c.name ?? c.cameraId}`,
                    })
                  }
                >
                  Live
                </button>
              </>
            )}
          </td>
          <td class="muted">{c.reason ?? ''}</td>
          <td>since {clock(c.since)}</td>
        </tr>
      ))}
    </>
  );
}
