// Onboarding links by email: the message (one mail, Japanese first, then English, in both its
// plain-text and HTML parts), where a user's address comes from (their EMAIL_TAG_KEY tag), how an
// address is shown in answers and logs (masked), and the Mailer that sends through SES v2
// (aws/ses.ts), its failures in the product's terms (DeliveryError). Used by the admin routes
// (invitations/deliver.ts) and the scheduled reminders; never by the onboarding function.
//
// The link is a secret: it goes into the mail and nowhere else (never a log line, never an
// answer). Facts about SES this relies on (verified senders, throttling as TooManyRequests 429):
// docs/ses-facts.md §4-§5.

import type { SESv2Client } from '@aws-sdk/client-sesv2';
import type { RetryOptions } from '../aws/retry.ts';
import { SesError, sendEmail } from '../aws/ses.ts';
import { type Config, EMAIL_ADDRESS_PATTERN } from '../config.ts';
import { DeliveryError } from '../errors.ts';

export { DeliveryError } from '../errors.ts';

export interface InvitationEmail {
  to: string;
  userName: string;
  url: string;
  expiresAt: Date;
  /** The account as people know it: its alias and id (accountLabel), or the id alone. */
  accountLabel: string;
  /** The link only finishes an enrollment (the device is on; the group step is left). */
  finishOnly: boolean;
  /** `renewal`: this link replaces one sent earlier. */
  kind: 'invitation' | 'renewal';
}

export interface ComposedEmail {
  subject: string;
  text: string;
  html: string;
}

/** SES's limit on an address (RFC 5321's 254 for a path is stricter; SES takes 320). */
const MAX_ADDRESS_LENGTH = 320;

/** "example-corp (123456789012)", or the id alone for an account without an alias. */
export function accountLabel(alias: string | undefined, accountId: string): string {
  return alias ? `${alias} (${accountId})` : accountId;
}

/** "t***@example.com": the first character of the local part, then ***; the domain as it is. */
export function maskEmailAddress(address: string): string {
  const at = address.lastIndexOf('@');
  if (at < 0) return '***';
  const first = Array.from(address.slice(0, at))[0] ?? '';
  return `${first}***${address.slice(at)}`;
}

/**
 * The user's address: the tag named EMAIL_TAG_KEY (IAM tag keys are unique ignoring case, so
 * `Email` is `email`), trimmed, if it is an address SES would take; otherwise undefined.
 */
export function emailAddressOf(config: Config, tags: Record<string, string>): string | undefined {
  const wanted = config.emailTagKey.toLowerCase();
  const key = Object.keys(tags).find((k) => k.toLowerCase() === wanted);
  const value = key === undefined ? undefined : tags[key]?.trim();
  return value !== undefined && isEmailAddress(value) ? value : undefined;
}

export function isEmailAddress(value: string): boolean {
  return value.length <= MAX_ADDRESS_LENGTH && EMAIL_ADDRESS_PATTERN.test(value);
}

export interface Mailer {
  /** Sends one message from the configured sender; throws DeliveryError. */
  send(message: { to: string; subject: string; text: string; html: string }): Promise<void>;
}

/**
 * A Mailer over SES v2 from `config.senderEmail`: throttling and 5xx retried until `deadline`
 * (epoch ms; leave the caller time for what follows a failure), then `email_unavailable`; a
 * refusal is `email_rejected`; a failure after a try SES may have accepted is
 * `email_unconfirmed` (the mail may be in the mailbox: its link must stay).
 */
export function sesMailer(
  ses: SESv2Client,
  config: Config,
  options: { deadline: number; delays?: Omit<RetryOptions, 'deadline' | 'pace'> },
): Mailer {
  return {
    async send(message) {
      try {
        await sendEmail(
          ses,
          { from: config.senderEmail, ...message },
          { ...options.delays, deadline: options.deadline },
        );
      } catch (error) {
        if (!(error instanceof SesError)) throw error;
        if (error.kind === 'rejected') {
          throw new DeliveryError(
            'email_rejected',
            `Amazon SES refused to send the email (${error.awsCode}). Check the sender's SES identity and the account's sending status.`,
            { cause: error },
          );
        }
        if (error.kind === 'unconfirmed') {
          throw new DeliveryError(
            'email_unconfirmed',
            'Amazon SES did not confirm the email, so it may have been sent: the link it carries stays valid. Sending again replaces it with a new link.',
            { cause: error },
          );
        }
        throw new DeliveryError(
          'email_unavailable',
          'Amazon SES is busy right now, so the email was not sent. Please try again shortly.',
          { cause: error },
        );
      }
    },
  };
}

