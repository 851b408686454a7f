// End to end: the real onboarding page in the system Chromium, against the whole local stack
// (`npm start`'s startLocalStack: the emulator and the onboarding app on one HTTP server). The
// test reads the QR code off the screen like a phone would, computes the codes an authenticator
// app shows, types them, and checks the result in IAM through the real SDK.

import { mkdir } from 'node:fs/promises';
import {
  CreateUserCommand,
  GetGroupCommand,
  GetUserCommand,
  type IAMClient,
  ListMFADevicesCommand,
  TagUserCommand,
} from '@aws-sdk/client-iam';
import jsQRModule from 'jsqr';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { PNG } from 'pngjs';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { INVITATION_TAG_KEY } from '../../functions/config.ts';
import { decodeInvitationTag, encodeInvitationTag } from '../../functions/invitations/token.ts';
import type { LocalStack } from '../../local/dev-stack.ts';
import { hasChromium, launchChromium, readmeScreenshot } from '../support/browser.ts';
import { expectAccessible, startE2eStack } from '../support/e2e.ts';
import { consecutiveCodes, staleCodes } from '../support/totp.ts';

// jsqr is CommonJS with an ES-style `export default` in its types: under NodeNext the default
// import is the whole module, whose `default` is the function (at run time too).
const jsQR = jsQRModule.default;

const SCREENSHOTS = 'test-results/e2e';
const PHONE = { width: 390, height: 844 };
const INTRO_EN = 'Set up multi-factor authentication (MFA)';
const INTRO_JA = '多要素認証 (MFA) を設定する';

interface Device {
  uri: string;
  secret: string;
}

/** The token part after the user name: `<user>.<secret>`, where user names may contain dots. */
function tokenSecret(url: string): string {
  const token = decodeURIComponent(new URL(url).hash.slice(1));
  return token.slice(token.lastIndexOf('.') + 1);
}

