// The admin console's first load in Chromium against the bench's account (served by the real
// admin app on a local port, IAM at the bench's latency and throttling): how many requests, how
// many bytes, and the time until the dashboard's numbers show. Prints; asserts nothing.

import type { AddressInfo } from 'node:net';
import { serve } from '@hono/node-server';
import { hasChromium, launchChromium } from '../support/browser.ts';

export interface ConsolePageDeps {
  fetch: (request: Request) => Response | Promise<Response>;
  apiKey: string;
  /** Puts the bench's IAM latency and throttling in place (and a fresh credential report state). */
  before: () => void;
}

const KEY_STORAGE = 'mfa-onboarding-admin-key';

export async function consolePageLoad(deps: ConsolePageDeps, label: string): Promise<void> {
  if (!hasChromium) {
    console.log(`  console page load (${label}): skipped, no Chromium`);
    return;
  }
  const server = serve({ fetch: deps.fetch, port: 0, hostname: '127.0.0.1' });
  await new Promise<void>((resolve) => server.once('listening', () => resolve()));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const browser = await launchChromium();
  try {
    const context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
    // Signed in already, as after a first sign-in in this tab.
    await context.addInitScript(
      ([name, key]) => sessionStorage.setItem(name as string, key as string),
      [KEY_STORAGE, deps.apiKey],
    );
    const page = await context.newPage();
    const requests: { url: string; bytes: number }[] = [];
    page.on('response', (res) => {
      void res
        .body()
        .then((body) => requests.push({ url: new URL(res.url()).pathname, bytes: body.length }))
        .catch(() => requests.push({ url: new URL(res.url()).pathname, bytes: 0 }));
    });
    deps.before();
    const start = performance.now();
    await page.goto(`${url}/admin`);
    await page.locator('#figures li').first().waitFor({ timeout: 60_000 });
    await page.locator('#chart svg').waitFor({ timeout: 60_000 });
    const shown = Math.round(performance.now() - start);
    await page.waitForLoadState('networkidle');
    const bytes = requests.reduce((sum, r) => sum + r.bytes, 0);
    const rows = await page.locator('#users tr').count();
    console.log(
      `  console first load (${label}): ${requests.length} requests, ${Math.round(bytes / 1024)} KB uncompressed, numbers and chart shown after ${shown} ms; ${rows} rows`,
    );
    console.log(
      `    ${requests.map((r) => `${r.url} ${Math.round(r.bytes / 1024)} KB`).join(', ')}`,
    );
  } finally {
    await browser.close();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  }
}
