// The system Chromium for the browser tests (playwright-core drives Debian's /usr/bin/chromium;
// nothing is downloaded), and an accessibility check with axe-core injected into the page.

import { existsSync } from 'node:fs';
import { mkdir, readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { type Browser, chromium, type Page } from 'playwright-core';

export const CHROMIUM = '/usr/bin/chromium';
export const hasChromium = existsSync(CHROMIUM);
if (!hasChromium) {
  console.warn(
    `Skipping the browser tests: ${CHROMIUM} does not exist. ` +
      'Install it with `apt-get install -y chromium` (.ci/run does this).',
  );
}

export function launchChromium(): Promise<Browser> {
  return chromium.launch({
    executablePath: CHROMIUM,
    args: [
      '--headless',
      '--no-sandbox',
      '--disable-gpu',
      '--disable-background-networking',
      '--disable-component-update',
      '--no-first-run',
      '--disable-sync',
      '--disable-quic',
    ],
  });
}

let axeSource: Promise<string> | undefined;

export interface AxeViolation {
  id: string;
  impact: string | null;
  help: string;
  nodes: string[];
}

/**
 * The WCAG 2.0/2.1 A and AA violations axe-core finds in the page as it is now (open dialogs
 * included). The script is added as a page script: the pages' CSP allows only their own
 * scripts, so playwright's injection (which bypasses CSP) is used.
 */
export async function accessibilityViolations(page: Page): Promise<AxeViolation[]> {
  axeSource ??= readFile(createRequire(import.meta.url).resolve('axe-core/axe.min.js'), 'utf8');
  const source = await axeSource;
  if (!(await page.evaluate(() => 'axe' in window))) await page.evaluate(source);
  return page.evaluate(async () => {
    const axe = (window as unknown as { axe: { run: (...args: unknown[]) => Promise<unknown> } })
      .axe;
    const result = (await axe.run(document, {
      runOnly: { type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa'] },
      resultTypes: ['violations'],
    })) as {
      violations: {
        id: string;
        impact: string | null;
        help: string;
        nodes: { target: string[] }[];
      }[];
    };
    return result.violations.map((v) => ({
      id: v.id,
      impact: v.impact,
      help: v.help,
      nodes: v.nodes.map((n) => n.target.join(' ')),
    }));
  });
}

/** `UPDATE_SCREENSHOTS=1 npm test -- test/e2e` refreshes the README's pictures in docs/screenshots. */
const README_SCREENSHOTS = 'docs/screenshots';

/** A picture for the README: the visible viewport at CSS pixels, so the file stays small. */
export async function readmeScreenshot(page: Page, name: string): Promise<void> {
  if (!process.env.UPDATE_SCREENSHOTS) return;
  await mkdir(README_SCREENSHOTS, { recursive: true });
  await page.screenshot({ path: `${README_SCREENSHOTS}/${name}.png`, scale: 'css' });
}
