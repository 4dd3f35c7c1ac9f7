import { useEffect, useRef, useState } from 'preact/hooks';
// Types only: the player (and the schema code it parses with) loads when someone opens a camera,
// which keeps zod out of the main bundle.
import type { LivePlayer, LiveTarget, PlayerState } from './live-player';

const STATE_TEXT: Record<PlayerState['kind'], string> = {
  connecting: 'Connecting to the hub…',
  waiting: 'Asking the store’s edge box for the camera…',
  playing: 'Live',
  ended: 'Stream ended',
  error: 'Cannot show this camera',
};

/**
 * Live view of one camera. The viewer says why first (kept in the audit log with who, which
 * camera, start and end); then the picture plays until the dialog closes, which ends the view.
 */
export function LiveDialog(props: {
  deviceId: string;
  cameraId: string;
  title: string;
  reason?: string;
  onDone: () => void;
}) {
  const ref = useRef<HTMLDialogElement>(null);
  const video = useRef<HTMLVideoElement>(null);
  const player = useRef<LivePlayer | null>(null);
  const [reason, setReason] = useState(props.reason ?? '');
  const [state, setState] = useState<PlayerState | null>(null);

  useEffect(() => {
    ref.current?.showModal();
    return () => player.current?.stop();
  }, []);

  const watch = (e: Event) => {
    e.preventDefault();
    const target: LiveTarget = { deviceId: props.deviceId, cameraId: props.cameraId, reason: reason.trim() };
    player.current?.stop();
    setState({ kind: 'connecting' });
    void import('./live-player').then(({ LivePlayer }) => {
      if (!video.current) return; // the dialog closed meanwhile
      const p = new LivePlayer(video.current, target, setState, null); // the session cookie authenticates
      player.current = p;
      (window as unknown as { livePlayer?: LivePlayer }).livePlayer = p; // for tests measuring the first picture
      p.start();
    });
  };

  const detail = state?.kind === 'ended' ? state.reason : state?.kind === 'error' ? state.message : null;
  return (
    <dialog ref={ref} class="dialog live-dialog" aria-labelledby="live-title" onClose={() => props.onDone()}>
      <h2 id="live-title">Live: {props.title}</h2>
      {!state && (
        <form onSubmit={watch}>
          <label>
            Why are you opening this camera? (kept in the audit log)
            <input
              required
              minLength={3}
              maxLength={500}
              value={reason}
              autoFocus
              data-testid="live-reason"
              onInput={(e) => setReason(e.currentTarget.value)}
            />
          </label>
          <div class="row">
            <button class="btn primary" type="submit" disabled={reason.trim().length < 3} data-testid="live-watch">
              Watch live
            </button>
            <button class="btn ghost" type="button" onClick={() => ref.current?.close()}>
              Cancel
            </button>
          </div>
        </form>
      )}
      <video ref={video} class="live-video" muted playsInline autoPlay hidden={!state} data-testid="live-video" />
      {state && (
        <p
          class={state.kind === 'error' ? 'error' : 'muted'}
          role="status"
          data-testid="live-state"
          data-state={state.kind}
        >
          {STATE_TEXT[state.kind]}
          {detail && `: ${detail}`}
        </p>
      )}
      {state && (
        <button class="btn" type="button" onClick={() => ref.current?.close()} data-testid="live-close">
          Close live view
        </button>
      )}
    </dialog>
  );
}
