import { useState } from 'preact/hooks';
import type { Exclusion, ExclusionInput, Subject } from '@shopwatch/protocols';
import { useServices } from '../core/context';
import { FieldError, type FieldErrors, checkWith, errorId } from '../ui/field-errors';
import { Places, endOfDay, placesAndDates, startOfDay } from './exclusion-places';
import { FormDialog, Result, dateInput, day, errorText } from './records-common';

type Outcome = 'upheld' | 'varied' | 'withdrawn';
export const OUTCOME_LABELS: Record<Outcome, string> = { upheld: 'Upheld', varied: 'Varied', withdrawn: 'Withdrawn' };

export function IssueDialog(props: { subjects: Subject[]; onClose: () => void; onDone: (x: Exclusion) => void }) {
  const { api } = useServices();
  const [subjectId, setSubjectId] = useState('');
  const [stores, setStores] = useState<string[]>([]);
  const [zones, setZones] = useState<string[]>([]);
  const [starts, setStarts] = useState(() => dateInput(Date.now()));
  const [ends, setEnds] = useState(() => dateInput(Date.now() + 180 * 86_400_000));
  const [decidedBy, setDecidedBy] = useState('');
  const [appealRoute, setAppealRoute] = useState('');
  const [errors, setErrors] = useState<FieldErrors>({});
  const input = (): ExclusionInput => ({
    subjectId,
    stores,
    zones,
    startsAt: startOfDay(starts),
    endsAt: endOfDay(ends),
    decidedBy: decidedBy.trim(),
    appealRoute: appealRoute.trim(),
  });
  // The hub's schema (ExclusionInput) plus the checks it makes on top, so nothing invalid is sent.
  const validate = async () => {
    const e = placesAndDates(await checkWith('ExclusionInput', input()), input());
    if (!subjectId) e.subjectId = 'choose the subject of the notice';
    return e;
  };
  const submit = async () => {
    props.onDone(await api.post<Exclusion>('/api/exclusions', input()));
  };
  return (
    <FormDialog
      title="Issue an exclusion notice"
      submit="Issue notice"
      wide
      onSubmit={submit}
      onClose={props.onClose}
      validate={validate}
      onFieldErrors={setErrors}
    >
      <label>
        Subject
        <select
          value={subjectId}
          onChange={(e) => setSubjectId(e.currentTarget.value)}
          // biome-ignore lint/a11y/noAutofocus: in a modal <dialog>, autofocus sets where the keyboard starts
          autoFocus
          required
          aria-describedby={errorId('subjectId')}
        >
          <option value="">Choose…</option>
          {props.subjects.map((s) => (
            <option value={s.id}>
              {s.alias}
              {s.state === 'active' ? '' : ` (${s.state})`}
            </option>
          ))}
        </select>
        <FieldError errors={errors} name="subjectId" />
      </label>
      <Places stores={stores} zones={zones} onChange={(s, z) => (setStores(s), setZones(z))} errors={errors} />
      <div class="form-grid">
        <label>
          Starts
          <input
            type="date"
            value={starts}
            onInput={(e) => setStarts(e.currentTarget.value)}
            required
            aria-describedby={errorId('startsAt')}
          />
          <FieldError errors={errors} name="startsAt" />
        </label>
        <label>
          Ends
          <input
            type="date"
            value={ends}
            onInput={(e) => setEnds(e.currentTarget.value)}
            required
            aria-describedby={errorId('endsAt')}
          />
          <FieldError errors={errors} name="endsAt" />
        </label>
      </div>
      <label>
        Decided by (name and role)
        <input
          value={decidedBy}
          onInput={(e) => setDecidedBy(e.currentTarget.value)}
          required
          minLength={3}
          maxLength={200}
          placeholder="e.g. J. Smith, scheme coordinator"
          aria-describedby={errorId('decidedBy')}
        />
        <FieldError errors={errors} name="decidedBy" />
      </label>
      <label>
        How the person can appeal
        <textarea
          rows={2}
          value={appealRoute}
          onInput={(e) => setAppealRoute(e.currentTarget.value)}
          required
          minLength={10}
          maxLength={2000}
          placeholder="e.g. in writing to the scheme manager within 21 days"
          aria-describedby={errorId('appealRoute')}
        />
        <FieldError errors={errors} name="appealRoute" />
      </label>
    </FormDialog>
  );
}

