// End to end: the admin console in the system Chromium against the whole local stack (`npm
// start`'s startLocalStack with its demo account). An admin signs in with an API key, reads the
// numbers, filters, invites a user whose link is then opened in a second browser to enroll,
// sees the dashboard change, exempts, enforces and runs a bulk invitation; every state is
// checked with axe-core in both languages. IAM's final state is read back through the SDK.

import { mkdir, readFile } from 'node:fs/promises';
import {
  AddUserToGroupCommand,
  CreateUserCommand,
  CreateVirtualMFADeviceCommand,
  EnableMFADeviceCommand,
  GetGroupCommand,
  type IAMClient,
  ListMFADevicesCommand,
  ListUserTagsCommand,
} from '@aws-sdk/client-iam';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { ComplianceReport } from '../../functions/admin/schemas.ts';
import { INVITATION_TAG_KEY, SERVICE_TAG_PREFIX } from '../../functions/config.ts';
import type { LocalStack } from '../../local/dev-stack.ts';
import { hasChromium, launchChromium, readmeScreenshot } from '../support/browser.ts';
import { expectAccessible, startE2eStack } from '../support/e2e.ts';
import { consecutiveCodes } from '../support/totp.ts';

const SCREENSHOTS = 'test-results/e2e';
const DESKTOP = { width: 1280, height: 900 };
const PHONE = { width: 390, height: 844 };
const KEY_STORAGE = 'mfa-onboarding-admin-key';

