import { useServices } from '../core/context';
import { useNow, useStore } from '../core/store';
import { age } from '../core/labels';

/** Always-visible link state: a warden must know when the phone is not receiving alerts. */
export function ConnectionBadge(props: { large?: boolean }) {
  const { store } = useServices();
  const c = useStore(store, (s) => s.connection);
  const now = useNow();
  const text =
    c.state === 'online'
      ? 'Live'
      : c.state === 'connecting'
        ? 'Connecting…'
        : `Offline ${age(new Date(c.since).toISOString(), now)} — reconnecting`;
  return (
    <div
      class={`conn conn-${c.state}${props.large ? ' large' : ''}`}
      role="status"
      aria-live="polite"
      data-testid="connection"
      data-state={c.state}
      title={c.error ?? undefined}
    >
      <span class="dot" aria-hidden="true" />
      {text}
    </div>
  );
}