/** Records an appeal or an early review against a notice. */
export function AppealForm(props: { x: Exclusion; onDone: (x: Exclusion, text: string) => void }) {
  const { api } = useServices();
  const [kind, setKind] = useState<'appeal' | 'review'>('appeal');
  const [text, setText] = useState('');
  const [msg, setMsg] = useState<{ ok: boolean; text: string } | null>(null);
  const [errors, setErrors] = useState<FieldErrors>({});
  const send = async (e: Event) => {
    e.preventDefault();
    const body = { kind, text: text.trim() };
    const invalid = await checkWith('AppealInput', body);
    setErrors(invalid);
    if (Object.keys(invalid).length) return setMsg(null); // said beside the field; nothing sent
    try {
      const x = await api.post<Exclusion>(`/api/exclusions/${encodeURIComponent(props.x.id)}/events`, body);
      setMsg(null);
      setText('');
      props.onDone(x, kind === 'appeal' ? 'Appeal recorded.' : 'Early review recorded.');
    } catch (err) {
      setMsg({ ok: false, text: errorText(err) });
    }
  };
  return (
    <form class="subform" onSubmit={send} aria-labelledby="appeal-title" noValidate>
      <h4 id="appeal-title">Record an appeal or early review</h4>
      <div class="inline">
        <label>
          Kind
          <select value={kind} onChange={(e) => setKind(e.currentTarget.value as 'appeal' | 'review')}>
            <option value="appeal">Appeal</option>
            <option value="review">Early review</option>
          </select>
        </label>
        <label class="grow">
          What was received
          <input
            value={text}
            onInput={(e) => setText(e.currentTarget.value)}
            required
            minLength={5}
            maxLength={4000}
            aria-describedby={errorId('appeal-text')}
          />
          <FieldError errors={errors.text ? { 'appeal-text': errors.text } : {}} name="appeal-text" />
        </label>
        <button class="btn" type="submit">
          Record
        </button>
      </div>
      <Result r={msg} testid="appeal-result" />
    </form>
  );
}

/** Decides an appeal or review: upheld, varied (new stores, zones or end) or withdrawn. */
export function DecisionForm(props: { x: Exclusion; onDone: (x: Exclusion, text: string) => void }) {
  const { api } = useServices();
  const [outcome, setOutcome] = useState<Outcome>('upheld');
  const [stores, setStores] = useState(props.x.stores);
  const [zones, setZones] = useState(props.x.zones);
  const [ends, setEnds] = useState(() => dateInput(Date.parse(props.x.endsAt)));
  const [text, setText] = useState('');
  const [msg, setMsg] = useState<{ ok: boolean; text: string } | null>(null);
  const [errors, setErrors] = useState<FieldErrors>({});
  const send = async (e: Event) => {
    e.preventDefault();
    const body = {
      outcome,
      text: text.trim(),
      ...(outcome === 'varied' ? { stores, zones, endsAt: endOfDay(ends) } : {}),
    };
    const invalid = await checkWith('ExclusionDecision', body);
    if (outcome === 'varied')
      placesAndDates(invalid, { stores, zones, startsAt: props.x.startsAt, endsAt: body.endsAt });
    setErrors(invalid);
    if (Object.keys(invalid).length) return setMsg(null); // said beside the fields; nothing sent
    try {
      const x = await api.post<Exclusion>(`/api/exclusions/${encodeURIComponent(props.x.id)}/decision`, body);
      setMsg(null);
      setText('');
      props.onDone(
        x,
        `Decision recorded: ${OUTCOME_LABELS[outcome].toLowerCase()}; the notice is ` +
          `${x.status}${x.status === 'active' ? ` until ${day(x.endsAt)}` : ''}.`,
      );
    } catch (err) {
      setMsg({ ok: false, text: errorText(err) });
    }
  };
  return (
    <form class="subform" onSubmit={send} aria-labelledby="decide-title" noValidate>
      <h4 id="decide-title">Decide</h4>
      <fieldset class="choices tick-row">
        <legend>Outcome</legend>
        {(Object.keys(OUTCOME_LABELS) as Outcome[]).map((o) => (
          <label class={outcome === o ? 'choice on' : 'choice'}>
            <input type="radio" name="outcome" checked={outcome === o} onChange={() => setOutcome(o)} />{' '}
            {OUTCOME_LABELS[o]}
          </label>
        ))}
      </fieldset>
      {outcome === 'varied' && (
        <>
          <Places stores={stores} zones={zones} onChange={(s, z) => (setStores(s), setZones(z))} errors={errors} />
          <label>
            New end date
            <input
              type="date"
              value={ends}
              onInput={(e) => setEnds(e.currentTarget.value)}
              required
              aria-describedby={errorId('endsAt')}
            />
            <FieldError errors={errors} name="endsAt" />
          </label>
        </>
      )}
      <label>
        Reasons for the decision
        <textarea
          rows={2}
          value={text}
          onInput={(e) => setText(e.currentTarget.value)}
          required
          minLength={5}
          maxLength={4000}
          aria-describedby={errorId('decision-text')}
        />
        <FieldError errors={errors.text ? { 'decision-text': errors.text } : {}} name="decision-text" />
      </label>
      <button class="btn primary" type="submit">
        Record decision
      </button>
      <Result r={msg} testid="decision-result" />
    </form>
  );
}
