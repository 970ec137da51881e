/** Headless Chromium for the page tests: skipped with a visible message when absent, a failure when CI=true. */
import { existsSync } from 'node:fs';
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { chromium } from 'playwright-core';
import type { Browser } from 'playwright-core';

export const CHROMIUM = process.env.TOLLGATE_CHROMIUM ?? '/usr/bin/chromium';

/** Launches Chromium, or registers a test saying why it cannot (skipped, or failed under CI=true) and returns undefined. */
export async function launchChromium(): Promise<Browser | undefined> {
  if (existsSync(CHROMIUM)) {
    return chromium.launch({
      executablePath: CHROMIUM,
      headless: true,
      args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run'],
    });
  }
  const message = `Chromium not found at ${CHROMIUM}`;
  if (process.env.CI === 'true') test('Chromium is installed (required when CI=true)', () => assert.fail(message));
  else test('browser tests', (t) => t.skip(message));
  return undefined;
}
