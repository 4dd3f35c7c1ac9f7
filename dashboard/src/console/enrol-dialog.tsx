import { useState } from 'preact/hooks';
import type { EnrolmentReason, Incident, Subject, SubjectInput, SubjectStatus } from '@shopwatch/protocols';
import { useServices } from '../core/context';
import { INCIDENT_TYPES } from '../field/incident-form';
import { REASONS, STATUSES } from './gallery-labels';
import { FieldError, type FieldErrors, checkWith, errorId } from '../ui/field-errors';
import { FormDialog, day } from './records-common';

/**
 * Enrolment against the written criteria: a reason from the list, at least one linked incident
 * (one with a witness statement), and the under-18 / vulnerable questions. The hub refuses
 * enrolment when either box is ticked; its message is shown in the dialog.
 */
export function EnrolDialog(props: { incidents: Incident[]; onClose: () => void; onDone: (s: Subject) => void }) {
  const { api } = useServices();
  const [alias, setAlias] = useState('');
  const [status, setStatus] = useState<SubjectStatus>('id-sought');
  const [reason, setReason] = useState<EnrolmentReason | ''>('');
  const [linked, setLinked] = useState<string[]>([]);
  const [under18, setUnder18] = useState(false);
  const [vulnerable, setVulnerable] = useState(false);
  const [notes, setNotes] = useState('');
  const [errors, setErrors] = useState<FieldErrors>({});
  const toggle = (id: string) => setLinked((l) => (l.includes(id) ? l.filter((x) => x !== id) : [...l, id]));
  const input = () => ({
    alias: alias.trim(),
    status,
    reason,
    incidentIds: linked,
    under18,
    vulnerable,
    ...(notes.trim() ? { notes: notes.trim() } : {}),
  });
  // The hub's own schema (SubjectInput), so the form refuses exactly what the hub would.
  const validate = async () => {
    const e = await checkWith('SubjectInput', input());
    if (!reason) e.reason = 'choose the reason for enrolment from the list';
    return e;
  };
  const submit = async () => {
    props.onDone(await api.post<Subject>('/api/gallery/subjects', input() as SubjectInput));
  };

  return (
    <FormDialog
      title="Enrol a subject"
      submit="Enrol"
      wide
      onSubmit={submit}
      onClose={props.onClose}
      validate={validate}
      onFieldErrors={setErrors}
    >
      <div class="form-grid">
        <label>
          Alias
          <input
            value={alias}
            onInput={(e) => setAlias(e.currentTarget.value)}
            required
            minLength={2}
            maxLength={80}
            // biome-ignore lint/a11y/noAutofocus: in a modal <dialog>, autofocus sets where the keyboard starts
            autoFocus
            placeholder="e.g. Grey Hoodie"
            aria-describedby={errorId('alias')}
          />
          <FieldError errors={errors} name="alias" />
        </label>
        <label>
          Status
          <select value={status} onChange={(e) => setStatus(e.currentTarget.value as SubjectStatus)}>
            {(Object.keys(STATUSES) as SubjectStatus[]).map((s) => (
              <option value={s}>{STATUSES[s]}</option>
            ))}
          </select>
        </label>
      </div>
      <label>
        Reason (the scheme’s written criteria)
        <select
          value={reason}
          onChange={(e) => setReason(e.currentTarget.value as EnrolmentReason)}
          required
          aria-describedby={errorId('reason')}
        >
          <option value="">Choose…</option>
          {(Object.keys(REASONS) as EnrolmentReason[]).map((r) => (
            <option value={r}>{REASONS[r]}</option>
          ))}
        </select>
        <FieldError errors={errors} name="reason" />
      </label>
      <fieldset class="choices pick-list" data-testid="enrol-incidents" aria-describedby={errorId('incidentIds')}>
        <legend>Linked incidents (at least one, one of them with a witness statement)</legend>
        {props.incidents.length === 0 && (
          <p class="muted">No incidents recorded yet: record one on the Incidents screen first.</p>
        )}
        {props.incidents.map((i) => (
          <label class={linked.includes(i.id) ? 'choice on' : 'choice'}>
            <input type="checkbox" checked={linked.includes(i.id)} onChange={() => toggle(i.id)} />
            <span class="pick-text">
              {day(i.occurredAt)} · {INCIDENT_TYPES[i.type]} · {i.description}
              {i.statement ? <span class="tag">statement</span> : <span class="tag">no statement</span>}
            </span>
          </label>
        ))}
        <FieldError errors={errors} name="incidentIds" />
      </fieldset>
      <fieldset class="choices safeguard">
        <legend>Safeguarding: a person under 18 or vulnerable is never enrolled for matching</legend>
        <label class="check">
          <input type="checkbox" checked={under18} onChange={(e) => setUnder18(e.currentTarget.checked)} /> Under 18, or
          may be
        </label>
        <label class="check">
          <input type="checkbox" checked={vulnerable} onChange={(e) => setVulnerable(e.currentTarget.checked)} />{' '}
          Vulnerable adult
        </label>
      </fieldset>
      <label>
        Notes (optional; no ethnicity, religion, health or other special-category data)
        <textarea
          rows={2}
          value={notes}
          onInput={(e) => setNotes(e.currentTarget.value)}
          maxLength={2000}
          aria-describedby={errorId('notes')}
        />
        <FieldError errors={errors} name="notes" />
      </label>
    </FormDialog>
  );
}
