import type { Page } from 'playwright-core';

export class LoginPage {
  constructor(readonly page: Page) {}

  async goto() {
    await this.page.goto('/login');
    await this.page.getByRole('heading', { name: 'ShopWatch' }).waitFor();
  }

  /** Signs in and waits until the live link to the hub is up. */
  async login(username: string, password: string) {
    await this.page.getByLabel('Username').fill(username);
    await this.page.getByLabel('Password').fill(password);
    await this.page.getByRole('button', { name: 'Sign in' }).click();
    await this.page.locator('[data-testid="connection"][data-state="online"]').waitFor();
  }
}
