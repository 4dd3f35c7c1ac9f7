import { useEffect, useMemo, useState } from 'preact/hooks';
import { useServices } from '../core/context';
import { ALERT_TYPES, age, placeOf } from '../core/labels';
import { navigate } from '../core/router';
import { type AlertView, useNow, useStore } from '../core/store';
import { byUrgency } from './alerts-screen';
import { layoutPlan } from './plan-layout';

/** The scheme's stores by zone, drawn from the provisioning data, with open alerts on it. */
export function PlanScreen() {
  const { store } = useServices();
  const scheme = useStore(store, (s) => s.scheme);
  const alerts = useStore(store, (s) => s.alerts);
  const now = useNow();
  const [focus, setFocus] = useState<string | null>(null);
  const narrow = useNarrow();
  const layout = useMemo(() => (scheme ? layoutPlan(scheme, narrow) : null), [scheme, narrow]);
  const open = useMemo(() => [...alerts.values()].filter((a) => a.status !== 'closed').sort(byUrgency), [alerts]);

  if (!scheme || !layout) return <p class="empty">Loading the scheme…</p>;
  const at = (pred: (a: AlertView) => boolean) => open.filter(pred);
  const shown = focus ? open.filter((a) => a.store === focus || (!a.store && a.zone === focus)) : open;

  return (
    <div class="plan-screen">
      <section class="plan" aria-labelledby="plan-title">
        <div class="toolbar">
          <h2 id="plan-title">Plan of {scheme.name}</h2>
          <span class="muted">
            Schematic, not to scale · {scheme.stores.length} stores in {scheme.zones.length} zones
          </span>
        </div>
        <svg
          viewBox={`0 0 ${layout.width} ${layout.height}`}
          role="img"
          aria-label={`Plan: ${open.length} open alerts`}
          data-testid="plan"
        >
          {layout.zones.map((z) => {
            const zoneWide = at((a) => a.zone === z.id && !a.store);
            const hot = at((a) => a.zone === z.id);
            return (
              <g class={`zone${hot.length ? ' has-alerts' : ''}`} data-zone={z.id}>
                <rect x={z.box.x} y={z.box.y} width={z.box.w} height={z.box.h} rx={14} />
                <text x={z.box.x + 16} y={z.box.y + 29} class="zone-name">
                  {z.name}
                </text>
                {zoneWide.length > 0 && (
                  // biome-ignore lint/a11y/useSemanticElements: SVG has no <button>; role, tabIndex and keys make one
                  <g
                    class="zone-alert"
                    role="button"
                    tabIndex={0}
                    aria-label={`${zoneWide.length} zone-wide alerts in ${z.name}`}
                    onClick={() => setFocus(z.id)}
                    onKeyDown={(e) => (e.key === 'Enter' || e.key === ' ') && setFocus(z.id)}
                  >
                    <rect x={z.box.x + z.box.w - 150} y={z.box.y + 10} width={136} height={26} rx={13} />
                    <text x={z.box.x + z.box.w - 82} y={z.box.y + 28} text-anchor="middle">
                      {zoneWide.length} zone-wide
                    </text>
                  </g>
                )}
              </g>
            );
          })}
          {layout.stores.map((st) => {
            const mine = at((a) => a.store === st.id);
            const worst = mine[0];
            const cls = worst
              ? worst.status === 'escalated'
                ? 'store escalated'
                : `store alert sev-${worst.severity}`
              : 'store';
            return (
              // biome-ignore lint/a11y/useSemanticElements: SVG has no <button>; role, tabIndex and keys make one
              <g
                class={`${cls}${focus === st.id ? ' focused' : ''}`}
                data-store={st.id}
                role="button"
                tabIndex={0}
                aria-label={
                  `${st.name}: ` +
                  `${mine.length ? `${mine.length} open alert${mine.length > 1 ? 's' : ''}` : 'no alerts'}`
                }
                onClick={() => setFocus(focus === st.id ? null : st.id)}
                onKeyDown={(e) => (e.key === 'Enter' || e.key === ' ') && setFocus(focus === st.id ? null : st.id)}
              >
                <rect x={st.box.x} y={st.box.y} width={st.box.w} height={st.box.h} rx={8} />
                <text x={st.box.x + 12} y={st.box.y + 26} class="store-name">
                  {fitName(st.name, st.box.w - 12 - 26)}
                  <title>{st.name}</title>
                </text>
                <text x={st.box.x + 12} y={st.box.y + 48} class="store-sub">
                  {worst ? ALERT_TYPES[worst.type].label : 'quiet'}
                </text>
                {mine.length > 0 && (
                  <g class="badge">
                    <circle cx={st.box.x + st.box.w - 8} cy={st.box.y + 8} r={15} />
                    <text x={st.box.x + st.box.w - 8} y={st.box.y + 14} text-anchor="middle">
                      {mine.length}
                    </text>
                  </g>
                )}
              </g>
            );
          })}
        </svg>
        <p class="legend muted">
          <span>
            <span class="key sev-critical" /> critical/high
          </span>
          <span>
            <span class="key sev-medium" /> medium
          </span>
          <span>
            <span class="key sev-low" /> low
          </span>
          <span>
            <span class="key escalated" /> escalated
          </span>
        </p>
      </section>
      <aside class="plan-list" aria-labelledby="plan-list-title">
        <h3 id="plan-list-title">
          {focus
            ? `Open at ` +
              `${scheme.stores.find((s) => s.id === focus)?.name ?? scheme.zones.find((z) => z.id === focus)?.name}`
            : 'Open alerts'}{' '}
          {focus && (
            <button type="button" class="btn ghost small" onClick={() => setFocus(null)}>
              show all
            </button>
          )}
        </h3>
        {shown.length === 0 ? (
          <p class="muted">None.</p>
        ) : (
          <ul>
            {shown.map((a) => {
              const p = placeOf(a, scheme);
              return (
                <li class={`sev-${a.severity}`}>
                  <button type="button" class="linklike" onClick={() => navigate(`/console/alerts?alert=${a.id}`)}>
                    <b>{ALERT_TYPES[a.type].label}</b> · {p.store ?? `zone ${p.zone}`} · {age(a.raisedAt, now)}
                    {a.status === 'escalated' && <span class="tag hot">escalated</span>}
                  </button>
                </li>
              );
            })}
          </ul>
        )}
      </aside>
    </div>
  );
}

function useNarrow(): boolean {
  const [narrow, setNarrow] = useState(() => matchMedia('(max-width: 700px)').matches);
  useEffect(() => {
    const mq = matchMedia('(max-width: 700px)');
    const on = () => setNarrow(mq.matches);
    mq.addEventListener('change', on);
    return () => mq.removeEventListener('change', on);
  }, []);
  return narrow;
}

/** Cuts a store name with "…" so it ends before the alert badge (about 9.5 px a character at 16 px bold). */
function fitName(name: string, width: number): string {
  const max = Math.max(4, Math.floor(width / 9.5));
  return name.length <= max ? name : `${name.slice(0, max - 1)}…`;
}
