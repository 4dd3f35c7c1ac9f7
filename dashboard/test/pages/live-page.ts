import type { Page } from 'playwright-core';

/** The live-view dialog, opened from a camera row of the device board. */
export class LiveViewPage {
  constructor(readonly page: Page) {}

  async openFromDeviceBoard(cameraId: string) {
    const row = this.page.locator(`[data-testid="camera-row"][data-camera-id="${cameraId}"]`);
    await row.getByTestId('camera-live').click();
    await this.page.getByTestId('live-reason').waitFor();
  }

  async giveReason(reason: string) {
    await this.page.getByTestId('live-reason').fill(reason);
  }

  /** Starts watching; resolves with the wall-clock time of the click as the page saw it (ms since epoch). */
  async watch(): Promise<number> {
    await this.page.evaluate(() => {
      const w = window as unknown as { clickedAt?: number };
      document
        .querySelector('[data-testid="live-watch"]')!
        .addEventListener('click', () => (w.clickedAt = performance.timeOrigin + performance.now()), { capture: true });
    });
    await this.page.getByTestId('live-watch').click();
    return this.page.evaluate(() => (window as unknown as { clickedAt: number }).clickedAt);
  }

  state() {
    return this.page.getByTestId('live-state').getAttribute('data-state');
  }

  async close() {
    await this.page.getByTestId('live-close').click();
  }
}