// --- The message ---------------------------------------------------------------------------

const JST_OFFSET_MS = 9 * 3_600_000;

/** `YYYY-MM-DD` and `HH:MM` of an instant shifted by `offsetMs` (UTC fields after the shift). */
function dateAndTime(at: Date, offsetMs: number): { date: string; time: string } {
  const iso = new Date(at.getTime() + offsetMs).toISOString();
  return { date: iso.slice(0, 10), time: iso.slice(11, 16) };
}

/**
 * "2026-12-04 09:00 UTC (18:00 JST)" in English, "2026-12-04 18:00 JST（09:00 UTC）" in Japanese;
 * the second zone's date is written out when it is another day. Minutes are cut, not rounded:
 * the time shown is never after the real expiry.
 */
export function expiryText(at: Date, lang: 'ja' | 'en'): string {
  const utc = dateAndTime(at, 0);
  const jst = dateAndTime(at, JST_OFFSET_MS);
  if (lang === 'en') {
    const other = jst.date === utc.date ? jst.time : `${jst.date} ${jst.time}`;
    return `${utc.date} ${utc.time} UTC (${other} JST)`;
  }
  const other = utc.date === jst.date ? utc.time : `${utc.date} ${utc.time}`;
  return `${jst.date} ${jst.time} JST（${other} UTC）`;
}

interface Copy {
  subject: string;
  intro: string;
  steps: string[];
  button: string;
  urlLabel: string;
  expiry: string;
  personal: string;
  renewal?: string;
  notExpected: string;
}

function japanese(email: InvitationEmail): Copy {
  const { userName, accountLabel: account } = email;
  return {
    subject: email.finishOnly
      ? 'AWS の MFA 設定を完了してください'
      : email.kind === 'renewal'
        ? '【新しいリンク】AWS の MFA デバイスを設定してください'
        : '【要対応】AWS の MFA デバイスを設定してください',
    intro: `このメールは、AWS アカウント ${account} の IAM ユーザー「${userName}」をお使いの方にお送りしています。`,
    steps: email.finishOnly
      ? [
          'MFA デバイスはすでに有効になっています。残りは最後の手順だけです。',
          '下のリンクを開き、画面の案内に従って設定を完了してください。',
        ]
      : [
          'スマートフォンなどに認証アプリ（Google Authenticator、Microsoft Authenticator など）を用意してください。',
          '下のリンクを開き、画面の案内に従って MFA デバイスを登録してください。',
        ],
    button: email.finishOnly ? '設定を完了する' : 'MFA デバイスを設定する',
    urlLabel: 'ボタンが開かない場合は、次の URL をブラウザーに貼り付けてください。',
    expiry: `このリンクの有効期限は ${expiryText(email.expiresAt, 'ja')}です。`,
    personal:
      'このリンクはあなた専用です。使えるのは 1 回だけで、設定が完了すると無効になります。他の人に転送しないでください。',
    renewal:
      email.kind === 'renewal'
        ? 'このリンクは、以前お送りしたリンクに代わるものです。以前のリンクは使えなくなりました。'
        : undefined,
    notExpected:
      'お心当たりがない場合は、このメールを破棄し、社内の AWS 管理者にお知らせください。',
  };
}

function english(email: InvitationEmail): Copy {
  const { userName, accountLabel: account } = email;
  return {
    subject: email.finishOnly
      ? 'Finish setting up MFA for AWS'
      : email.kind === 'renewal'
        ? 'New link: set up an MFA device for AWS'
        : 'Action required: set up an MFA device for AWS',
    intro: `This message is for the person who uses the IAM user "${userName}" in the AWS account ${account}.`,
    steps: email.finishOnly
      ? [
          'Your MFA device is already active; one last step is left.',
          'Open the link below and follow the steps on the page to finish.',
        ]
      : [
          'Have an authenticator app ready on your phone or computer (for example Google Authenticator or Microsoft Authenticator).',
          'Open the link below and follow the steps on the page to register your MFA device.',
        ],
    button: email.finishOnly ? 'Finish setting up MFA' : 'Set up your MFA device',
    urlLabel: 'If the button does not open, paste this address into your browser:',
    expiry: `The link expires on ${expiryText(email.expiresAt, 'en')}.`,
    personal:
      'The link is for you alone and works once: it stops working when you have finished. Do not forward it.',
    renewal:
      email.kind === 'renewal'
        ? 'This link replaces the one we sent you earlier, which no longer works.'
        : undefined,
    notExpected: 'If you did not expect this message, delete it and tell your AWS administrator.',
  };
}

