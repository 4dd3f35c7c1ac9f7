import type { SchemeInfo } from '@shopwatch/protocols';

/**
 * The options of a "Where" select for raising an alert: each zone as a whole, then its stores.
 * Values are `zone:{id}` or `store:{id}`.
 */
export function TargetOptions(props: { scheme: SchemeInfo | null | undefined }) {
  const { scheme } = props;
  return (
    <>
      <option value="">Choose a store or zone…</option>
      {scheme?.zones.map((z) => (
        <optgroup label={z.name}>
          <option value={`zone:${z.id}`}>Whole zone: {z.name}</option>
          {scheme.stores
            .filter((s) => s.zone === z.id)
            .map((s) => (
              <option value={`store:${s.id}`}>{s.name}</option>
            ))}
        </optgroup>
      ))}
    </>
  );
}
