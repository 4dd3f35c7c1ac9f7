import { useEffect, useState } from 'preact/hooks';
import { type Incident, type PhotoInfo, type Subject, roleMay } from '@shopwatch/protocols';
import { ApiError } from '../core/api';
import { useServices } from '../core/context';
import { useStore } from '../core/store';
import { INCIDENT_TYPES } from '../field/incident-form';
import { REASONS, STATES, STATUSES, daysLeft, livePhotos, plural } from './gallery-labels';
import { type FoundFaces, FacesPreview } from './photo-faces';
import { Result, day, errorText } from './records-common';

type Msg = { ok: boolean; text: string } | null;

/**
 * One subject: details, photos (each fetched with the token and shown from an object URL; the
 * hub audits every view), and for coordinators: add a photo, link an incident (renews the
 * entry), remove with a reason.
 */
export function SubjectPanel(props: { id: string; incidents: Incident[]; manage: boolean; onChanged: () => void }) {
  const { api, store } = useServices();
  const role = useStore(store, (x) => x.user?.role);
  const [s, setS] = useState<Subject | null>(null);
  const [error, setError] = useState<string | null>(null);
  useEffect(() => {
    setS(null);
    setError(null);
    api.subject(props.id).then(setS, (e) => setError(errorText(e)));
  }, [props.id]);
  const changed = (next: Subject) => {
    setS(next);
    props.onChanged();
  };
  if (error)
    return (
      <p class="error" role="alert">
        {error}
      </p>
    );
  if (!s) return <p class="muted">Loading…</p>;
  const active = s.state === 'active';
  const photos = livePhotos(s);
  return (
    <article class="subject" data-testid="subject-panel" aria-labelledby="subject-title">
      <h3 id="subject-title">
        {s.alias} <span class={`pill ${active ? 'online' : 'offline'}`}>{STATES[s.state]}</span>
      </h3>
      <dl class="facts">
        <dt>Status</dt>
        <dd>{STATUSES[s.status]}</dd>
        <dt>Reason</dt>
        <dd>{REASONS[s.reason]}</dd>
        <dt>Enrolled</dt>
        <dd>
          {day(s.enrolledAt)} by {s.enrolledBy}
        </dd>
        <dt>{active ? 'Expires' : 'Ended'}</dt>
        <dd data-testid="subject-expiry">
          {active
            ? `${day(s.expiresAt)} (in ${plural(daysLeft(s.expiresAt, Date.now()), 'day')}) unless renewed ` +
              `by a new incident`
            : `${day(s.endedAt ?? s.expiresAt)}: ${s.endedReason ?? ''}`}
        </dd>
        <dt>Templates</dt>
        <dd data-testid="subject-templates">{plural(s.templates, 'template')} for matching on edge boxes</dd>
        {s.notes && (
          <>
            <dt>Notes</dt>
            <dd>{s.notes}</dd>
          </>
        )}
      </dl>
      <h4>Linked incidents</h4>
      <ul class="plain">
        {s.incidentIds.map((id) => {
          const i = props.incidents.find((x) => x.id === id);
          return <li>{i ? `${day(i.occurredAt)} · ${INCIDENT_TYPES[i.type]} · ${i.description}` : id}</li>;
        })}
      </ul>
      <h4>Photos ({photos.length})</h4>
      {photos.length === 0 && (
        <p class="muted">
          {active
            ? 'No photo yet: matching needs at least one.'
            : `Photos and templates were deleted when the entry was ${s.state}.`}
        </p>
      )}
      <div class="photos">
        {photos.map((p) => (
          <Photo key={p.id} subjectId={s.id} p={p} />
        ))}
      </div>
      {roleMay(role, 'subjectAccess') && (
        <p class="row">
          {/* The hub audits each export with the admin's name; the file is an attachment, not a screen. */}
          <a
            class="btn"
            href={`/api/gallery/subjects/${encodeURIComponent(s.id)}/sar?format=html`}
            download
            data-testid="sar-download"
          >
            Subject access export (document)
          </a>
          <a
            class="btn ghost small"
            href={`/api/gallery/subjects/${encodeURIComponent(s.id)}/sar?format=json`}
            download
          >
            JSON
          </a>
        </p>
      )}
      {props.manage && active && (
        <>
          <AddPhoto subjectId={s.id} onDone={changed} />
          <LinkIncident s={s} incidents={props.incidents} onDone={changed} />
          <Remove s={s} onDone={changed} />
        </>
      )}
    </article>
  );
}

function Photo(props: { subjectId: string; p: PhotoInfo }) {
  const { api } = useServices();
  const [url, setUrl] = useState<string | null>(null);
  const [error, setError] = useState<string | null>(null);
  useEffect(() => {
    let u: string | null = null;
    let live = true;
    api
      .blobUrl(`/api/gallery/subjects/${encodeURIComponent(props.subjectId)}/photos/${encodeURIComponent(props.p.id)}`)
      .then(
        (x) => (live ? setUrl((u = x)) : URL.revokeObjectURL(x)),
        (e) => live && setError(errorText(e)),
      );
    return () => {
      live = false;
      if (u) URL.revokeObjectURL(u);
    };
  }, [props.p.id]);
  return (
    <figure class="photo" data-testid="subject-photo">
      <div class="face-box">
        {url ? (
          <img src={url} alt={`Enrolled face, from ${props.p.source}`} />
        ) : (
          <span class={error ? 'error' : 'muted'}>{error ?? 'Loading…'}</span>
        )}
      </div>
      <figcaption>
        {props.p.source}
        <br />
        <span class="muted">
          {props.p.width}×{props.p.height}, face score {props.p.face.score.toFixed(2)}, {day(props.p.createdAt)} by{' '}
          {props.p.createdBy}
        </span>
      </figcaption>
    </figure>
  );
}