/** The whole mail: the subject in both languages, Japanese first in each part. */
export function composeInvitationEmail(email: InvitationEmail): ComposedEmail {
  const ja = japanese(email);
  const en = english(email);
  // A header may not carry line breaks; IAM names cannot, but the subject is safe whatever comes.
  const subject = `${ja.subject} / ${en.subject}`.replace(/[\r\n\t]+/g, ' ');
  return {
    subject,
    text: `${textPart(ja, email.url)}\n\n----------------------------------------\n\n${textPart(en, email.url)}\n`,
    html: htmlDocument(subject, [htmlPart(ja, 'ja', email.url), htmlPart(en, 'en', email.url)]),
  };
}

function textPart(copy: Copy, url: string): string {
  return [
    copy.intro,
    '',
    ...copy.steps.map((step, i) => `${i + 1}. ${step}`),
    '',
    url,
    '',
    copy.expiry,
    copy.personal,
    ...(copy.renewal ? [copy.renewal] : []),
    '',
    copy.notExpected,
  ].join('\n');
}

/** Text for HTML: every character that could open markup or leave an attribute is escaped. */
export function escapeHtml(value: string): string {
  return value.replace(
    /[&<>"'`]/g,
    (ch) =>
      ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;', '`': '&#96;' })[
        ch
      ] as string,
  );
}

// Inline styles only (mail clients drop <style> and never load remote CSS); no images, no scripts.
const STYLE = {
  body: "margin:0;padding:24px;background:#f4f5f7;font-family:-apple-system,BlinkMacSystemFont,'Segoe UI','Hiragino Sans',Meiryo,sans-serif;color:#1f2328;line-height:1.7;",
  card: 'max-width:600px;margin:0 auto 24px;padding:24px;background:#ffffff;border:1px solid #d0d7de;border-radius:8px;',
  p: 'margin:0 0 12px;',
  ol: 'margin:0 0 16px;padding-left:24px;',
  button:
    'display:inline-block;padding:10px 20px;background:#0b5cad;color:#ffffff;text-decoration:none;border-radius:6px;font-weight:bold;',
  url: 'margin:8px 0 16px;font-family:Menlo,Consolas,monospace;font-size:13px;word-break:break-all;color:#1f2328;',
  small: 'margin:16px 0 0;font-size:13px;color:#57606a;',
};

function htmlPart(copy: Copy, lang: 'ja' | 'en', url: string): string {
  const e = escapeHtml;
  const href = e(url);
  return [
    `<div lang="${lang}" style="${STYLE.card}">`,
    `<p style="${STYLE.p}">${e(copy.intro)}</p>`,
    `<ol style="${STYLE.ol}">${copy.steps.map((s) => `<li>${e(s)}</li>`).join('')}</ol>`,
    `<p style="${STYLE.p}"><a href="${href}" style="${STYLE.button}">${e(copy.button)}</a></p>`,
    `<p style="${STYLE.p}">${e(copy.urlLabel)}</p>`,
    `<p style="${STYLE.url}">${href}</p>`,
    `<p style="${STYLE.p}"><strong>${e(copy.expiry)}</strong></p>`,
    `<p style="${STYLE.p}">${e(copy.personal)}</p>`,
    ...(copy.renewal ? [`<p style="${STYLE.p}">${e(copy.renewal)}</p>`] : []),
    `<p style="${STYLE.small}">${e(copy.notExpected)}</p>`,
    '</div>',
  ].join('\n');
}

function htmlDocument(subject: string, parts: string[]): string {
  return [
    '<!doctype html>',
    '<html lang="ja">',
    '<head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">',
    `<title>${escapeHtml(subject)}</title></head>`,
    `<body style="${STYLE.body}">`,
    ...parts,
    '</body>',
    '</html>',
    '',
  ].join('\n');
}
