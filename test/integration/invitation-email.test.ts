// The onboarding mail as composed (functions/delivery/email.ts), pure: both languages in both
// parts, the expiry in UTC and JST, everything escaped in HTML, nothing remote or scripted; and
// the address helpers (masking, reading the tag).

import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../functions/config.ts';
import {
  composeInvitationEmail,
  emailAddressOf,
  expiryText,
  type InvitationEmail,
  maskEmailAddress,
} from '../../functions/delivery/email.ts';

const URL_ =
  'https://onboarding.example.com/onboard#tanaka.Abc_def-0123456789abcdefghijABCDEFGHIJ0123456';

const email = (overrides: Partial<InvitationEmail> = {}): InvitationEmail => ({
  to: 'tanaka@example.com',
  userName: 'tanaka',
  url: URL_,
  expiresAt: new Date('2026-12-04T09:00:00Z'),
  accountLabel: 'example-corp (123456789012)',
  finishOnly: false,
  kind: 'invitation',
  ...overrides,
});

describe('composeInvitationEmail', () => {
  it('writes the subject in Japanese, then English', () => {
    expect(composeInvitationEmail(email()).subject).toBe(
      '【要対応】AWS の MFA デバイスを設定してください / Action required: set up an MFA device for AWS',
    );
  });

  it('says, in Japanese first and then in English, who it is for, what to do, and until when', () => {
    const { text, html } = composeInvitationEmail(email());
    for (const part of [text, html]) {
      const ja = part.indexOf('IAM ユーザー「tanaka」');
      const en =
        part.indexOf('IAM user &quot;tanaka&quot;') >= 0
          ? part.indexOf('IAM user &quot;tanaka&quot;')
          : part.indexOf('IAM user "tanaka"');
      expect(ja).toBeGreaterThanOrEqual(0);
      expect(en).toBeGreaterThan(ja);
      expect(part).toContain('AWS アカウント example-corp (123456789012)');
      expect(part).toContain('AWS account example-corp (123456789012)');
      expect(part).toContain('認証アプリ');
      expect(part).toContain('MFA デバイスを登録してください');
      expect(part).toContain('authenticator app');
      expect(part).toContain('2026-12-04 18:00 JST（09:00 UTC）');
      expect(part).toContain('2026-12-04 09:00 UTC (18:00 JST)');
      expect(part).toContain('あなた専用です');
      expect(part).toContain('1 回だけ');
      expect(part).toContain('for you alone and works once');
      expect(part).toContain(URL_);
      expect(part).not.toContain('以前お送りしたリンク');
    }
    expect(html.indexOf('lang="ja"')).toBeLessThan(html.indexOf('lang="en"'));
  });

  it('says a renewal replaces the earlier link', () => {
    const { subject, text, html } = composeInvitationEmail(email({ kind: 'renewal' }));
    expect(subject).toBe(
      '【新しいリンク】AWS の MFA デバイスを設定してください / New link: set up an MFA device for AWS',
    );
    for (const part of [text, html]) {
      expect(part).toContain('以前お送りしたリンクに代わるものです');
      expect(part).toContain('replaces the one we sent you earlier');
    }
  });

  it('asks only for the last step of a finish-only link, with no authenticator app', () => {
    const { subject, text } = composeInvitationEmail(email({ finishOnly: true }));
    expect(subject).toBe('AWS の MFA 設定を完了してください / Finish setting up MFA for AWS');
    expect(text).toContain('MFA デバイスはすでに有効になっています');
    expect(text).toContain('already active');
    expect(text).not.toContain('認証アプリ');
  });

  it('escapes a hostile user name and account alias everywhere in the HTML', () => {
    const hostile = email({
      userName: '<img src=x onerror=alert(1)>',
      accountLabel: '"><script>alert(1)</script> (123456789012)',
      url: `${URL_}"><script>x</script>`,
    });
    const { html, text } = composeInvitationEmail(hostile);
    expect(html).not.toMatch(/<img|<script|<\/script|<[^>]*onerror/i);
    expect(html).toContain('&lt;img src=x onerror=alert(1)&gt;');
    expect(html).toContain('&quot;&gt;&lt;script&gt;alert(1)&lt;/script&gt;');
    // The plain-text part carries them as they are: text is never rendered as markup.
    expect(text).toContain('<img src=x onerror=alert(1)>');
  });

  it('holds no remote content, no script and no style sheet: inline styles and one kind of link', () => {
    const { html } = composeInvitationEmail(email());
    expect(html).not.toMatch(/<img|<script|<style|<link|<iframe|<form|src=|url\(|javascript:/i);
    const hrefs = [...html.matchAll(/href="([^"]*)"/g)].map((m) => m[1]);
    expect(hrefs).toEqual([URL_, URL_]);
    expect(html).toContain(`<a href="${URL_}"`);
    // The URL also as text, for clients that do not follow the button.
    expect(html).toMatch(new RegExp(`>${URL_.replace(/[.#]/g, '\\$&')}</p>`));
    // Every style attribute is well formed (no quote of its own inside).
    for (const [, style] of html.matchAll(/style="([^"]*)"/g)) expect(style).not.toContain('"');
  });
});

describe('expiryText', () => {
  it('gives the other zone its date when it is another day', () => {
    const at = new Date('2026-12-04T20:30:59Z');
    expect(expiryText(at, 'en')).toBe('2026-12-04 20:30 UTC (2026-12-05 05:30 JST)');
    expect(expiryText(at, 'ja')).toBe('2026-12-05 05:30 JST（2026-12-04 20:30 UTC）');
  });

  it('never shows a time after the real expiry (minutes are cut)', () => {
    expect(expiryText(new Date('2026-12-04T09:00:59Z'), 'en')).toBe(
      '2026-12-04 09:00 UTC (18:00 JST)',
    );
  });
});

describe('maskEmailAddress', () => {
  it.each([
    ['tanaka@example.com', 't***@example.com'],
    ['t@example.com', 't***@example.com'],
    ['田中@example.jp', '田***@example.jp'],
    ['"a@b"@example.com', '"***@example.com'],
    ['no-at-sign', '***'],
  ])('masks %s as %s', (address, masked) => {
    expect(maskEmailAddress(address)).toBe(masked);
  });
});

describe('emailAddressOf', () => {
  const config = loadConfig({});

  it('reads the EMAIL_TAG_KEY tag whatever the case of its key, trimmed', () => {
    expect(emailAddressOf(config, { Email: '  sato@example.jp ' })).toBe('sato@example.jp');
    expect(emailAddressOf(config, { email: 'sato@example.jp', team: 'x' })).toBe('sato@example.jp');
  });

  it('reads another tag when EMAIL_TAG_KEY names it', () => {
    const custom = loadConfig({ EMAIL_TAG_KEY: 'hr:mail' });
    expect(emailAddressOf(custom, { 'HR:Mail': 'a@example.com', email: 'b@example.com' })).toBe(
      'a@example.com',
    );
  });

  it.each([
    ['no tag', {}],
    ['an empty value', { email: ' ' }],
    ['no @', { email: 'tanaka' }],
    ['a space inside', { email: 'tanaka sato@example.com' }],
    ['no dotted domain', { email: 'tanaka@localhost' }],
    ['too long', { email: `${'a'.repeat(320)}@example.com` }],
  ])('finds none with %s', (_, tags: Record<string, string>) => {
    expect(emailAddressOf(config, tags)).toBeUndefined();
  });
});
