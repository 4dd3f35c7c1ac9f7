export const PLACEHOLDERS = [
  { id: 'gallery', label: 'Gallery', api: 'gallery', what: 'Enrolled subjects, their criteria, expiry and renewal.' },
  { id: 'incidents', label: 'Incidents', api: 'incident', what: 'Incident reports from stores and wardens, linked to alerts and evidence.' },
  { id: 'exclusions', label: 'Exclusions', api: 'gallery', what: 'Exclusion notices issued by the scheme.' },
  { id: 'audit', label: 'Audit', api: 'audit', what: 'Every view, export and disclosure, as the hub records it.' },
] as const;

/**
 * A clearly-labelled placeholder, no fake data. The hub's gallery, incident, exclusion and audit
 * APIs landed while the console was being built; these screens are the next dashboard work.
 */
export function Placeholder(props: { item: (typeof PLACEHOLDERS)[number] }) {
  const { item } = props;
  return (
    <section class="placeholder" aria-labelledby="ph-title">
      <h2 id="ph-title">{item.label}</h2>
      <p class="ph-banner" role="note">
        Not built yet: this screen arrives with the dashboard's next step on the hub's {item.api} API. Nothing here is real data.
      </p>
      <p class="muted">{item.what}</p>
    </section>
  );
}
