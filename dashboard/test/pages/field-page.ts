import type { Locator, Page } from 'playwright-core';

/** The field app (phones and tablets of stores and wardens). */
export class FieldPage {
  constructor(readonly page: Page) {}

  get connection(): Locator {
    return this.page.getByTestId('connection');
  }

  /** Optional details typed before the one-touch raise. */
  async typeDetails(text: string) {
    await this.page.getByLabel(/^Details/).fill(text);
  }

  async chooseWhere(label: string) {
    await this.page.getByTestId('raise-target').selectOption({ label });
  }

  raiseButton(typeLabel: string): Locator {
    return this.page.locator('.raise-grid').getByRole('button', { name: typeLabel, exact: true });
  }

  /** One tap on an alert type button; resolves when the hub has accepted it. */
  async raise(typeLabel: string) {
    await this.raiseButton(typeLabel).click();
    await this.page.getByTestId('raise-result').filter({ hasText: 'alert sent' }).waitFor();
  }

  card(alertId: string): Locator {
    return this.page.locator(`[data-testid="alert-card"][data-alert-id="${alertId}"]`);
  }

  cardWith(...words: string[]): Locator {
    let l = this.page.getByTestId('alert-card');
    for (const w of words) l = l.filter({ hasText: w });
    return l;
  }

  async ack(card: Locator, status: 'Seen' | 'Attending' | 'Unable') {
    await card.getByRole('button', { name: status, exact: true }).click();
    await card.getByRole('button', { name: status, exact: true, pressed: true }).waitFor();
  }

  attending(card: Locator): Locator {
    return card.getByTestId('attending');
  }
}
