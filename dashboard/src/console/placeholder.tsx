export const PLACEHOLDERS = [
  { id: 'review', label: 'Review queue', api: 'review', what: 'Candidate face crops beside the gallery photo, with score and clip, to confirm or reject with a reason.' },
  { id: 'gallery', label: 'Gallery', api: 'gallery', what: 'Enrolled subjects, their criteria, expiry and renewal.' },
  { id: 'incidents', label: 'Incidents', api: 'incident', what: 'Incident reports from stores and wardens, linked to alerts and evidence.' },
  { id: 'exclusions', label: 'Exclusions', api: 'gallery', what: 'Exclusion notices issued by the scheme.' },
  { id: 'audit', label: 'Audit', api: 'audit', what: 'Every view, export and disclosure, as the hub records it.' },
] as const;

/** A clearly-labelled placeholder: these screens wait for hub APIs that do not exist yet; no fake data. */
export function Placeholder(props: { item: (typeof PLACEHOLDERS)[number] }) {
  const { item } = props;
  return (
    <section class="placeholder" aria-labelledby="ph-title">
      <h2 id="ph-title">{item.label}</h2>
      <p class="ph-banner" role="note">
        Not available yet: this screen arrives with the hub's {item.api === 'review' || item.api === 'gallery' ? 'review/gallery' : item.api} API.
      </p>
      <p class="muted">{item.what}</p>
    </section>
  );
}
