import { useEffect, useRef, useState } from 'preact/hooks';
import { CONTROL_ROOM_ROLES } from '@shopwatch/protocols';
import { useServices } from '../core/context';
import { useStore } from '../core/store';

/** Who may hand evidence to the police; the hub enforces the same list (403 for anyone else). */
const MAY_EXPORT: readonly string[] = CONTROL_ROOM_ROLES;

type Target = { candidateId: string } | { alertId: string };
/** Hashes are one long word: let them wrap inside the dialog. */
const WRAP = { overflowWrap: 'anywhere' } as const;
interface Done {
  fileName: string;
  sha256: string;
  fingerprint: string;
  notes: string[];
}

/**
 * "Export for police…": a button that opens the export dialog for a confirmed gallery match,
 * named by its candidate (review screen) or by its alert (alert detail). Shown only to the
 * control-room roles.
 */
export function ExportButton(props: { target: Target }) {
  const { store } = useServices();
  const user = useStore(store, (s) => s.user);
  const [open, setOpen] = useState(false);
  if (!user || !MAY_EXPORT.includes(user.role)) return null;
  return (
    <>
      <button type="button" class="btn" onClick={() => setOpen(true)} data-testid="export-button">
        Export for police…
      </button>
      {open && <ExportDialog target={props.target} onDone={() => setOpen(false)} />}
    </>
  );
}

/**
 * The export is a disclosure: the hub records to whom, which organisation and why in the audit
 * log, so the form asks for all three. The package (a signed BagIt ZIP) downloads at once;
 * notes such as "CLIP MISSING" are shown here, not only inside the package.
 */
function ExportDialog(props: { target: Target; onDone: () => void }) {
  const { api } = useServices();
  const ref = useRef<HTMLDialogElement>(null);
  const [form, setForm] = useState({ exhibit: '', to: '', organisation: '', reason: '' });
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const [done, setDone] = useState<Done | null>(null);

  const doneRef = useRef<HTMLButtonElement>(null);

  useEffect(() => {
    ref.current?.showModal();
  }, []);
  // The submit button is gone once the package is down: keep the focus inside the dialog.
  useEffect(() => {
    if (done) doneRef.current?.focus();
  }, [done]);

  const field = (name: keyof typeof form) => ({
    value: form[name],
    onInput: (e: Event) => setForm({ ...form, [name]: (e.currentTarget as HTMLInputElement).value }),
  });

  const submit = async (e: Event) => {
    e.preventDefault();
    setBusy(true);
    setError(null);
    try {
      const { blob, headers } = await api.download('/api/exports', { ...props.target, ...form });
      const fileName = /filename="([^"]+)"/.exec(headers.get('content-disposition') ?? '')?.[1] ?? 'evidence.zip';
      const url = URL.createObjectURL(blob);
      const a = document.createElement('a');
      a.href = url;
      a.download = fileName;
      a.click();
      setTimeout(() => URL.revokeObjectURL(url), 60_000);
      const notes = JSON.parse(decodeURIComponent(headers.get('x-evidence-notes') ?? '%5B%5D')) as string[];
      const sha256 = headers.get('x-package-sha256') ?? '';
      setDone({ fileName, sha256, fingerprint: headers.get('x-signing-key-fingerprint') ?? '', notes });
    } catch (err) {
      setError((err as Error).message);
    } finally {
      setBusy(false);
    }
  };

  // Keys pressed in the dialog must not reach the single-key shortcuts of the screen behind it ("j", "y"...).
  const ownKeys = (e: KeyboardEvent) => e.stopPropagation();

  return (
    <dialog ref={ref} class="dialog wide" aria-labelledby="export-title" onClose={props.onDone} onKeyDown={ownKeys}>
      <form onSubmit={submit}>
        <h2 id="export-title">Export evidence for the police</h2>
        {done ? (
          <div role="status" data-testid="export-result" style={{ minWidth: 0 }}>
            <p>
              Downloaded <b>{done.fileName}</b>: a signed BagIt package with the master clip and stills as captured, a
              working copy, the record and the continuity log. This disclosure is in the audit log.
            </p>
            {done.notes.length > 0 && (
              <ul class="notice error" role="alert" data-testid="export-notes">
                {done.notes.map((n) => (
                  <li>{n}</li>
                ))}
              </ul>
            )}
            <p class="small">
              Package SHA-256 <code style={WRAP}>{done.sha256}</code>
              <br />
              Signed by hub key <code style={WRAP}>{done.fingerprint}</code>
            </p>
          </div>
        ) : (
          <>
            <p class="small">
              Only a match a reviewer confirmed, or an alert's record, can be exported. The hub records who exported it,
              to whom and why.
            </p>
            <label>
              Exhibit reference
              <input required maxLength={64} placeholder="e.g. JD/1" autoFocus {...field('exhibit')} />
            </label>
            <label>
              Given to (officer)
              <input required minLength={2} maxLength={200} {...field('to')} />
            </label>
            <label>
              Organisation (force)
              <input required minLength={2} maxLength={200} {...field('organisation')} />
            </label>
            <label>
              Reason for disclosure
              <textarea required minLength={5} maxLength={2000} rows={2} {...field('reason')} />
            </label>
          </>
        )}
        {error && (
          <p class="error" role="alert">
            {error}
          </p>
        )}
        <div class="row">
          <button type="button" class="btn ghost" ref={doneRef} onClick={() => ref.current?.close()}>
            {done ? 'Done' : 'Cancel'} <kbd>Esc</kbd>
          </button>
          {!done && (
            <button type="submit" class="btn primary" disabled={busy}>
              {busy ? 'Building package…' : 'Export and download'}
            </button>
          )}
        </div>
      </form>
    </dialog>
  );
}
