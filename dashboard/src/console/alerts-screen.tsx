import { radioGroupKeys } from '../ui/radio-keys';
import { useEffect, useMemo, useRef, useState } from 'preact/hooks';
import type { AckStatus } from '@shopwatch/protocols';
import { useServices } from '../core/context';
import { ACK_STATUSES, ALERT_TYPES, acknowledgements, age, countdown, placeOf } from '../core/labels';
import { type AlertView, useNow, useStore } from '../core/store';
import { useHotkeys } from '../ui/hotkeys';
import { AlertDetail } from './alert-detail';
import { CloseDialog } from './close-dialog';
import { RaiseDialog } from './raise-dialog';

type Filter = 'active' | 'closed' | 'all';
const FILTERS: Filter[] = ['active', 'closed', 'all'];

const SEVERITY_RANK = { critical: 0, high: 1, medium: 2, low: 3 } as const;

/**
 * Most urgent first: escalated, then open with nobody attending, then attended, then closed;
 * within each, by severity, then newest first (closed ones: most recently closed first).
 */
/**
 * Active before closed, then severity, then age (newest first). Within one severity an
 * escalated alert comes before an unattended one, and that before an attended one; severity
 * wins over that, so an attended critical alert never sinks under an escalated medium one.
 */
export function byUrgency(a: AlertView, b: AlertView): number {
  const closed = (x: AlertView) => (x.status === 'closed' ? 1 : 0);
  const state = (x: AlertView) => (x.status === 'escalated' ? 0 : x.escalatesAt ? 1 : 2);
  return (
    closed(a) - closed(b) ||
    (a.status === 'closed' ? 0 : SEVERITY_RANK[a.severity] - SEVERITY_RANK[b.severity] || state(a) - state(b)) ||
    (b.closedAt ?? b.raisedAt).localeCompare(a.closedAt ?? a.raisedAt)
  );
}

export function AlertsScreen() {
  const { store, actions } = useServices();
  const alerts = useStore(store, (s) => s.alerts);
  const scheme = useStore(store, (s) => s.scheme);
  const now = useNow();
  const [filter, setFilter] = useState<Filter>('active');
  const [selected, setSelected] = useState<string | null>(() => new URLSearchParams(location.search).get('alert'));
  const [dialog, setDialog] = useState<'raise' | 'close' | null>(null);
  const [notice, setNotice] = useState<{ text: string; error?: boolean } | null>(null);
  const listRef = useRef<HTMLTableSectionElement>(null);

  const list = useMemo(
    () =>
      [...alerts.values()]
        .filter((a) => filter === 'all' || (filter === 'closed' ? a.status === 'closed' : a.status !== 'closed'))
        .sort(byUrgency),
    [alerts, filter],
  );
  const current = (selected && alerts.get(selected)) || list[0] || null;

  useEffect(() => {
    listRef.current?.querySelector<HTMLElement>('tr[aria-selected="true"]')?.scrollIntoView({ block: 'nearest' });
  }, [current?.id]);

  const move = (d: number) => {
    if (!list.length) return;
    const i = current ? list.findIndex((a) => a.id === current.id) : -1;
    setSelected(list[Math.max(0, Math.min(list.length - 1, i + d))]!.id);
  };
  const ack = async (status: AckStatus) => {
    if (!current || current.status === 'closed') return;
    try {
      await actions.ack(current.id, status);
      setNotice({ text: `${ACK_STATUSES[status].label}: ${ALERT_TYPES[current.type].label}` });
    } catch (e) {
      setNotice({ text: (e as Error).message, error: true });
    }
  };

  useHotkeys(
    {
      j: () => move(1),
      ArrowDown: () => move(1),
      k: () => move(-1),
      ArrowUp: () => move(-1),
      r: () => setDialog('raise'),
      s: () => void ack('seen'),
      t: () => void ack('attending'),
      u: () => void ack('unable'),
      c: () => current && current.status !== 'closed' && setDialog('close'),
      f: () => setFilter((f) => FILTERS[(FILTERS.indexOf(f) + 1) % FILTERS.length]!),
    },
    dialog === null,
  );

  return (
    <div class="alerts-screen">
      <section class="feed" aria-labelledby="feed-title">
        <div class="toolbar">
          <h2 id="feed-title">Alerts</h2>
          <div class="seg" role="radiogroup" aria-label="Show" onKeyDown={radioGroupKeys}>
            {FILTERS.map((f) => (
              // biome-ignore lint/a11y/useSemanticElements: a WAI-ARIA radio group of buttons; arrows: radioGroupKeys
              <button
                type="button"
                role="radio"
                aria-checked={filter === f}
                class={filter === f ? 'on' : ''}
                onClick={() => setFilter(f)}
              >
                {f[0]!.toUpperCase() + f.slice(1)}
              </button>
            ))}
          </div>
          <span class="spacer" />
          <button type="button" class="btn primary" onClick={() => setDialog('raise')} data-testid="raise-open">
            Raise alert <kbd>r</kbd>
          </button>
        </div>
        {notice && (
          <p class={`notice${notice.error ? ' error' : ''}`} role={notice.error ? 'alert' : 'status'}>
            {notice.text}
          </p>
        )}
        <table class="feed-table" aria-label="Alert feed" data-testid="alert-feed">
          <colgroup>
            <col class="w-type" />
            <col class="w-store" />
            <col class="w-zone" />
            <col class="w-age" />
            <col class="w-recv" />
            <col class="w-ack" />
            <col class="w-esc" />
          </colgroup>
          <thead>
            <tr>
              <th scope="col">Type</th>
              <th scope="col">Store</th>
              <th scope="col">Zone</th>
              <th scope="col">Age</th>
              <th scope="col">Received</th>
              <th scope="col">Acknowledged</th>
              <th scope="col">Escalation</th>
            </tr>
          </thead>
          <tbody ref={listRef}>
            {list.map((a) => (
              <FeedRow
                a={a}
                now={now}
                place={placeOf(a, scheme)}
                selected={a.id === current?.id}
                onSelect={() => setSelected(a.id)}
              />
            ))}
          </tbody>
        </table>
        {list.length === 0 && (
          <p class="empty">{filter === 'closed' ? 'No closed alerts yet.' : 'No active alerts. Quiet is good.'}</p>
        )}
      </section>
      <section class="detail" aria-label="Alert detail">
        {current ? (
          <AlertDetail a={current} now={now} onAck={ack} onClose={() => setDialog('close')} />
        ) : (
          <p class="empty">Select an alert to see its timeline.</p>
        )}
      </section>
      {dialog === 'raise' && (
        <RaiseDialog
          onDone={(id, text) => {
            setDialog(null);
            if (id) {
              setFilter('active');
              setSelected(id);
            }
            if (text) setNotice({ text });
          }}
        />
      )}
      {dialog === 'close' && current && (
        <CloseDialog
          a={current}
          onDone={(text, error) => {
            setDialog(null);
            if (text) setNotice({ text, error });
          }}
        />
      )}
    </div>
  );
}

