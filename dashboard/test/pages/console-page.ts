import type { Locator, Page } from 'playwright-core';

/** The control room (desktop console). */
export class ConsolePage {
  constructor(readonly page: Page) {}

  async gotoAlerts() {
    await this.page.getByRole('link', { name: /^Alerts/ }).click();
    await this.feed.waitFor();
  }

  async gotoDevices() {
    await this.page.getByRole('link', { name: /^Devices/ }).click();
    await this.page.getByRole('heading', { name: 'Devices' }).waitFor();
  }

  async gotoPlan() {
    await this.page.getByRole('link', { name: /^Plan/ }).click();
    await this.page.getByTestId('plan').waitFor();
  }

  get feed(): Locator {
    return this.page.getByTestId('alert-feed');
  }

  /** The feed row of one alert, found by its id. */
  row(alertId: string): Locator {
    return this.page.locator(`[data-testid="alert-row"][data-alert-id="${alertId}"]`);
  }

  /** Rows whose text mentions all of the given words (type, store, ...). */
  rowWith(...words: string[]): Locator {
    let l = this.page.getByTestId('alert-row');
    for (const w of words) l = l.filter({ hasText: w });
    return l;
  }

  get detail(): Locator {
    return this.page.getByTestId('alert-detail');
  }

  deviceRow(deviceId: string): Locator {
    return this.page.locator(`[data-testid="device-row"][data-device-id="${deviceId}"]`);
  }

  async deviceStatus(deviceId: string): Promise<string | null> {
    return this.deviceRow(deviceId).getAttribute('data-status');
  }

  /** Raises an alert from the console with the keyboard only. */
  async raiseWithKeyboard(opts: { type: string; store: string; message?: string }) {
    await this.page.keyboard.press('r');
    const dialog = this.page.getByRole('dialog', { name: 'Raise an alert' });
    await dialog.getByLabel('Type').selectOption({ label: opts.type });
    await dialog.getByLabel('Where').selectOption({ label: opts.store });
    if (opts.message) await dialog.getByLabel('Message (optional)').fill(opts.message);
    await dialog.getByRole('button', { name: 'Raise' }).click();
    await dialog.waitFor({ state: 'detached' });
  }
}
