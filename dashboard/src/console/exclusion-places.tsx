import { useServices } from '../core/context';
import { useStore } from '../core/store';
import { FieldError, type FieldErrors, errorId } from '../ui/field-errors';

/** Ticks for the scheme's stores and zones. */
export function Places(props: {
  stores: string[];
  zones: string[];
  onChange: (stores: string[], zones: string[]) => void;
  errors?: FieldErrors;
}) {
  const { store } = useServices();
  const scheme = useStore(store, (s) => s.scheme);
  const flip = (l: string[], x: string) => (l.includes(x) ? l.filter((y) => y !== x) : [...l, x]);
  return (
    <fieldset class="choices places" aria-describedby={errorId('places')}>
      <legend>Where (stores and/or whole zones)</legend>
      <div class="tick-row">
        {scheme?.stores.map((s) => (
          <label class="check">
            <input
              type="checkbox"
              checked={props.stores.includes(s.id)}
              onChange={() => props.onChange(flip(props.stores, s.id), props.zones)}
            />{' '}
            {s.name}
          </label>
        ))}
      </div>
      <div class="tick-row">
        {scheme?.zones.map((z) => (
          <label class="check">
            <input
              type="checkbox"
              checked={props.zones.includes(z.id)}
              onChange={() => props.onChange(props.stores, flip(props.zones, z.id))}
            />{' '}
            Zone {z.name}
          </label>
        ))}
      </div>
      <FieldError errors={props.errors ?? {}} name="places" />
    </fieldset>
  );
}

/** A dated end of day, local time, as the notice's end; '' (which the schema refuses) when no date. */
const at = (d: string, time: string) => {
  const t = new Date(`${d}T${time}`);
  return d && Number.isFinite(t.getTime()) ? t.toISOString() : '';
};
export const endOfDay = (d: string) => at(d, '23:59:59');
export const startOfDay = (d: string) => at(d, '00:00:00');

/** Checks the hub makes beyond the schema, said beside the fields they concern. */
export function placesAndDates(
  e: FieldErrors,
  b: { stores: string[]; zones: string[]; startsAt?: string; endsAt?: string },
) {
  if (!b.stores.length && !b.zones.length) e.places = 'tick the stores or zones the notice covers';
  if (b.startsAt && b.endsAt && b.endsAt <= b.startsAt) e.endsAt ??= 'the end must be after the start';
  return e;
}