function FeedRow(props: {
  a: AlertView;
  now: number;
  place: { store: string | null; zone: string };
  selected: boolean;
  onSelect: () => void;
}) {
  const { a, now, place } = props;
  const acks = acknowledgements(a);
  const left = countdown(a, now);
  const received = a.deliveries.length;
  return (
    <tr
      class={`sev-${a.severity} st-${a.status}${props.selected ? ' selected' : ''}`}
      aria-selected={props.selected}
      onClick={props.onSelect}
      data-alert-id={a.id}
      data-testid="alert-row"
    >
      <td class="c-type">
        <span class={`sev-chip sev-${a.severity}`}>{a.severity}</span> <b>{ALERT_TYPES[a.type].label}</b>
        {a.priority && <span class="tag hot">priority</span>}
        {a.message && <div class="row-msg">{a.message}</div>}
      </td>
      <td data-label="Store" class="nowrap">
        {place.store ?? <span class="muted">zone-wide</span>}
      </td>
      <td data-label="Zone">{place.zone}</td>
      <td data-label="Age" class="num nowrap">
        {age(a.raisedAt, now)}
      </td>
      <td
        data-label="Received"
        class="nowrap"
        title={
          `devices that confirmed ` +
          `receipt${a.undelivered.length ? `; waiting for: ${a.undelivered.join(', ')}` : ''}`
        }
      >
        <b>{received}</b>
        <span class="muted">
          {' '}
          / {received + a.undelivered.filter((d) => !a.deliveries.some((x) => x.deviceId === d)).length}
        </span>
      </td>
      <td data-label="Acknowledged" data-testid="acks">
        {acks.length ? (
          acks.map((k) => <span class={`ack ack-${k.status}`}>{`${k.label}: ${ACK_STATUSES[k.status].label}`}</span>)
        ) : (
          <span class="muted">nobody yet</span>
        )}
      </td>
      <td data-label="Escalation" class="num nowrap">
        {a.status === 'closed' ? (
          <span class="muted">closed</span>
        ) : a.status === 'escalated' ? (
          <span class="tag hot">escalated</span>
        ) : left === null ? (
          <span class="muted">attended</span>
        ) : (
          <span
            class={left <= 15 ? 'countdown soon' : 'countdown'}
            role="timer"
            aria-label={`escalates in ${left} seconds`}
          >
            {Math.floor(left / 60)}:{String(left % 60).padStart(2, '0')}
          </span>
        )}
      </td>
    </tr>
  );
}