describe.skipIf(!hasChromium)('onboarding page in Chromium (e2e)', () => {
  let stack: LocalStack;
  let browser: Browser;
  let iam: IAMClient;
  let context: BrowserContext | undefined;
  const logs: string[] = [];

  beforeAll(async () => {
    await mkdir(SCREENSHOTS, { recursive: true });
    ({ stack, iam } = await startE2eStack(logs));
    browser = await launchChromium();
  });

  afterEach(async ({ task }) => {
    if (task.result?.state === 'fail') {
      const name = task.name.replace(/[^\w]+/g, '-').slice(0, 60);
      for (const [i, page] of (context?.pages() ?? []).entries()) {
        await page
          .screenshot({ path: `${SCREENSHOTS}/failed-${name}-${i}.png`, fullPage: true })
          .catch(() => {});
      }
    }
    await context?.close();
    context = undefined;
  });

  afterAll(async () => {
    await browser?.close();
    iam?.destroy();
    await stack?.stop();
  });

  async function newPage(
    locale: 'en-US' | 'ja-JP' = 'en-US',
    options: { timezoneId?: string; permissions?: string[] } = {},
  ): Promise<Page> {
    context = await browser.newContext({
      viewport: PHONE,
      deviceScaleFactor: 2,
      isMobile: true,
      hasTouch: true,
      locale,
      colorScheme: 'light',
      ...options,
    });
    const page = await context.newPage();
    page.setDefaultTimeout(10_000);
    return page;
  }

  async function newUser(userName: string): Promise<string> {
    await iam.send(new CreateUserCommand({ UserName: userName }));
    return userName;
  }

  async function shot(page: Page, name: string): Promise<void> {
    await page.screenshot({ path: `${SCREENSHOTS}/${name}.png`, fullPage: true });
  }

  async function waitForIntro(page: Page, title = INTRO_EN): Promise<void> {
    try {
      await page.getByRole('heading', { level: 1, name: title }).waitFor();
    } catch (error) {
      const shown = await page
        .locator('main')
        .ariaSnapshot()
        .catch(() => '(no page)');
      throw new Error(
        `the intro "${title}" did not appear. The page shows:\n${shown}\n` +
          `Last service log lines:\n${logs.slice(-5).join('\n')}`,
        { cause: error },
      );
    }
  }

  /** Screenshots the QR code as it is on the screen and decodes it, as a phone's camera would. */
  async function readQrCode(page: Page, name?: string): Promise<Device> {
    const qr = page.getByRole('img', { name: 'QR code for your new MFA device' });
    await qr.locator('svg').waitFor();
    const png = PNG.sync.read(
      await qr.screenshot(name ? { path: `${SCREENSHOTS}/${name}.png` } : {}),
    );
    const decoded = jsQR(new Uint8ClampedArray(png.data), png.width, png.height);
    if (!decoded) throw new Error('the QR code on the page could not be decoded');
    const uri = new URL(decoded.data);
    expect(uri.protocol).toBe('otpauth:');
    expect(uri.host).toBe('totp');
    const secret = uri.searchParams.get('secret');
    expect(secret).toMatch(/^[A-Z2-7]{16,}$/);
    return { uri: decoded.data, secret: secret as string };
  }

  /**
   * The element is wholly on the phone's screen and nothing covers or clips any part of it: the
   * points just inside each edge hit the element itself (or a child), not a neighbour or the
   * page behind a clipping container.
   */
  async function expectFullyInView(page: Page, selector: string): Promise<void> {
    const seen = await page.locator(selector).evaluate((el) => {
      const box = el.getBoundingClientRect();
      // Just inside the middle of each edge (the corners may be rounded off), and the centre.
      const middle = { x: (box.left + box.right) / 2, y: (box.top + box.bottom) / 2 };
      const points = [
        [middle.x, box.top + 2],
        [box.right - 2, middle.y],
        [middle.x, box.bottom - 2],
        [box.left + 2, middle.y],
        [middle.x, middle.y],
      ] as const;
      return {
        box: { top: box.top, left: box.left, bottom: box.bottom, right: box.right },
        viewport: { width: innerWidth, height: innerHeight },
        pointsHit: points.map(([x, y]) => {
          const hit = document.elementFromPoint(x, y);
          return hit !== null && (hit === el || el.contains(hit))
            ? true
            : `${hit?.tagName}#${hit?.id} at ${x},${y}`;
        }),
        // Text cut off inside the element itself.
        overflows: el.scrollWidth > el.clientWidth || el.scrollHeight > el.clientHeight,
      };
    });
    expect(seen.box.top, `${selector} top`).toBeGreaterThanOrEqual(0);
    expect(seen.box.left, `${selector} left`).toBeGreaterThanOrEqual(0);
    expect(seen.box.bottom, `${selector} bottom`).toBeLessThanOrEqual(seen.viewport.height);
    expect(seen.box.right, `${selector} right`).toBeLessThanOrEqual(seen.viewport.width);
    expect(seen.pointsHit, `${selector} edges and centre`).toEqual([true, true, true, true, true]);
    expect(seen.overflows, `${selector} clips its own text`).toBe(false);
  }

  /** The success heading has the focus (so a screen reader reads it) and is on the screen. */
  async function expectSuccessAnnounced(page: Page, title: string): Promise<void> {
    const heading = page.getByRole('heading', { level: 1, name: title });
    expect(await heading.evaluate((el) => el === document.activeElement)).toBe(true);
    await expectFullyInView(page, '#done-title');
  }

  /**
   * The lines an element's text is laid out in, measured from each character's box: a new
   * line starts where a character's box sits lower than the previous one's.
   */
  async function renderedLines(page: Page, selector: string): Promise<string[]> {
    return page.locator(selector).evaluate((el) => {
      const lines: { top: number; text: string }[] = [];
      const walker = document.createTreeWalker(el, NodeFilter.SHOW_TEXT);
      const range = document.createRange();
      for (let node = walker.nextNode(); node; node = walker.nextNode()) {
        const text = node.textContent ?? '';
        for (let i = 0; i < text.length; i++) {
          range.setStart(node, i);
          range.setEnd(node, i + 1);
          const rect = [...range.getClientRects()].find((r) => r.width > 0);
          const last = lines.at(-1);
          if (!rect || !last || rect.top <= last.top + 1) {
            if (last) last.text += text[i];
            else lines.push({ top: rect?.top ?? 0, text: text[i] as string });
          } else {
            lines.push({ top: rect.top, text: text[i] as string });
          }
        }
      }
      return lines.map((l) => l.text);
    });
  }

  /** The text wraps (at phone width, unless `mayFit`) only at a space or after a `/` or `:`. */
  async function expectBreaksOnlyAtSlashColonOrSpace(
    page: Page,
    selector: string,
    text: string,
    { mayFit = false } = {},
  ): Promise<void> {
    const lines = await renderedLines(page, selector);
    expect(lines.join(''), selector).toBe(text);
    if (!mayFit) {
      expect(
        lines.length,
        `${selector} wraps on a phone: ${JSON.stringify(lines)}`,
      ).toBeGreaterThan(1);
    }
    for (const [i, line] of lines.slice(0, -1).entries()) {
      const next = lines[i + 1] ?? '';
      expect(
        /[/: ]$/.test(line) || next.startsWith(' '),
        `${selector} breaks after ${JSON.stringify(line)}: ${JSON.stringify(lines)}`,
      ).toBe(true);
    }
  }

  async function codeFields(page: Page) {
    return {
      code1: page.getByLabel('First code', { exact: true }),
      code2: page.getByLabel('Second code (after it changes)', { exact: true }),
    };
  }

  async function expectEnrolled(userName: string, serialNumber: string): Promise<void> {
    const devices = await iam.send(new ListMFADevicesCommand({ UserName: userName }));
    expect(devices.MFADevices?.map((d) => d.SerialNumber)).toEqual([serialNumber]);
    const group = await iam.send(new GetGroupCommand({ GroupName: 'force-mfa' }));
    expect(group.Users?.map((u) => u.UserName)).toContain(userName);
    const user = await iam.send(new GetUserCommand({ UserName: userName }));
    expect((user.User?.Tags ?? []).map((t) => t.Key)).not.toContain(INVITATION_TAG_KEY);
  }

  function serialOf(userName: string): string {
    const accountId = stack.emulator?.emulator.state.accountId;
    return `arn:aws:iam::${accountId}:mfa/mfa-onboarding/onboarding-${userName}`;
  }

  it('enrolls tanaka.hanako: QR code read off the screen, two codes, IAM updated', async () => {
    const { url } = await stack.issueInvitation('tanaka.hanako');
    const page = await newPage('en-US', { permissions: ['clipboard-read', 'clipboard-write'] });
    await page.goto(url);

    await waitForIntro(page);
    await expect.poll(() => page.locator('html').getAttribute('lang')).toBe('en');
    expect(await page.locator('#intro-text').textContent()).toContain('tanaka.hanako');
    await shot(page, '1-intro');

    await page.getByRole('button', { name: 'I have an app — show the QR code' }).click();
    const device = await readQrCode(page, '2-qr-code');
    await readmeScreenshot(page, 'onboarding-qr-code');
    expect(device.uri).toContain('tanaka.hanako');
    // On a phone, the phone cannot scan its own screen: a link hands the same key to the app.
    const openApp = page.getByRole('link', { name: 'Open it in the authenticator app' });
    expect(await openApp.isVisible()).toBe(true);
    expect(await openApp.getAttribute('href')).toBe(device.uri);
    // Pressing the button brought the QR code into view.
    expect(await page.locator('#qr').isVisible()).toBe(true);
    const qrBox = await page.locator('#qr').boundingBox();
    expect(qrBox && qrBox.y + qrBox.height).toBeLessThanOrEqual(PHONE.height);
    await page.screenshot({ path: `${SCREENSHOTS}/2-qr-viewport.png` });
    await shot(page, '2-qr');

    const { code1, code2 } = await codeFields(page);
    const codes = consecutiveCodes(device.secret);
    await code1.fill(codes.code1);
    await code2.fill(codes.code2);
    await shot(page, '3-codes-typed');
    await code2.press('Enter');

    const done = page.getByRole('heading', { level: 1, name: 'MFA is set up' });
    await done.waitFor();
    // Submitting from the bottom of the form: the success heading is on the screen, focused.
    await expectSuccessAnnounced(page, 'MFA is set up');
    await page.screenshot({ path: `${SCREENSHOTS}/4-success-viewport.png` });
    await shot(page, '4-success');
    const serial = serialOf('tanaka.hanako');
    const consoleLink = page.getByRole('link', {
      name: 'https://example-corp.signin.aws.amazon.com/console',
    });
    expect(await consoleLink.getAttribute('href')).toBe(
      'https://example-corp.signin.aws.amazon.com/console',
    );
    expect(await page.locator('#cli-command').textContent()).toBe(
      `aws sts get-session-token --serial-number ${serial} --token-code <code>`,
    );
    expect(await page.locator('#serial').textContent()).toBe(serial);
    // On a phone these wrap, but never at a hyphen ("mfa-\nonboarding" reads as two words).
    await expectBreaksOnlyAtSlashColonOrSpace(page, '#serial', serial);
    await expectBreaksOnlyAtSlashColonOrSpace(
      page,
      '#cli-command',
      `aws sts get-session-token --serial-number ${serial} --token-code <code>`,
    );
    await expectBreaksOnlyAtSlashColonOrSpace(
      page,
      '#console-link',
      'https://example-corp.signin.aws.amazon.com/console',
      { mayFit: true },
    );
    // Each has a copy button that copies it exactly.
    const copied = async (name: string) => {
      await page.getByRole('button', { name }).click();
      await page.getByRole('status').filter({ hasText: 'Copied' }).first().waitFor();
      return page.evaluate(() => navigator.clipboard.readText());
    };
    expect(await copied('Copy the MFA device ARN')).toBe(serial);
    expect(await copied('Copy the command')).toBe(
      `aws sts get-session-token --serial-number ${serial} --token-code <code>`,
    );
    expect(await copied('Copy the sign-in URL')).toBe(
      'https://example-corp.signin.aws.amazon.com/console',
    );
    // The roles of `npm start`'s SWITCH_ROLES: a switch-role link each, and the CLI profiles.
    const ACCOUNT_ID = stack.emulator?.emulator.state.accountId;
    const developer = page.getByRole('link', { name: 'Developer', exact: true });
    expect(await developer.getAttribute('href')).toBe(
      `https://signin.aws.amazon.com/switchrole?account=${ACCOUNT_ID}&roleName=teams%2FDeveloper&displayName=Developer`,
    );
    expect(
      await page.getByRole('link', { name: 'Production (read-only)' }).getAttribute('href'),
    ).toBe(
      'https://signin.aws.amazon.com/switchrole?account=210987654321&roleName=ReadOnly&displayName=Production+%28read-only%29',
    );
    const awsConfig = [
      '[profile example-corp]',
      '# Your access keys: aws configure --profile example-corp',
      'region = us-east-1',
      '',
      '[profile dev]',
      `role_arn = arn:aws:iam::${ACCOUNT_ID}:role/teams/Developer`,
      'source_profile = example-corp',
      `mfa_serial = ${serial}`,
      'region = us-east-1',
      '',
      '[profile prod-readonly]',
      'role_arn = arn:aws:iam::210987654321:role/ReadOnly',
      'source_profile = example-corp',
      `mfa_serial = ${serial}`,
      'region = us-east-1',
      '',
    ].join('\n');
    expect(await page.locator('#aws-config').textContent()).toBe(awsConfig);
    expect(await copied('Copy the configuration')).toBe(awsConfig);
    await readmeScreenshot(page, 'onboarding-done');

    await expectEnrolled('tanaka.hanako', serial);

    // Neither the seed nor the invitation secret went to the log.
    const logText = logs.join('\n');
    expect(logText).toContain('enrollment.completed');
    expect(logText).not.toContain(device.secret);
    expect(logText).not.toContain(tokenSecret(url));
  });

  it('speaks Japanese to a Japanese browser, and switches to English on request', async () => {
    const userName = await newUser('e2e-ja');
    const { url } = await stack.issueInvitation(userName);
    const page = await newPage('ja-JP', { timezoneId: 'Asia/Tokyo' });
    await page.goto(url);

    await waitForIntro(page, INTRO_JA);
    expect(await page.locator('html').getAttribute('lang')).toBe('ja');
    expect(await page.title()).toBe('AWS 多要素認証 (MFA) の設定');
    expect(await page.locator('#intro-text').textContent()).toContain('IAM ユーザー e2e-ja');
    // The expiry names its time zone: the link may have been sent from another one.
    expect(await page.locator('#expiry-text').textContent()).toMatch(
      /^このリンクの有効期限は \d{4}年\d{1,2}月\d{1,2}日 \d{1,2}:\d{2} JST です。$/,
    );
    const japanese = page.getByRole('button', { name: '日本語' });
    const english = page.getByRole('button', { name: 'English' });
    expect(await japanese.getAttribute('aria-pressed')).toBe('true');
    await shot(page, 'ja-intro');

    await english.click();
    await waitForIntro(page, INTRO_EN);
    expect(await page.locator('html').getAttribute('lang')).toBe('en');
    expect(await page.locator('#intro-text').textContent()).toContain('IAM user e2e-ja');
    expect(await english.getAttribute('aria-pressed')).toBe('true');
    expect(await japanese.getAttribute('aria-pressed')).toBe('false');
    // Text filled in from the API and the formatted expiry date follow the switch too.
    expect(await page.locator('#expiry-text').textContent()).toMatch(
      /^This link works until [A-Z][a-z]{2} \d{1,2}, \d{4}, \d{1,2}:\d{2}\s[AP]M GMT\+9\.$/,
    );
    expect(await page.locator('#expiry-text').textContent()).not.toContain('年');
    expect(await page.title()).toBe('AWS MFA setup');

    // The choice sticks across a reload (the token is kept for the tab).
    await page.reload();
    await waitForIntro(page, INTRO_EN);
  });

  it('shows "This link can\'t be used" for a malformed, a replaced and an expired link', async () => {
    const userName = await newUser('e2e-invalid');
    const replaced = await stack.issueInvitation(userName);
    const current = await stack.issueInvitation(userName);

    // Expire the current link: rewrite the tag IAM holds with an expiry in the past.
    const user = await iam.send(new GetUserCommand({ UserName: userName }));
    const tag = user.User?.Tags?.find((t) => t.Key === INVITATION_TAG_KEY)?.Value;
    const record = decodeInvitationTag(tag);
    if (!record) throw new Error(`no invitation tag on ${userName}`);
    await iam.send(
      new TagUserCommand({
        UserName: userName,
        Tags: [
          {
            Key: INVITATION_TAG_KEY,
            Value: encodeInvitationTag({ ...record, expiresAt: new Date(Date.now() - 60_000) }),
          },
        ],
      }),
    );

    const base = new URL(current.url);
    const links = {
      malformed: `${base.origin}/onboard#not-a-token`,
      forged: `${base.origin}/onboard#${userName}.${'A'.repeat(43)}`,
      missing: `${base.origin}/onboard`,
      replaced: replaced.url,
      expired: current.url,
    };
    const page = await newPage('en-US');
    for (const [name, link] of Object.entries(links)) {
      await page.goto(link);
      const title = page.getByRole('heading', { level: 1, name: "This link can't be used" });
      await title.waitFor();
      expect(await page.locator('#invalid-message').textContent(), name).toContain(
        'Ask the person who sent it for a new one.',
      );
      expect(await page.locator('#enroll').isVisible(), name).toBe(false);
      if (name === 'expired') await shot(page, 'invalid-link');
      // Each case must start without the token the previous one left for the tab.
      await page.evaluate(() => sessionStorage.clear());
    }
  });

  it('works with the keyboard alone; wrong codes show an alert and keep the QR code', async () => {
    const userName = await newUser('e2e-keyboard');
    const { url } = await stack.issueInvitation(userName);
    const page = await newPage('en-US');
    await page.goto(url);
    await waitForIntro(page);

    const activeId = () => page.evaluate(() => document.activeElement?.id ?? '');
    const tabTo = async (id: string) => {
      for (let i = 0; i < 8 && (await activeId()) !== id; i++) await page.keyboard.press('Tab');
      expect(await activeId()).toBe(id);
    };

    await tabTo('show-qr');
    // A keyboard user must see where the focus is.
    const outline = await page.evaluate(() => {
      const s = getComputedStyle(document.activeElement as Element);
      return { style: s.outlineStyle, width: Number.parseFloat(s.outlineWidth) };
    });
    expect(outline.style).not.toBe('none');
    expect(outline.width).toBeGreaterThanOrEqual(2);
    await shot(page, 'keyboard-focus');
    await page.keyboard.press('Enter');
    const device = await readQrCode(page);

    await tabTo('code1');
    const wrong = staleCodes(device.secret);
    await page.keyboard.type(wrong.code1);
    // Six digits move the focus on to the second field.
    expect(await activeId()).toBe('code2');
    await page.keyboard.type(wrong.code2);
    await page.keyboard.press('Enter');

    const alert = page.getByRole('alert').filter({ hasText: 'Those codes were not accepted' });
    await alert.waitFor();
    expect(await alert.textContent()).toMatch(/Attempts left: 9\./);
    // On the phone, the message and the button to try again are both on the screen, whole.
    await page.screenshot({ path: `${SCREENSHOTS}/wrong-codes-viewport.png` });
    await expectFullyInView(page, '#codes-error');
    await expectFullyInView(page, '#submit-codes');
    await shot(page, 'wrong-codes');
    // The QR code is still there (same device), and the focus is back on the first field.
    expect(await readQrCode(page)).toEqual(device);
    expect(await activeId()).toBe('code1');
    const { code1, code2 } = await codeFields(page);
    expect(await code1.inputValue()).toBe('');
    expect(await code2.inputValue()).toBe('');

    const right = consecutiveCodes(device.secret);
    await page.keyboard.type(right.code1);
    await page.keyboard.type(right.code2);
    await page.keyboard.press('Enter');
    await page.getByRole('heading', { level: 1, name: 'MFA is set up' }).waitFor();
    // The success heading takes the focus, so a screen reader announces it.
    expect(await page.evaluate(() => document.activeElement?.id)).toBe('done-title');
    await expectSuccessAnnounced(page, 'MFA is set up');

    await expectEnrolled(userName, serialOf(userName));
  });

  it('keeps a long user name on the phone screen without breaking its ARN at a hyphen', async () => {
    // The last piece of the ARN, onboarding-<user>, is longer than a phone's line.
    const userName = await newUser('e2e-long.user-name-of-the-finance-department');
    const { url } = await stack.issueInvitation(userName);
    const page = await newPage('ja-JP');
    await page.goto(url);
    await waitForIntro(page, INTRO_JA);
    await page.locator('#show-qr').click();
    await page.locator('#qr svg').waitFor();
    const secret = ((await page.locator('#secret').textContent()) ?? '').replace(/\s+/g, '');
    const codes = consecutiveCodes(secret);
    await page.locator('#code1').fill(codes.code1);
    await page.locator('#code2').fill(codes.code2);
    await page.locator('#submit-codes').click();
    await page.getByRole('heading', { level: 1, name: 'MFA の設定が完了しました' }).waitFor();

    const serial = serialOf(userName);
    await expectBreaksOnlyAtSlashColonOrSpace(page, '#serial', serial);
    await expectBreaksOnlyAtSlashColonOrSpace(
      page,
      '#cli-command',
      `aws sts get-session-token --serial-number ${serial} --token-code <code>`,
    );
    // The page itself does not grow sideways (a phone would zoom it out): the ARN's box
    // scrolls instead, and can take the focus for it.
    expect(await page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(
      PHONE.width,
    );
    const serialBox = await page.locator('#serial').boundingBox();
    expect(serialBox && serialBox.x + serialBox.width).toBeLessThanOrEqual(PHONE.width);
    // The ~/.aws/config block keeps its lines, and wraps a long one only after a / or : or at
    // a space (the mfa_serial line of this name is longer than a phone's line).
    const awsConfig = (await page.locator('#aws-config').textContent()) ?? '';
    const rendered = await renderedLines(page, '#aws-config');
    expect(rendered.join('')).toBe(awsConfig);
    expect(rendered.length).toBeGreaterThan(awsConfig.split('\n').length);
    for (const [i, line] of rendered.slice(0, -1).entries()) {
      expect(
        /[/:\s]$/.test(line) || (rendered[i + 1] ?? '').startsWith(' '),
        `#aws-config breaks after ${JSON.stringify(line)}`,
      ).toBe(true);
    }
    await shot(page, 'success-long-name');
    await expectAccessible(page, 'success with a long user name');
  });

  it('has no WCAG 2.1 AA violation in any state, in Japanese and in English', async () => {
    for (const [locale, lang, titles] of [
      [
        'en-US',
        'en',
        {
          intro: INTRO_EN,
          invalid: "This link can't be used",
          wrongCodes:
            'Those codes were not accepted. Wait for a new code, then enter two consecutive codes. Attempts left: 9.',
          done: 'MFA is set up',
        },
      ],
      [
        'ja-JP',
        'ja',
        {
          intro: INTRO_JA,
          invalid: 'このリンクは使用できません',
          wrongCodes:
            'MFA コードが正しくありません。新しいコードが表示されるまで待ってから、連続する 2 つのコードを入力してください (残り\u00a09\u00a0回)。',
          done: 'MFA の設定が完了しました',
        },
      ],
    ] as const) {
      const userName = await newUser(`e2e-axe-${lang}`);
      const { url } = await stack.issueInvitation(userName);
      const page = await newPage(locale);

      await page.goto(`${new URL(url).origin}/onboard#not-a-token`);
      await page.getByRole('heading', { level: 1, name: titles.invalid }).waitFor();
      await expectAccessible(page, `invalid link (${lang})`);
      await page.evaluate(() => sessionStorage.clear());
      // Only the fragment differs: leave the page first, so the link loads it afresh.
      await page.goto('about:blank');
      await page.goto(url);
      await waitForIntro(page, titles.intro);
      await expectAccessible(page, `intro (${lang})`);

      await page.locator('#show-qr').click();
      await page.locator('#qr svg').waitFor();
      await page.locator('.manual summary').click();
      await expectAccessible(page, `QR code and setup key (${lang})`);
      const secret = ((await page.locator('#secret').textContent()) ?? '').replace(/\s+/g, '');

      const wrong = staleCodes(secret);
      await page.locator('#code1').fill(wrong.code1);
      await page.locator('#code2').fill(wrong.code2);
      await page.locator('#submit-codes').click();
      await page.locator('#codes-error').filter({ hasText: /\S/ }).waitFor();
      await expectAccessible(page, `wrong codes (${lang})`);
      expect(await page.locator('#codes-error').textContent()).toBe(titles.wrongCodes);
      await expectFullyInView(page, '#submit-codes');
      await page.screenshot({ path: `${SCREENSHOTS}/wrong-codes-viewport-${lang}.png` });

      const right = consecutiveCodes(secret);
      await page.locator('#code1').fill(right.code1);
      await page.locator('#code2').fill(right.code2);
      await page.locator('#submit-codes').click();
      await page.getByRole('heading', { level: 1, name: titles.done }).waitFor();
      await expectSuccessAnnounced(page, titles.done);
      await expectAccessible(page, `enrolled (${lang})`);
      await shot(page, `success-${lang}`);
      const serial = serialOf(userName);
      await expectBreaksOnlyAtSlashColonOrSpace(page, '#serial', serial);
      await context?.close();
      context = undefined;
    }
  });

  it('takes the token out of the address bar, never sends it in a URL, and breaks no CSP rule', async () => {
    const userName = await newUser('e2e-token');
    const { url } = await stack.issueInvitation(userName);
    const secret = tokenSecret(url);
    const page = await newPage('en-US');

    const requests: { url: string; referer?: string; authorization?: string }[] = [];
    page.on('request', (request) => {
      const headers = request.headers();
      requests.push({
        url: request.url(),
        referer: headers.referer,
        authorization: headers.authorization,
      });
    });
    const problems: string[] = [];
    page.on('console', (message) => {
      if (message.type() === 'error' || message.type() === 'warning')
        problems.push(`console.${message.type()}: ${message.text()}`);
    });
    page.on('pageerror', (error) => problems.push(`pageerror: ${error.message}`));
    // Init scripts run outside the page's CSP, so this sees every violation the page causes.
    await page.addInitScript(() => {
      document.addEventListener('securitypolicyviolation', (e) => {
        console.error(`CSP violation: ${e.violatedDirective} ${e.blockedURI}`);
      });
    });

    await page.goto(url);
    await waitForIntro(page);
    expect(await page.evaluate(() => location.hash)).toBe('');
    expect(page.url()).toBe(`${new URL(url).origin}/onboard`);

    await page.getByRole('button', { name: 'I have an app — show the QR code' }).click();
    const device = await readQrCode(page);
    const codes = consecutiveCodes(device.secret);
    const { code1, code2 } = await codeFields(page);
    await code1.fill(codes.code1);
    await code2.fill(codes.code2);
    await code2.press('Enter');
    await page.getByRole('heading', { level: 1, name: 'MFA is set up' }).waitFor();
    // Late arrivals (a favicon 404, say) are console errors too.
    await page.waitForLoadState('networkidle');
    // The link is spent: the page forgets the token.
    expect(await page.evaluate(() => sessionStorage.length)).toBe(0);

    const paths = requests.map((r) => new URL(r.url).pathname);
    expect(paths).toContain('/onboard');
    expect(paths).toContain('/api/enrollment');
    expect(paths).toContain('/api/enrollment/device');
    expect(paths).toContain('/api/enrollment/activate');
    for (const request of requests) {
      expect(request.url).not.toContain(secret);
      expect(request.referer ?? '').not.toContain(secret);
      // Only the API gets the bearer token, and only from the page's own origin.
      if (request.authorization) {
        expect(new URL(request.url).pathname).toMatch(/^\/api\//);
        expect(new URL(request.url).origin).toBe(new URL(url).origin);
      }
    }
    expect(requests.every((r) => new URL(r.url).origin === new URL(url).origin)).toBe(true);
    expect(problems).toEqual([]);
  });
});
