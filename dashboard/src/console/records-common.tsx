import type { ComponentChildren } from 'preact';
import { isGovernance } from '@shopwatch/protocols';
import { useEffect, useRef, useState } from 'preact/hooks';
import { ApiError } from '../core/api';
import { useServices } from '../core/context';
import { useStore } from '../core/store';
import { type FieldErrors, fromServer } from '../ui/field-errors';

/** Loads one of the hub's JSON lists; `reload()` fetches it again (after a change). */
export function useList<T>(path: string | null): { data: T[] | null; error: string | null; reload: () => void } {
  const { api } = useServices();
  const [n, setN] = useState(0);
  // Which path the data belongs to: after a new filter or page, the old rows are not shown
  // under the new heading while the new ones load (a reload of the same path keeps them).
  const [state, setState] = useState<{ path: string | null; data: T[] | null; error: string | null }>({
    path: null,
    data: null,
    error: null,
  });
  useEffect(() => {
    if (!path) return;
    let live = true;
    api.get<T[]>(path).then(
      (data) => live && setState({ path, data, error: null }),
      (e: Error) =>
        live &&
        setState({
          path,
          data: null,
          error: e instanceof ApiError && e.status === 403 ? `Not for your role: ${e.message}` : e.message,
        }),
    );
    return () => {
      live = false;
    };
  }, [path, n]);
  const current = state.path === path;
  return { data: current ? state.data : null, error: current ? state.error : null, reload: () => setN((x) => x + 1) };
}

/** The hub's refusal in words: its message plus the fields it names. */
export function errorText(err: unknown): string {
  if (err instanceof ApiError)
    return [err.message, ...(err.body.issues ?? []).map((i) => `${i.path}: ${i.message}`)].join(' · ');
  return err instanceof Error ? `Not sent: ${err.message}` : String(err);
}

/** Coordinators and admins manage the gallery, exclusions and disclosures; the hub enforces it too. */
export function useCanManage(): boolean {
  const { store } = useServices();
  const role = useStore(store, (s) => s.user?.role);
  return isGovernance(role);
}

export const day = (iso: string) =>
  new Date(iso).toLocaleDateString('en-GB', { day: '2-digit', month: 'short', year: 'numeric' });

/** `datetime-local` value (local time) for an instant, and back. */
export const localInput = (ms: number) =>
  new Date(ms - new Date(ms).getTimezoneOffset() * 60_000).toISOString().slice(0, 16);
export const fromLocal = (v: string) => new Date(v).toISOString();
export const dateInput = (ms: number) => localInput(ms).slice(0, 10);

export function Status(props: { error: string | null; empty: boolean; what: string }) {
  if (props.error)
    return (
      <p class="error" role="alert">
        {props.error}
      </p>
    );
  return props.empty ? <p class="empty">No {props.what} yet.</p> : null;
}

/** A line saying what just happened (or what the hub refused), read out by screen readers. */
export function Result(props: { r: { ok: boolean; text: string } | null; testid?: string }) {
  if (!props.r) return null;
  return (
    <p
      class={`raise-result ${props.r.ok ? 'ok' : 'error'}`}
      role={props.r.ok ? 'status' : 'alert'}
      data-testid={props.testid ?? 'form-result'}
    >
      {props.r.text}
    </p>
  );
}

/**
 * A modal form: Esc or Cancel closes it, Enter (Ctrl+Enter in a text area) submits. The hub's
 * refusal is shown inside the dialog, which stays open so nothing typed is lost.
 */
export function FormDialog(props: {
  title: string;
  submit: string;
  wide?: boolean;
  children: ComponentChildren;
  onSubmit: () => Promise<void>;
  onClose: () => void;
  /** Checks the fields before sending (same schema as the hub); an empty object means fine. */
  validate?: () => Promise<FieldErrors>;
  /** Where the form shows each field's error beside it; the hub's field errors go here too. */
  onFieldErrors?: (e: FieldErrors) => void;
}) {
  const ref = useRef<HTMLDialogElement>(null);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);
  useEffect(() => {
    ref.current?.showModal();
  }, []);
  const submit = async (e?: Event) => {
    e?.preventDefault();
    if (busy) return;
    setBusy(true);
    setError(null);
    try {
      const fields = props.validate ? await props.validate() : {};
      props.onFieldErrors?.(fields);
      if (Object.keys(fields).length) {
        setError('Check the fields marked above.');
        setBusy(false);
        return;
      }
      await props.onSubmit();
      ref.current?.close();
    } catch (err) {
      if (props.onFieldErrors) {
        const { fields, message } = fromServer(err);
        props.onFieldErrors(fields);
        setError(message);
      } else setError(errorText(err));
      setBusy(false);
    }
  };
  const onKey = (e: KeyboardEvent) => {
    if (e.key === 'Enter' && (e.ctrlKey || e.metaKey)) void submit(e);
  };
  const id = `dlg-${props.title.replace(/\W+/g, '-').toLowerCase()}`;
  return (
    <dialog
      ref={ref}
      class={`dialog ${props.wide ? 'wide' : ''}`}
      aria-labelledby={id}
      onClose={props.onClose}
      onKeyDown={onKey}
    >
      <form onSubmit={submit}>
        <h2 id={id}>{props.title}</h2>
        {props.children}
        {error && (
          <p class="raise-result error" role="alert" data-testid="dialog-error">
            {error}
          </p>
        )}
        <div class="row">
          <button type="button" class="btn ghost" onClick={() => ref.current?.close()}>
            Cancel <kbd>Esc</kbd>
          </button>
          <button type="submit" class="btn primary" disabled={busy}>
            {busy ? 'Sending…' : props.submit} <kbd>Ctrl+Enter</kbd>
          </button>
        </div>
      </form>
    </dialog>
  );
}
