import { ApiError } from '../core/api';

/** Field path ("description", "keys.auth") → the one message shown beside that field. */
export type FieldErrors = Record<string, string>;

type SchemaName = 'IncidentInput' | 'SubjectInput' | 'ExclusionInput' | 'AppealInput' | 'ExclusionDecision';

/**
 * Checks a request body with the same zod schema the hub uses, loaded on first use. Returns
 * one message per field (the first zod gives), so a form shows each error once, beside it.
 */
export async function checkWith(schema: SchemaName, body: unknown): Promise<FieldErrors> {
  const m = await import('../core/form-schemas');
  const r = m[schema].safeParse(body);
  return r.success ? {} : firstPerField(m.describeIssues(r.error.issues));
}

/** The hub's refusal split the same way: its issues by field, its message once. */
export function fromServer(err: unknown): { fields: FieldErrors; message: string } {
  if (!(err instanceof ApiError)) {
    return { fields: {}, message: err instanceof Error ? `Not sent: ${err.message}` : String(err) };
  }
  const fields = firstPerField(err.body.issues ?? []);
  const named = Object.keys(fields).length > 0;
  return { fields, message: named ? 'The hub refused some fields: see the messages beside them.' : err.message };
}

function firstPerField(issues: { path: string; message: string }[]): FieldErrors {
  const out: FieldErrors = {};
  for (const i of issues) out[i.path] ??= i.message;
  return out;
}

/** The message beside one field; give the input `aria-describedby={errorId(name)}`. */
export function FieldError(props: { errors: FieldErrors; name: string }) {
  const text = props.errors[props.name];
  return text ? (
    <span class="field-error" id={errorId(props.name)} data-testid={`error-${props.name}`}>
      {text}
    </span>
  ) : null;
}

export const errorId = (name: string) => `err-${name.replace(/\W+/g, '-')}`;
