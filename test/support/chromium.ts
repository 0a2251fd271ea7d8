/**
 * Chromium for the Playwright specs (renderer, e2e): the Debian `chromium` package at
 * /usr/bin/chromium, driven by playwright-core (no browser download). A missing binary fails
 * the test with the package to install.
 */
import { existsSync } from 'node:fs';
import { chromium, type Browser } from 'playwright-core';

export const CHROMIUM_PATH = process.env.FIELDROOT_CHROMIUM ?? '/usr/bin/chromium';

export async function launchChromium(): Promise<Browser> {
  if (!existsSync(CHROMIUM_PATH))
    throw new Error(
      `Chromium not found at ${CHROMIUM_PATH}: install the Debian package \`chromium\` ` +
        '(apt-get install -y --no-install-recommends chromium)',
    );
  return chromium.launch({
    executablePath: CHROMIUM_PATH,
    headless: true,
    // --no-sandbox: CI runs as root, where Chromium refuses its sandbox.
    args: ['--no-sandbox', '--disable-gpu', '--disable-dev-shm-usage'],
  });
}