function AddPhoto(props: { subjectId: string; onDone: (s: Subject) => void }) {
  const { api } = useServices();
  const [file, setFile] = useState<File | null>(null);
  const [source, setSource] = useState('');
  const [busy, setBusy] = useState(false);
  const [msg, setMsg] = useState<Msg>(null);
  const [faces, setFaces] = useState<{ file: File; found: FoundFaces } | null>(null);
  const send = async (e: Event) => {
    e.preventDefault();
    const form = e.currentTarget as HTMLFormElement;
    setFaces(null);
    if (!file) return setMsg({ ok: false, text: 'Choose a photo first (JPEG or PNG, up to 10 MB).' });
    if (file.size > 10 * 1024 * 1024)
      return setMsg({
        ok: false,
        text: `That file is ${(file.size / 1048576).toFixed(1)} MB; photos are limited to 10 MB.`,
      });
    setBusy(true);
    setMsg(null);
    try {
      const s = await api.upload<Subject>(
        `/api/gallery/subjects/${encodeURIComponent(props.subjectId)}/photos` +
          `?source=${encodeURIComponent(source.trim())}`,
        file,
      );
      setMsg({ ok: true, text: `Photo added: the subject now has ${plural(s.templates, 'template')}.` });
      form.reset();
      setFile(null);
      setSource('');
      props.onDone(s);
    } catch (err) {
      setMsg({ ok: false, text: `Photo refused: ${errorText(err)}` });
      const found = err instanceof ApiError ? err.body.faces : undefined;
      if (found && file) setFaces({ file, found });
    }
    setBusy(false);
  };
  return (
    <form class="subform" onSubmit={send} aria-labelledby="add-photo-title">
      <h4 id="add-photo-title">Add a photo</h4>
      <p class="hint">The hub checks that it holds exactly one usable face.</p>
      <div class="form-grid">
        <label>
          Photo (JPEG or PNG)
          <input
            type="file"
            accept="image/jpeg,image/png"
            onChange={(e) => setFile(e.currentTarget.files?.[0] ?? null)}
          />
        </label>
        <label>
          Source
          <input
            value={source}
            onInput={(e) => setSource(e.currentTarget.value)}
            required
            maxLength={200}
            placeholder="e.g. CCTV Boots 2026-11-02"
          />
        </label>
      </div>
      <button class="btn" type="submit" disabled={busy}>
        {busy ? 'Checking…' : 'Upload photo'}
      </button>
      <Result r={msg} testid="photo-result" />
      {faces && <FacesPreview file={faces.file} faces={faces.found} />}
    </form>
  );
}

function LinkIncident(props: { s: Subject; incidents: Incident[]; onDone: (s: Subject) => void }) {
  const { api } = useServices();
  const free = props.incidents.filter((i) => !props.s.incidentIds.includes(i.id));
  const [id, setId] = useState('');
  const [msg, setMsg] = useState<Msg>(null);
  const send = async (e: Event) => {
    e.preventDefault();
    if (!id) return setMsg({ ok: false, text: 'Choose an incident to link.' });
    try {
      const s = await api.post<Subject>(`/api/gallery/subjects/${encodeURIComponent(props.s.id)}/incidents`, {
        incidentId: id,
      });
      setMsg({ ok: true, text: `Incident linked; entry renewed: now expires ${day(s.expiresAt)}.` });
      setId('');
      props.onDone(s);
    } catch (err) {
      setMsg({ ok: false, text: errorText(err) });
    }
  };
  return (
    <form class="subform" onSubmit={send} aria-labelledby="link-title">
      <h4 id="link-title">Link a new incident (renews the entry)</h4>
      <div class="inline">
        <label class="grow">
          Incident
          <select value={id} onChange={(e) => setId(e.currentTarget.value)}>
            <option value="">{free.length ? 'Choose…' : 'No other incidents recorded'}</option>
            {free.map((i) => (
              <option value={i.id}>
                {day(i.occurredAt)} · {INCIDENT_TYPES[i.type]} · {i.description.slice(0, 60)}
              </option>
            ))}
          </select>
        </label>
        <button class="btn" type="submit" disabled={!id}>
          Link and renew
        </button>
      </div>
      <Result r={msg} testid="link-result" />
    </form>
  );
}

function Remove(props: { s: Subject; onDone: (s: Subject) => void }) {
  const { api } = useServices();
  const [reason, setReason] = useState('');
  const [msg, setMsg] = useState<Msg>(null);
  const send = async (e: Event) => {
    e.preventDefault();
    try {
      props.onDone(
        await api.post<Subject>(`/api/gallery/subjects/${encodeURIComponent(props.s.id)}/remove`, {
          reason: reason.trim(),
        }),
      );
    } catch (err) {
      setMsg({ ok: false, text: errorText(err) });
    }
  };
  return (
    <form class="subform danger-zone" onSubmit={send} aria-labelledby="remove-title">
      <h4 id="remove-title">Remove from the gallery</h4>
      <p class="hint">Deletes the photos and templates here and on every edge box. It cannot be undone.</p>
      <div class="inline">
        <label class="grow">
          Reason for removal
          <input
            value={reason}
            onInput={(e) => setReason(e.currentTarget.value)}
            required
            minLength={3}
            maxLength={500}
          />
        </label>
        <button class="btn danger" type="submit">
          Remove and purge
        </button>
      </div>
      <Result r={msg} testid="remove-result" />
    </form>
  );
}
