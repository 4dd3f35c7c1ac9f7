import type { Locator, Page } from 'playwright-core';

/** The coordinator's governance screens: incidents, gallery, exclusions, audit. */
export class GalleryPage {
  constructor(readonly page: Page) {}

  async goto(screen: 'Gallery' | 'Incidents' | 'Exclusions' | 'Audit') {
    await this.page
      .getByRole('navigation', { name: 'Control room' })
      .getByRole('link', { name: new RegExp(`^${screen}`) })
      .click();
    await this.page.getByRole('heading', { name: screen, exact: true }).waitFor();
  }

  dialog(title: string): Locator {
    return this.page.getByRole('dialog', { name: title });
  }

  /** The hub's refusal shown inside an open dialog. */
  dialogError(title: string): Locator {
    return this.dialog(title).getByTestId('dialog-error');
  }

  /** Opens the screen's "new" dialog with its key, as a keyboard user would. */
  async pressNew(title: string) {
    await this.page.keyboard.press('n');
    await this.dialog(title).waitFor();
  }

  async recordIncident(o: { type: string; store: string; description: string; statement?: string }) {
    await this.pressNew('Record an incident');
    const d = this.dialog('Record an incident');
    await d.getByLabel('What happened').selectOption({ label: o.type });
    await d.getByLabel('Store').selectOption({ label: o.store });
    await d.getByLabel('Description').fill(o.description);
    if (o.statement) await d.getByLabel(/^Witness statement/).fill(o.statement);
    await d.getByLabel('Description').press('Control+Enter');
    await d.waitFor({ state: 'detached' });
  }

  /** Fills the enrolment dialog and submits it; the dialog stays open if the hub refuses. */
  async fillEnrolment(o: {
    alias: string;
    status: string;
    reason: string;
    incident: string;
    under18?: boolean;
    vulnerable?: boolean;
  }) {
    const d = this.dialog('Enrol a subject');
    await d.getByLabel('Alias').fill(o.alias);
    await d.getByLabel('Status').selectOption({ label: o.status });
    await d.getByLabel(/^Reason/).selectOption({ label: o.reason });
    await d.getByTestId('enrol-incidents').getByRole('checkbox', { name: o.incident }).check();
    await d.getByRole('checkbox', { name: /Under 18/ }).setChecked(!!o.under18);
    await d.getByRole('checkbox', { name: /Vulnerable/ }).setChecked(!!o.vulnerable);
    await d.getByRole('button', { name: /^Enrol/ }).click();
  }

  subjectRow(alias: string): Locator {
    return this.page.getByTestId('subject-row').filter({ hasText: alias });
  }

  get subject(): Locator {
    return this.page.getByTestId('subject-panel');
  }

  async uploadPhoto(file: string, source: string) {
    const form = this.subject.getByRole('form', { name: 'Add a photo' });
    await form.getByLabel(/^Photo/).setInputFiles(file);
    await form.getByLabel('Source').fill(source);
    await form.getByRole('button', { name: 'Upload photo' }).click();
  }

  get photoResult(): Locator {
    return this.subject.getByTestId('photo-result');
  }

  exclusionRow(alias: string): Locator {
    return this.page.getByTestId('exclusion-row').filter({ hasText: alias });
  }

  get exclusion(): Locator {
    return this.page.getByTestId('exclusion-panel');
  }

  auditRows(action: string): Locator {
    return this.page.locator(`[data-testid="audit-row"][data-action="${action}"]`);
  }
}
