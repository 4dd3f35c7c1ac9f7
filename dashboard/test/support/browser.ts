import fs from 'node:fs';
import path from 'node:path';
import { type Browser, type BrowserContext, type BrowserContextOptions, chromium } from 'playwright-core';
import { DASHBOARD_DIR } from './build';

export const ARTIFACTS_DIR = path.join(DASHBOARD_DIR, 'test-artifacts');

/** The two projects every browser test runs in, like Playwright Test's `projects`. */
export interface Project {
  name: 'desktop' | 'mobile';
  context: BrowserContextOptions;
}

export const DESKTOP: Project = {
  name: 'desktop',
  context: { viewport: { width: 1440, height: 900 }, deviceScaleFactor: 1 },
};

/** A mid-size phone in portrait (390 x 844 CSS px, like an iPhone 13/14), with touch. */
export const MOBILE: Project = {
  name: 'mobile',
  context: { viewport: { width: 390, height: 844 }, deviceScaleFactor: 2, isMobile: true, hasTouch: true },
};

export const PROJECTS: Project[] = [DESKTOP, MOBILE];

/**
 * Debian's Chromium, headless. The networking flags matter in locked-down CI sandboxes:
 * without them Chromium's background services try to reach the internet and connections
 * to the local hub can be refused.
 */
export async function launchChromium(): Promise<Browser> {
  return chromium.launch({
    executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium',
    args: [
      '--headless',
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
    ],
  });
}

export async function newContext(browser: Browser, project: Project, baseURL: string): Promise<BrowserContext> {
  const ctx = await browser.newContext({ ...project.context, baseURL, locale: 'en-GB', timezoneId: 'Europe/London' });
  ctx.setDefaultTimeout(10_000);
  return ctx;
}

export function artifactPath(name: string): string {
  fs.mkdirSync(ARTIFACTS_DIR, { recursive: true });
  return path.join(ARTIFACTS_DIR, name);
}
