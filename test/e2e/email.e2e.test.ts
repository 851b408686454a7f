// An onboarding link that travels by email, end to end: the admin API sends it through the
// emulator's SES (as `npm start` runs it), the employee finds it in the mailbox page, follows
// the link from the mail's HTML body into a new tab, and enrolls there. The link appears only
// in the mail: the API's answer has none.

import { mkdir } from 'node:fs/promises';
import { GetGroupCommand, type IAMClient, ListMFADevicesCommand } from '@aws-sdk/client-iam';
import type { Browser, BrowserContext } from 'playwright-core';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { LocalStack } from '../../local/dev-stack.ts';
import { hasChromium, launchChromium } from '../support/browser.ts';
import { expectAccessible, startE2eStack } from '../support/e2e.ts';
import { consecutiveCodes } from '../support/totp.ts';

const SCREENSHOTS = 'test-results/e2e';

describe.skipIf(!hasChromium)('an onboarding link delivered by email (e2e)', () => {
  let stack: LocalStack;
  let iam: IAMClient;
  let browser: Browser;
  let context: BrowserContext | undefined;
  const logs: string[] = [];

  beforeAll(async () => {
    await mkdir(SCREENSHOTS, { recursive: true });
    ({ stack, iam } = await startE2eStack(logs));
    browser = await launchChromium();
  });

  afterEach(async () => {
    await context?.close();
    context = undefined;
  });

  afterAll(async () => {
    await browser?.close();
    iam?.destroy();
    await stack?.stop();
  });

  it('is opened from the mailbox page and enrolls the employee', async () => {
    const res = await fetch(`${stack.url}/v1/invitations`, {
      method: 'POST',
      headers: { authorization: `Bearer ${stack.apiKey}`, 'content-type': 'application/json' },
      body: JSON.stringify({ userName: 'tanaka.hanako', delivery: 'email' }),
    });
    expect(res.status).toBe(201);
    const answer = await res.text();
    expect(JSON.parse(answer)).toMatchObject({
      userName: 'tanaka.hanako',
      delivered: { channel: 'email', to: 't***@example.com' },
    });
    expect(answer).not.toMatch(/https?:\/\//);

    context = await browser.newContext({ viewport: { width: 1024, height: 900 } });
    const mailbox = await context.newPage();
    mailbox.setDefaultTimeout(10_000);
    await mailbox.goto(`${stack.emulator?.url}/_emulator/mailbox`);
    const message = mailbox.getByRole('heading', { level: 2, name: /tanaka\.hanako|MFA/ }).last();
    await message.waitFor();
    expect(await mailbox.locator('dd').first().textContent()).toBe(stack.config.senderEmail);
    expect(await mailbox.locator('dd').nth(1).textContent()).toBe('tanaka.hanako@example.com');
    await expectAccessible(mailbox, 'the mailbox page with the invitation');
    await mailbox.screenshot({ path: `${SCREENSHOTS}/mailbox.png`, fullPage: true });

    // The employee clicks the link in the mail's HTML body: it opens the page in a new tab.
    const body = mailbox.frameLocator('iframe');
    const link = body.locator(`a[href^="${stack.config.publicBaseUrl}/onboard#"]`).first();
    const [page] = await Promise.all([context.waitForEvent('page'), link.click()]);
    page.setDefaultTimeout(10_000);
    await page.getByRole('heading', { level: 1 }).first().waitFor();
    await page.locator('#show-qr').click();
    await page.locator('#qr svg').waitFor();
    const secret = ((await page.locator('#secret').textContent()) ?? '').replace(/\s+/g, '');
    const codes = consecutiveCodes(secret);
    await page.locator('#code1').fill(codes.code1);
    await page.locator('#code2').fill(codes.code2);
    await page.locator('#submit-codes').click();
    await page.locator('#done-title').waitFor();

    const devices = await iam.send(new ListMFADevicesCommand({ UserName: 'tanaka.hanako' }));
    expect(devices.MFADevices).toHaveLength(1);
    const group = await iam.send(new GetGroupCommand({ GroupName: stack.config.forceMfaGroup }));
    expect(group.Users?.map((u) => u.UserName)).toContain('tanaka.hanako');
    // The link went to the mailbox only: never to the log.
    const token = decodeURIComponent(new URL(page.url()).hash.slice(1) || '');
    expect(logs.join('\n')).not.toContain('/onboard#');
    if (token) expect(logs.join('\n')).not.toContain(token);
  });
});