describe.skipIf(!hasChromium)('admin console in Chromium (e2e)', () => {
  let stack: LocalStack;
  let browser: Browser;
  let iam: IAMClient;
  const contexts: BrowserContext[] = [];
  const logs: string[] = [];

  beforeAll(async () => {
    await mkdir(SCREENSHOTS, { recursive: true });
    ({ stack, iam } = await startE2eStack(logs));
    browser = await launchChromium();
  });

  afterEach(async ({ task }) => {
    if (task.result?.state === 'fail') {
      const name = task.name.replace(/[^\w]+/g, '-').slice(0, 60);
      for (const [i, page] of contexts.flatMap((c) => c.pages()).entries())
        await page
          .screenshot({ path: `${SCREENSHOTS}/failed-admin-${name}-${i}.png`, fullPage: true })
          .catch(() => {});
    }
    for (const c of contexts.splice(0)) await c.close();
  });

  afterAll(async () => {
    await browser?.close();
    iam?.destroy();
    await stack?.stop();
  });

  async function newPage(
    options: { locale?: 'en-US' | 'ja-JP'; viewport?: typeof DESKTOP } = {},
  ): Promise<Page> {
    const context = await browser.newContext({
      viewport: options.viewport ?? DESKTOP,
      locale: options.locale ?? 'en-US',
      colorScheme: 'light',
      acceptDownloads: true,
    });
    await context.grantPermissions(['clipboard-read', 'clipboard-write'], { origin: stack.url });
    contexts.push(context);
    const page = await context.newPage();
    page.setDefaultTimeout(15_000);
    // Confirmations are accepted, as an admin would after reading them.
    page.on('dialog', (dialog) => void dialog.accept());
    return page;
  }

  /** The same state in Japanese and in English (by the page's own switch), then back. */
  async function expectAccessibleInBoth(page: Page, state: string): Promise<void> {
    const start = await page.locator('html').getAttribute('lang');
    for (const [button, lang] of [
      ['日本語', 'ja'],
      ['English', 'en'],
    ] as const) {
      await page.getByRole('button', { name: button, exact: true }).click();
      await expect.poll(() => page.locator('html').getAttribute('lang')).toBe(lang);
      await expectAccessible(page, `${state} (${lang})`);
    }
    if (start === 'ja') await page.getByRole('button', { name: '日本語', exact: true }).click();
  }

  async function shot(page: Page, name: string, readme = false): Promise<void> {
    await page.screenshot({ path: `${SCREENSHOTS}/admin-${name}.png`, fullPage: true });
    if (readme) await readmeScreenshot(page, `admin-${name}`);
  }

  const LABELS = {
    en: { key: 'API key', signIn: 'Sign in', heading: 'Users without MFA' },
    ja: { key: 'API キー', signIn: 'サインイン', heading: 'MFA 未設定のユーザー' },
  };

  async function signIn(page: Page, lang: 'en' | 'ja' = 'en'): Promise<void> {
    const label = LABELS[lang];
    await page.goto(`${stack.url}/admin`);
    await page.getByLabel(label.key).fill(stack.apiKey);
    await page.getByRole('button', { name: label.signIn, exact: true }).click();
    await page.getByRole('heading', { level: 2, name: label.heading }).waitFor();
  }

  async function report(): Promise<ComplianceReport> {
    const res = await fetch(`${stack.url}/v1/compliance/users-without-mfa`, {
      headers: { Authorization: `Bearer ${stack.apiKey}` },
    });
    expect(res.status).toBe(200);
    return (await res.json()) as ComplianceReport;
  }

  /** The big number shown above a label on the dashboard. */
  async function figure(page: Page, label: string): Promise<string> {
    const item = page.locator('#figures li').filter({ hasText: label }).first();
    return (await item.locator('.figure').textContent()) ?? '';
  }

  /** A new user with a virtual MFA device enabled, as if enrolled elsewhere; its serial number. */
  async function userWithDevice(userName: string): Promise<string> {
    await iam.send(new CreateUserCommand({ UserName: userName }));
    const { VirtualMFADevice: device } = await iam.send(
      new CreateVirtualMFADeviceCommand({ VirtualMFADeviceName: userName }),
    );
    const seed = Buffer.from(device?.Base32StringSeed ?? new Uint8Array()).toString('ascii');
    const codes = consecutiveCodes(seed);
    await iam.send(
      new EnableMFADeviceCommand({
        UserName: userName,
        SerialNumber: device?.SerialNumber,
        AuthenticationCode1: codes.code1,
        AuthenticationCode2: codes.code2,
      }),
    );
    return device?.SerialNumber ?? '';
  }

  /** Looks a user up in the "Find a user" section and waits for its answer. */
  async function find(page: Page, userName: string, submit = 'Find'): Promise<void> {
    const section = page.locator('#find');
    await section.getByRole('searchbox').fill(userName);
    await section.getByRole('button', { name: submit, exact: true }).click();
  }

  const rowOf = (page: Page, userName: string) =>
    page.locator('#users tr').filter({ has: page.locator('th', { hasText: userName }) });

  it('signs in with a password field, keeps the key in this tab only, and signs out', async () => {
    const page = await newPage();
    await page.goto(`${stack.url}/admin`);
    const field = page.getByLabel('API key');
    expect(await field.getAttribute('type')).toBe('password');
    await expectAccessibleInBoth(page, 'sign-in');
    await shot(page, 'sign-in');

    await field.fill('mfaob_not-a-key');
    await page.getByRole('button', { name: 'Sign in', exact: true }).click();
    await page.getByText('This API key was not accepted').waitFor();
    await expectAccessibleInBoth(page, 'sign-in rejected');

    await signIn(page);
    expect(await page.evaluate((k) => sessionStorage.getItem(k), KEY_STORAGE)).toBe(stack.apiKey);
    expect(await page.evaluate(() => JSON.stringify(localStorage))).not.toContain(stack.apiKey);
    expect(page.url()).not.toContain(stack.apiKey);
    const cookies = await page.context().cookies();
    expect(JSON.stringify(cookies)).not.toContain(stack.apiKey);
    expect(logs.join('\n')).not.toContain(stack.apiKey);

    // A reload keeps the session of this tab.
    await page.reload();
    await page.getByRole('heading', { level: 2, name: 'Users without MFA' }).waitFor();

    await page.getByRole('button', { name: 'Sign out' }).click();
    await page.getByLabel('API key').waitFor();
    expect(await page.evaluate((k) => sessionStorage.getItem(k), KEY_STORAGE)).toBeNull();
  });

  it('shows the numbers the API reports, and filters, searches and sorts the users', async () => {
    const page = await newPage();
    await signIn(page);
    const r = await report();
    expect(await figure(page, 'users without MFA')).toBe(String(r.summary.withoutMfa));
    expect(await figure(page, 'users with MFA')).toBe(String(r.summary.withMfa));
    expect(await figure(page, 'IAM users')).toBe(String(r.summary.totalUsers));
    expect(await page.locator('#users tr').count()).toBe(r.users.length);
    // The chart is drawn, with its legend.
    expect(await page.locator('#chart svg polyline').count()).toBe(2);
    await expectAccessibleInBoth(page, 'dashboard');
    await shot(page, 'dashboard', true);

    // Search by name.
    await page.getByLabel('Name contains').fill('tanaka');
    await expect
      .poll(() => page.locator('#users tr').count())
      .toBe(r.users.filter((u) => u.userName.includes('tanaka')).length);
    await page.getByLabel('Name contains').fill('');

    // Filter by path and by console access.
    const path = r.users.find((u) => u.path !== '/')?.path ?? '/';
    await page.getByLabel('Path starts with').fill(path);
    await expect
      .poll(() => page.locator('#users tr').count())
      .toBe(r.users.filter((u) => u.path.startsWith(path)).length);
    await page.getByLabel('Path starts with').fill('');
    await page.getByLabel('Console access').selectOption('no');
    await expect
      .poll(() => page.locator('#users tr').count())
      .toBe(r.users.filter((u) => u.consoleAccess === false).length);
    await page.getByLabel('Console access').selectOption('');

    // Sort by name: the first row is the first name in order.
    await page.getByLabel('Sort by').selectOption('name');
    const first = [...r.users].sort((a, b) => a.userName.localeCompare(b.userName))[0];
    expect(await page.locator('#users tr th .user-name').first().textContent()).toBe(
      first?.userName,
    );

    // In Japanese, on a phone.
    const phone = await newPage({ locale: 'ja-JP', viewport: PHONE });
    await signIn(phone, 'ja');
    expect(await phone.locator('html').getAttribute('lang')).toBe('ja');
    await expectAccessible(phone, 'dashboard (ja, phone)');
    // Both dialogs in Japanese (the switch is out of reach while a dialog is open).
    await phone
      .locator('#users tr')
      .first()
      .getByRole('button', { name: /^対象外にする/ })
      .click();
    await phone.getByRole('dialog', { name: 'MFA の対象外にする' }).waitFor();
    await expectAccessible(phone, 'exempt dialog (ja, phone)');
    await phone.getByRole('button', { name: 'キャンセル' }).click();
    await rowOf(phone, 'sato.taro').getByRole('button', { name: /^招待/ }).click();
    await phone.getByRole('dialog', { name: '発行したリンク' }).waitFor();
    await expectAccessible(phone, 'link dialog (ja, phone)');
    await phone.getByRole('button', { name: '閉じる' }).click();
    await shot(phone, 'dashboard-phone-ja');
  });

  it('invites a user, whose link enrolls them in a second browser, and the dashboard follows', async () => {
    const userName = 'new-hire';
    const page = await newPage();
    await signIn(page);
    const before = await report();
    expect(before.users.map((u) => u.userName)).toContain(userName);

    await rowOf(page, userName)
      .getByRole('button', { name: `Invite: ${userName}` })
      .click();
    const dialog = page.getByRole('dialog', { name: 'Onboarding link' });
    await dialog.waitFor();
    const url = (await page.locator('#link-url').textContent()) ?? '';
    expect(url).toMatch(/\/onboard#/);
    await expectAccessible(page, 'link dialog (en)');
    await dialog.getByRole('button', { name: 'Copy' }).click();
    await dialog.getByText('Copied').waitFor();
    expect(await page.evaluate(() => navigator.clipboard.readText())).toBe(url);
    await dialog.getByRole('button', { name: 'Close' }).click();
    // Shown once: gone from the page.
    expect(await page.locator('#link-url').textContent()).toBe('');
    await expect
      .poll(async () => rowOf(page, userName).locator('td').nth(4).textContent())
      .toContain('Pending');

    // The employee, in another browser, enrolls with the link.
    const employee = await newPage({ viewport: PHONE });
    await employee.goto(url);
    await employee.getByRole('button', { name: 'I have an app — show the QR code' }).click();
    await employee.locator('#qr svg').waitFor();
    const secret = ((await employee.locator('#secret').textContent()) ?? '').replace(/\s+/g, '');
    const { code1, code2 } = consecutiveCodes(secret);
    await employee.getByLabel('First code', { exact: true }).fill(code1);
    await employee.getByLabel('Second code (after it changes)', { exact: true }).fill(code2);
    await employee.getByRole('button', { name: 'Enable MFA' }).click();
    await employee.getByRole('heading', { level: 1, name: 'MFA is set up' }).waitFor();
    const devices = await iam.send(new ListMFADevicesCommand({ UserName: userName }));
    expect(devices.MFADevices).toHaveLength(1);

    await page.getByRole('button', { name: 'Refresh' }).click();
    await expect.poll(() => rowOf(page, userName).count()).toBe(0);
    expect(await figure(page, 'users without MFA')).toBe(String(before.summary.withoutMfa - 1));
    expect(await figure(page, 'users with MFA')).toBe(String(before.summary.withMfa + 1));
  });

  it('exempts a user with a Japanese reason and ends it; adds another to the force-MFA group', async () => {
    const exempted = 'svc-exempt-e2e';
    const enforced = 'enforce-e2e';
    for (const name of [exempted, enforced])
      await iam.send(new CreateUserCommand({ UserName: name }));
    const page = await newPage();
    await signIn(page);

    await rowOf(page, exempted)
      .getByRole('button', { name: `Exempt: ${exempted}` })
      .click();
    const form = page.getByRole('dialog', { name: 'Exempt from MFA' });
    await form.waitFor();
    await expectAccessible(page, 'exempt dialog (en)');
    const reason = 'CI 用のサービスアカウント。コンソールなし、「MFA 不可」';
    await form.getByLabel('Reason (required)').fill(reason);
    await form.getByRole('button', { name: 'Exempt' }).click();
    const exemptRow = page.locator('#exempt-rows tr').filter({ hasText: exempted });
    await exemptRow.waitFor();
    expect(await exemptRow.locator('td.reason').textContent()).toBe(reason);
    expect(await rowOf(page, exempted).count()).toBe(0);
    const tags = await iam.send(new ListUserTagsCommand({ UserName: exempted }));
    expect((tags.Tags ?? []).some((t) => t.Key?.startsWith(SERVICE_TAG_PREFIX))).toBe(true);

    // The same page in Japanese, with the exempt list filled.
    await page.getByRole('button', { name: '日本語' }).click();
    await page.getByRole('heading', { level: 2, name: '対象外のユーザー' }).waitFor();
    await expectAccessible(page, 'with an exempt user (ja)');
    await page.getByRole('button', { name: 'English' }).click();

    await exemptRow.getByRole('button', { name: `End exemption: ${exempted}` }).click();
    await expect.poll(() => exemptRow.count()).toBe(0);
    await rowOf(page, exempted).waitFor();

    await rowOf(page, enforced)
      .getByRole('button', { name: `Add to group: ${enforced}` })
      .click();
    await page.getByText(`${enforced} is in the force-MFA group.`).waitFor();
    const group = await iam.send(new GetGroupCommand({ GroupName: stack.config.forceMfaGroup }));
    expect(group.Users?.map((u) => u.UserName)).toContain(enforced);
  });

  it('resets the MFA of a user who lost their phone: confirmation with a reason, the new link once, the devices off', async () => {
    const userName = 'lost-phone-e2e';
    await userWithDevice(userName);
    const page = await newPage();
    await signIn(page);

    const item = page.locator('#outside-list li').filter({ hasText: userName });
    await item.getByRole('button', { name: `Reset MFA: ${userName}` }).click();
    const form = page.getByRole('dialog', { name: 'Reset MFA (lost or replaced device)' });
    await form.waitFor();
    await expectAccessible(page, 'MFA reset dialog (en)');
    // No reason, no reset.
    await form.getByRole('button', { name: 'Reset MFA' }).click();
    await form.getByText('Enter a reason.').waitFor();
    expect(
      (await iam.send(new ListMFADevicesCommand({ UserName: userName }))).MFADevices,
    ).toHaveLength(1);

    await form
      .getByLabel('Reason (required; for example the ticket number)')
      .fill('スマホ紛失 #4711');
    await form.getByRole('button', { name: 'Reset MFA' }).click();
    const link = page.getByRole('dialog', { name: 'Onboarding link' });
    await link.waitFor();
    expect(await link.locator('#link-url').textContent()).toMatch(/\/onboard#/);
    await expectAccessible(page, 'MFA reset link (en)');
    await link.getByRole('button', { name: 'Close' }).click();
    await page.getByText(`${userName}'s MFA was reset (1 devices deactivated).`).waitFor();

    expect((await iam.send(new ListMFADevicesCommand({ UserName: userName }))).MFADevices).toEqual(
      [],
    );
    const group = await iam.send(new GetGroupCommand({ GroupName: stack.config.forceMfaGroup }));
    expect(group.Users?.map((u) => u.UserName)).toContain(userName);
    expect(await item.count()).toBe(0);
    expect(logs.some((l) => l.includes('admin.mfa_reset') && l.includes(userName))).toBe(true);
    expect(logs.join('\n')).not.toContain('スマホ紛失');
  });

  it('finds an enrolled user in the force-MFA group, in no list, and resets their MFA from there', async () => {
    const userName = 'tanaka-lost-phone';
    const serial = await userWithDevice(userName);
    await iam.send(
      new AddUserToGroupCommand({ GroupName: stack.config.forceMfaGroup, UserName: userName }),
    );
    const page = await newPage();
    await signIn(page);
    // Enrolled and in the group: no list of the console shows them.
    expect(await page.locator('#console').textContent()).not.toContain(userName);

    await find(page, userName);
    const result = page.locator('#find-result');
    await result.getByRole('heading', { level: 3, name: userName }).waitFor();
    expect(await page.evaluate(() => document.activeElement?.id)).toBe('found-name');
    expect(await page.locator('#found-state').textContent()).toBe(
      'MFA set up, in the force-MFA group',
    );
    const devices = page.locator('#found-devices li');
    expect(await devices.count()).toBe(1);
    expect(await devices.textContent()).toContain('Virtual MFA device (enabled ');
    expect(await devices.locator('code').textContent()).toBe(serial);
    expect(await page.locator('#found-group').textContent()).toBe('A member: they must use MFA');
    expect(await page.locator('#found-exemption').textContent()).toBe('Not exempt');
    expect(await page.locator('#found-invitation').textContent()).toBe('None');
    // What fits an enrolled user: no link, no group to add to.
    const actions = page.locator('#found-actions');
    expect(await actions.getByRole('button').allTextContents()).toEqual(['Reset MFA', 'Exempt']);
    await expectAccessibleInBoth(page, 'find: an enrolled user');
    await shot(page, 'find-user');

    // The same confirmation as from the list, in Japanese too (the switch is behind the dialog).
    const reset = actions.getByRole('button', { name: `Reset MFA: ${userName}` });
    const form = page.getByRole('dialog', { name: 'Reset MFA (lost or replaced device)' });
    await page.getByRole('button', { name: '日本語', exact: true }).click();
    await actions.getByRole('button', { name: `MFA をリセット: ${userName}` }).click();
    const formJa = page.getByRole('dialog', { name: 'MFA のリセット (デバイスの紛失・交換)' });
    await formJa.waitFor();
    expect(await formJa.locator('#reset-for').textContent()).toBe(`ユーザー: ${userName}`);
    await expectAccessible(page, 'MFA reset dialog from the find view (ja)');
    await formJa.getByRole('button', { name: 'キャンセル' }).click();
    await page.getByRole('button', { name: 'English', exact: true }).click();
    await reset.click();
    await form.waitFor();
    await expectAccessible(page, 'MFA reset dialog from the find view (en)');
    await form.getByRole('button', { name: 'Reset MFA' }).click();
    await form.getByText('Enter a reason.').waitFor();
    await form
      .getByLabel('Reason (required; for example the ticket number)')
      .fill('Lost phone, ticket #4712');
    await form.getByRole('button', { name: 'Reset MFA' }).click();

    const link = page.getByRole('dialog', { name: 'Onboarding link' });
    await link.waitFor();
    expect(await link.locator('#link-for').textContent()).toBe(`For ${userName}`);
    const url = (await link.locator('#link-url').textContent()) ?? '';
    expect(url).toMatch(/\/onboard#/);
    await link.getByRole('button', { name: 'Copy' }).click();
    await link.getByText('Copied').waitFor();
    expect(await page.evaluate(() => navigator.clipboard.readText())).toBe(url);
    await link.getByRole('button', { name: 'Close' }).click();
    expect(await page.locator('#link-url').textContent()).toBe('');
    await page.getByText(`${userName}'s MFA was reset (1 devices deactivated).`).waitFor();

    // The view shows the user as IAM has them now.
    expect(await page.locator('#found-state').textContent()).toBe('No MFA yet; a link is pending');
    expect(await page.locator('#found-devices').textContent()).toBe('None');
    expect(await page.locator('#found-group').textContent()).toBe('A member: they must use MFA');
    expect(await page.locator('#found-invitation').textContent()).toMatch(/^Pending, until /);
    expect(await actions.getByRole('button').allTextContents()).toEqual([
      'New link',
      'Revoke link',
      'Exempt',
    ]);

    // And IAM: no device, still in the group, a pending invitation on the user.
    expect((await iam.send(new ListMFADevicesCommand({ UserName: userName }))).MFADevices).toEqual(
      [],
    );
    const group = await iam.send(new GetGroupCommand({ GroupName: stack.config.forceMfaGroup }));
    expect(group.Users?.map((u) => u.UserName)).toContain(userName);
    const tags = await iam.send(new ListUserTagsCommand({ UserName: userName }));
    expect(tags.Tags?.map((t) => t.Key)).toContain(INVITATION_TAG_KEY);
    const status = await fetch(`${stack.url}/v1/users/${userName}`, {
      headers: { Authorization: `Bearer ${stack.apiKey}` },
    });
    expect(((await status.json()) as { invitation: { state: string } }).invitation.state).toBe(
      'pending',
    );
    expect(logs.join('\n')).not.toContain('ticket #4712');
  });

  it('answers a name it cannot find, or that is no user name, with what to check, in both languages', async () => {
    const page = await newPage();
    await signIn(page);
    const error = page.locator('#find-error');

    await find(page, '');
    await expect.poll(() => error.textContent()).toBe('Enter an IAM user name.');

    await find(page, 'no-such-user-e2e');
    await expect
      .poll(() => error.textContent())
      .toBe(
        "There is no IAM user no-such-user-e2e under this service's path. Check the name: a user outside the path is answered the same way.",
      );
    expect(await page.locator('#find-result').isHidden()).toBe(true);
    await expectAccessibleInBoth(page, 'find: no such user');

    await page.getByRole('button', { name: '日本語', exact: true }).click();
    await find(page, 'tanaka taro', '検索');
    await expect
      .poll(() => error.textContent())
      .toBe(
        'IAM ユーザー名が正しくありません。英数字と + = , . @ _ - を使って、1～64 文字で入力してください。',
      );
    await find(page, 'no-such-user-e2e', '検索');
    await expect
      .poll(() => error.textContent())
      .toContain(
        'このサービスの管理対象のパスに、IAM ユーザー no-such-user-e2e は見つかりませんでした。',
      );

    // A user it finds replaces the message.
    await iam.send(new CreateUserCommand({ UserName: 'find-plain-e2e' }));
    await find(page, 'find-plain-e2e', '検索');
    await page.getByRole('heading', { level: 3, name: 'find-plain-e2e' }).waitFor();
    expect(await error.textContent()).toBe('');
    expect(await page.locator('#found-state').textContent()).toBe(
      'MFA は未設定で、有効なリンクもありません',
    );
  });

  it('offers in the find view only what the key may do, as the lists do', async () => {
    // A help-desk key that may read users but not reset MFA or write anything.
    const page = await newPage();
    await page.route('**/v1/me', (route) =>
      route.fulfill({ json: { name: 'helpdesk', scopes: ['users:read'] } }),
    );
    await page.goto(`${stack.url}/admin`);
    await page.getByLabel('API key').fill(stack.apiKey);
    await page.getByRole('button', { name: 'Sign in', exact: true }).click();
    await page.getByRole('heading', { level: 2, name: 'Find a user' }).waitFor();
    // alice has MFA outside the group: the full key could reset, enforce and exempt.
    await find(page, 'alice');
    await page.getByRole('heading', { level: 3, name: 'alice' }).waitFor();
    expect(await page.locator('#found-devices li').textContent()).toContain(
      'Passkey or security key',
    );
    expect(await page.locator('#found-actions').getByRole('button').count()).toBe(0);
    await expectAccessible(page, 'find: read-only key');

    // A key that may not read users has no find view at all.
    const reportOnly = await newPage();
    await reportOnly.route('**/v1/me', (route) =>
      route.fulfill({ json: { name: 'reports', scopes: ['compliance:read'] } }),
    );
    await signIn(reportOnly);
    expect(await reportOnly.locator('#find').isHidden()).toBe(true);
  });

  it('invites the users of one path in bulk, with progress, results and the links as CSV', async () => {
    const names = Array.from({ length: 30 }, (_, i) => `bulk-e2e-${String(i).padStart(2, '0')}`);
    for (const name of names)
      await iam.send(new CreateUserCommand({ UserName: name, Path: '/bulk-e2e/' }));
    const page = await newPage();
    await signIn(page);
    await page.getByLabel('Path starts with').fill('/bulk-e2e/');
    await expect.poll(() => page.locator('#users tr').count()).toBe(names.length);
    await page.getByRole('button', { name: 'Select all shown' }).click();
    await page.getByText(`${names.length} selected`).waitFor();
    await page.getByRole('button', { name: 'Invite selected' }).click();

    const progress = page.locator('#progress');
    await expect
      .poll(() => progress.getAttribute('value'), { timeout: 30_000 })
      .toBe(String(names.length));
    await page.getByText(`Done for ${names.length} of ${names.length} users.`).waitFor();
    await expectAccessibleInBoth(page, 'bulk results');
    await shot(page, 'bulk', true);

    const download = page.waitForEvent('download');
    await page.getByRole('button', { name: 'Download the links (CSV)' }).click();
    const csv = await readFile((await (await download).path()) ?? '', 'utf8');
    const lines = csv.trim().split(/\r\n/);
    expect(lines[0]).toBe('userName,url,expiresAt');
    expect(
      lines
        .slice(1)
        .map((l) => l.split(',')[0])
        .sort(),
    ).toEqual(names);
    for (const line of lines.slice(1)) expect(line).toMatch(/,https?:\/\/[^,]+\/onboard#[^,]+,/);

    const after = await report();
    for (const name of names)
      expect(after.users.find((u) => u.userName === name)?.invitation?.state).toBe('pending');
  });

  it('emails the links instead of showing them: one user from its row, others in bulk, each to its own address', async () => {
    // Users of their own, two with an address in their email tag and one without.
    for (const [name, email] of [
      ['mail-e2e-a', 'mail-e2e-a@example.com'],
      ['mail-e2e-b', 'mail-e2e-b@example.com'],
      ['mail-e2e-c', undefined],
    ] as const) {
      await iam.send(
        new CreateUserCommand({
          UserName: name,
          Path: '/mail-e2e/',
          Tags: email ? [{ Key: 'email', Value: email }] : [],
        }),
      );
    }
    const mail = async () =>
      (
        (await (await fetch(`${stack.emulator?.url}/_emulator/mail`)).json()) as {
          messages: { to: string[]; text: string }[];
        }
      ).messages;
    const before = (await mail()).length;
    const page = await newPage();
    await signIn(page);
    await page.getByLabel('Path starts with').fill('/mail-e2e/');
    await expect.poll(() => page.locator('#users tr').count()).toBe(3);
    await page.getByLabel('Email the links to the users', { exact: false }).check();

    await rowOf(page, 'mail-e2e-a').getByRole('button', { name: 'Invite: mail-e2e-a' }).click();
    await page.getByText('The link for mail-e2e-a was emailed to m***@example.com.').waitFor();
    expect(await page.getByRole('dialog', { name: 'Onboarding link' }).isVisible()).toBe(false);
    const sent = (await mail()).slice(before);
    expect(sent.map((m) => m.to)).toEqual([['mail-e2e-a@example.com']]);
    expect(sent[0]?.text).toMatch(/\/onboard#mail-e2e-a\./);

    // In bulk: the user with an address gets mail, the one without a clear refusal.
    await page.getByRole('checkbox', { name: 'Select mail-e2e-b' }).check();
    await page.getByRole('checkbox', { name: 'Select mail-e2e-c' }).check();
    await page.getByRole('button', { name: 'Invite selected' }).click();
    await page.getByText('Done for 1 of 2 users.').waitFor();
    await expect
      .poll(() => page.locator('#results li').allTextContents())
      .toEqual([
        expect.stringMatching(/^mail-e2e-b: link emailed to m\*\*\*@example\.com, valid until /),
        expect.stringMatching(/^mail-e2e-c: .*email/i),
      ]);
    expect(await page.getByRole('button', { name: 'Download the links (CSV)' }).isVisible()).toBe(
      false,
    );
    expect((await mail()).slice(before).map((m) => m.to[0])).toEqual([
      'mail-e2e-a@example.com',
      'mail-e2e-b@example.com',
    ]);
    const after = await report();
    expect(after.users.find((u) => u.userName === 'mail-e2e-c')?.invitation).toBeNull();
    await expectAccessibleInBoth(page, 'links emailed');
  });

  it('works with the keyboard alone: sign in, open a row action, close the dialog with Escape', async () => {
    const page = await newPage();
    await page.goto(`${stack.url}/admin`);
    // The sign-in field has the focus from the start.
    expect(await page.evaluate(() => document.activeElement?.id)).toBe('api-key');
    await page.keyboard.type(stack.apiKey);
    await page.keyboard.press('Enter');
    await page.getByRole('heading', { level: 2, name: 'Users without MFA' }).waitFor();

    const target = 'sato.taro';
    const exempt = rowOf(page, target).getByRole('button', { name: `Exempt: ${target}` });
    await exempt.focus();
    const outline = await page.evaluate(() => {
      const s = getComputedStyle(document.activeElement as Element);
      return { style: s.outlineStyle, width: Number.parseFloat(s.outlineWidth) };
    });
    expect(outline.style).not.toBe('none');
    expect(outline.width).toBeGreaterThanOrEqual(2);
    await page.keyboard.press('Enter');
    const dialog = page.getByRole('dialog', { name: 'Exempt from MFA' });
    await dialog.waitFor();
    // The dialog holds the focus, on its first field.
    expect(await page.evaluate(() => document.activeElement?.id)).toBe('exempt-reason');
    await page.keyboard.press('Escape');
    await expect.poll(() => dialog.isVisible()).toBe(false);
    // Nothing was written.
    const tags = await iam.send(new ListUserTagsCommand({ UserName: target }));
    expect((tags.Tags ?? []).filter((t) => t.Key?.includes('exemption'))).toEqual([]);
  });
});
