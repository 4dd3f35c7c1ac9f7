import { useState } from 'preact/hooks';
import type { Incident, IncidentType } from '@shopwatch/protocols';
import { useServices } from '../core/context';
import { clock } from '../core/labels';
import { useStore } from '../core/store';
import { INCIDENT_TYPES } from '../field/incident-form';
import { useHotkeys } from '../ui/hotkeys';
import { FieldError, type FieldErrors, checkWith, errorId } from '../ui/field-errors';
import { FormDialog, Result, Status, day, fromLocal, localInput, useList } from './records-common';

/** Incidents of the scheme, and a form to record one (with a witness statement, needed for enrolment). */
export function IncidentsScreen() {
  const { store } = useServices();
  const scheme = useStore(store, (s) => s.scheme);
  const { data, error, reload } = useList<Incident>('/api/incidents');
  const [open, setOpen] = useState(false);
  const [done, setDone] = useState<{ ok: boolean; text: string } | null>(null);
  useHotkeys({ n: () => setOpen(true) }, !open);
  return (
    <>
      <div class="toolbar">
        <button type="button" class="btn primary" onClick={() => setOpen(true)}>
          Record an incident <kbd>n</kbd>
        </button>
        <Result r={done} />
      </div>
      <Status error={error} empty={data?.length === 0} what="incidents" />
      {data && data.length > 0 && (
        <table class="records-table" data-testid="records-table">
          <thead>
            <tr>
              <th scope="col">When</th>
              <th scope="col">Type</th>
              <th scope="col">Store</th>
              <th scope="col">Description</th>
              <th scope="col">Value</th>
              <th scope="col">Statement</th>
              <th scope="col">Reported by</th>
            </tr>
          </thead>
          <tbody>
            {data.map((i) => (
              <tr data-testid="incident-row" data-incident-id={i.id}>
                <td class="nowrap">
                  {day(i.occurredAt)} {clock(i.occurredAt)}
                </td>
                <td>{INCIDENT_TYPES[i.type]}</td>
                <td>
                  {i.store ? (
                    (scheme?.stores.find((s) => s.id === i.store)?.name ?? i.store)
                  ) : (
                    <span class="muted">none</span>
                  )}
                </td>
                <td class="wrap">
                  {i.description}
                  {i.alertId && <span class="tag">from an alert</span>}
                </td>
                <td class="num">{i.valuePence === null ? '' : `£${(i.valuePence / 100).toFixed(2)}`}</td>
                <td>{i.statement ? 'yes' : <span class="muted">no</span>}</td>
                <td>{i.reporter}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      {open && (
        <RecordIncident
          onClose={() => setOpen(false)}
          onDone={(i) => {
            setDone({
              ok: true,
              text:
                `Incident recorded: ${INCIDENT_TYPES[i.type]}, ` +
                `${day(i.occurredAt)}${i.statement ? ', with a statement' : ''}`,
            });
            reload();
          }}
        />
      )}
    </>
  );
}

function RecordIncident(props: { onClose: () => void; onDone: (i: Incident) => void }) {
  const { api, store } = useServices();
  const scheme = useStore(store, (s) => s.scheme);
  const [type, setType] = useState<IncidentType>('theft');
  const [storeId, setStoreId] = useState('');
  const [when, setWhen] = useState(() => localInput(Date.now()));
  const [description, setDescription] = useState('');
  const [value, setValue] = useState('');
  const [statement, setStatement] = useState('');
  const [errors, setErrors] = useState<FieldErrors>({});
  const pounds = value.trim() ? Number(value.replace(/[£,\s]/g, '')) : null;
  const body = () => ({
    type,
    occurredAt: when ? fromLocal(when) : '',
    ...(storeId ? { store: storeId } : {}),
    description: description.trim(),
    ...(pounds !== null ? { valuePence: Number.isFinite(pounds) ? Math.round(pounds * 100) : -1 } : {}),
    ...(statement.trim() ? { statement: statement.trim() } : {}),
  });
  const validate = async () => {
    const e = await checkWith('IncidentInput', body());
    if (pounds !== null && (!Number.isFinite(pounds) || pounds < 0)) e.valuePence = 'an amount in pounds, e.g. 24.99';
    return e;
  };
  const submit = async () => {
    const inc = await api.recordIncident(body() as Parameters<typeof api.recordIncident>[0]);
    props.onDone(inc);
  };
  return (
    <FormDialog
      title="Record an incident"
      submit="Record"
      wide
      onSubmit={submit}
      onClose={props.onClose}
      validate={validate}
      onFieldErrors={setErrors}
    >
      <div class="form-grid">
        <label>
          What happened
          {/* biome-ignore lint/a11y/noAutofocus: in a modal <dialog>, autofocus sets where the keyboard starts */}
          <select value={type} onChange={(e) => setType(e.currentTarget.value as IncidentType)} autoFocus>
            {(Object.keys(INCIDENT_TYPES) as IncidentType[]).map((t) => (
              <option value={t}>{INCIDENT_TYPES[t]}</option>
            ))}
          </select>
        </label>
        <label>
          Store
          <select value={storeId} onChange={(e) => setStoreId(e.currentTarget.value)}>
            <option value="">No particular store</option>
            {scheme?.stores.map((s) => (
              <option value={s.id}>{s.name}</option>
            ))}
          </select>
        </label>
        <label>
          When
          <input
            type="datetime-local"
            value={when}
            onInput={(e) => setWhen(e.currentTarget.value)}
            required
            aria-describedby={errorId('occurredAt')}
          />
          <FieldError errors={errors} name="occurredAt" />
        </label>
        <label>
          Goods / loss (£, optional)
          <input
            inputMode="decimal"
            value={value}
            onInput={(e) => setValue(e.currentTarget.value)}
            placeholder="e.g. 24.99"
            aria-describedby={errorId('valuePence')}
          />
          <FieldError errors={errors} name="valuePence" />
        </label>
      </div>
      <label>
        Description
        <textarea
          rows={3}
          value={description}
          onInput={(e) => setDescription(e.currentTarget.value)}
          required
          minLength={5}
          maxLength={4000}
          aria-describedby={errorId('description')}
        />
        <FieldError errors={errors} name="description" />
      </label>
      <label>
        Witness statement (at least 20 characters; needed before anyone can be enrolled in the gallery)
        <textarea
          rows={4}
          value={statement}
          onInput={(e) => setStatement(e.currentTarget.value)}
          maxLength={20000}
          aria-describedby={errorId('statement')}
        />
        <FieldError errors={errors} name="statement" />
      </label>
    </FormDialog>
  );
}
