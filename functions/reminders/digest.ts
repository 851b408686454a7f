// The digest a scheduled run posts to chat: where the account stands (the compliance report's
// summary), who is still without MFA and for how long, the links about to expire, the half-finished
// enrollments, the exemptions about to end, and what this run did. A Slack-compatible payload
// (`text` for notifications, `blocks` for the message), built from the run's one read of the
// account. Pure.
//
// It names users, never a link or a token, and shows addresses masked (maskEmailAddress).

import type { ComplianceReport } from '../admin/schemas.ts';
import type { AuthorizedUser } from '../aws/iam-inventory.ts';
import type { Config } from '../config.ts';
import { emailAddressOf, maskEmailAddress } from '../delivery/email.ts';
import { isUnderUserPath } from '../invitations/invitations.ts';
import { invitationStatus } from '../invitations/token.ts';
import { RENEW_WITHIN_MS } from './renewal.ts';

/** Users listed per section; the rest are counted ("and N more"). */
export const DIGEST_LIST_CAP = 20;
/** Exemptions ending within this are listed. */
export const EXEMPTION_ENDING_WITHIN_MS = 7 * 86_400_000;
const DAY_MS = 86_400_000;
/** Slack refuses a section's text over 3000 characters. */
const SECTION_TEXT_LIMIT = 2_900;

/** What the run did, by user name. */
export interface RunOutcome {
  invited: string[];
  renewed: string[];
  failed: string[];
  /** Users selected but not reached in the run's time (the next run takes them). */
  deferred: string[];
}

export interface DigestInput {
  config: Config;
  report: ComplianceReport;
  /** The listing the report was made from: each user's tags (address, invitation). */
  detailed: AuthorizedUser[];
  outcome: RunOutcome;
  /** The account as people know it (accountLabel of delivery/email.ts). */
  accountLabel: string;
  now: Date;
}

export interface DigestPayload {
  text: string;
  blocks: SlackBlock[];
}

type SlackBlock =
  | { type: 'header'; text: { type: 'plain_text'; text: string } }
  | { type: 'section'; text: { type: 'mrkdwn'; text: string } }
  | { type: 'context'; elements: { type: 'mrkdwn'; text: string }[] };

export function digestPayload(input: DigestInput): DigestPayload {
  const { report, outcome, now } = input;
  const s = report.summary;
  const byName = new Map(input.detailed.map((u) => [u.userName, u]));
  const address = (userName: string) => {
    const user = byName.get(userName);
    const to = user && emailAddressOf(input.config, user.tags);
    return to ? maskEmailAddress(to) : 'no address';
  };
  const did = (userName: string) =>
    outcome.invited.includes(userName)
      ? 'invited today'
      : outcome.renewed.includes(userName)
        ? 'link renewed today'
        : outcome.failed.includes(userName)
          ? 'email failed today'
          : undefined;

  // Console users first (they can sign in without MFA), then the longest waiting.
  const lacking = [...report.users].sort(
    (a, b) =>
      Number(b.consoleAccess !== false) - Number(a.consoleAccess !== false) ||
      a.createDate.localeCompare(b.createDate) ||
      a.userName.localeCompare(b.userName),
  );
  const lackingLines = lacking.map((u) => {
    const state =
      did(u.userName) ??
      (u.invitation?.state === 'pending'
        ? `link pending until ${day(u.invitation.expiresAt)}`
        : u.invitation?.state === 'expired'
          ? 'link expired'
          : 'not invited');
    const access = u.consoleAccess === false ? 'no console' : 'console';
    return `• ${user(u.userName)} (${address(u.userName)}, ${access}): waiting ${waitingDays(u.createDate, now)}, ${state}`;
  });

  const expiring = input.detailed
    .filter((u) => isUnderUserPath(input.config, u) && !outcome.renewed.includes(u.userName))
    .flatMap((u) => {
      const status = invitationStatus(u.tags, input.config.maxCodeAttempts, now);
      if (status?.state !== 'pending') return [];
      const left = status.record.expiresAt.getTime() - now.getTime();
      if (left > RENEW_WITHIN_MS) return [];
      return [{ userName: u.userName, left, renewal: status.record.renewal }];
    })
    .sort((a, b) => a.left - b.left || a.userName.localeCompare(b.userName));
  const expiringLines = expiring.map(
    (e) =>
      `• ${user(e.userName)} (${address(e.userName)}): expires in ${hours(e.left)}${
        e.renewal ? ', renewed once already' : did(e.userName) ? `, ${did(e.userName)}` : ''
      }`,
  );

  const halfLines = report.mfaOutsideForceMfaGroup.map(
    (u) => `• ${user(u.userName)} (${address(u.userName)}): MFA on, not in the force-MFA group`,
  );

  const ending = report.exempt
    .filter(
      (e) =>
        e.until !== null &&
        new Date(e.until).getTime() - now.getTime() <= EXEMPTION_ENDING_WITHIN_MS,
    )
    .sort((a, b) => (a.until ?? '').localeCompare(b.until ?? ''));
  const endingLines = ending.map(
    (e) => `• ${user(e.userName)}: ends ${day(e.until ?? '')} (${mrkdwn(shorten(e.reason, 80))})`,
  );

  const didLine = `Invited ${outcome.invited.length}, renewed ${outcome.renewed.length}, failed ${outcome.failed.length}${
    outcome.deferred.length > 0 ? `, ${outcome.deferred.length} left for the next run` : ''
  }.`;
  const summaryLines = [
    `*${s.withoutMfa}* of ${s.totalUsers} users without MFA (${s.withoutMfaConsole} with console access)`,
    `${s.withMfa} with MFA, ${s.exempt} exempt, ${s.consoleUsers} console users`,
    `Links: ${s.pendingInvitations} pending, ${s.expiredInvitations} expired`,
    `${s.mfaOutsideForceMfaGroup} with MFA outside the force-MFA group`,
  ];

  const blocks: SlackBlock[] = [
    {
      type: 'header',
      text: { type: 'plain_text', text: shorten(`MFA onboarding: ${input.accountLabel}`, 150) },
    },
    section(summaryLines.join('\n')),
    section(`*This run*\n${didLine}`),
    section(listed('Users without MFA', lackingLines, 'Nobody: every user has MFA or is exempt.')),
  ];
  if (expiringLines.length > 0)
    blocks.push(section(listed('Links expiring within a day', expiringLines)));
  if (halfLines.length > 0) blocks.push(section(listed('Half-finished enrollments', halfLines)));
  if (endingLines.length > 0)
    blocks.push(section(listed('Exemptions ending within 7 days', endingLines)));
  blocks.push({
    type: 'context',
    elements: [{ type: 'mrkdwn', text: `Account read at ${report.generatedAt}` }],
  });

  return {
    text: `MFA onboarding (${input.accountLabel}): ${s.withoutMfa} users without MFA (${s.withoutMfaConsole} console). ${didLine}`,
    blocks,
  };
}

function listed(title: string, lines: string[], none?: string): string {
  if (lines.length === 0) return `*${title}*\n${none ?? 'None.'}`;
  const shown = lines.slice(0, DIGEST_LIST_CAP);
  const more = lines.length - shown.length;
  return `*${title}* (${lines.length})\n${shown.join('\n')}${more > 0 ? `\n…and ${more} more` : ''}`;
}

function section(text: string): SlackBlock {
  return { type: 'section', text: { type: 'mrkdwn', text: shorten(text, SECTION_TEXT_LIMIT) } };
}

/** Slack's mrkdwn treats &, < and > as markup: escaped as its docs say. */
function mrkdwn(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

const user = (userName: string) => `\`${mrkdwn(userName)}\``;

function shorten(text: string, max: number): string {
  return text.length <= max ? text : `${text.slice(0, max - 1)}…`;
}

const day = (iso: string) => iso.slice(0, 10);

function waitingDays(createDate: string, now: Date): string {
  const days = Math.max(0, Math.floor((now.getTime() - new Date(createDate).getTime()) / DAY_MS));
  return days === 1 ? '1 day' : `${days} days`;
}

function hours(ms: number): string {
  const h = Math.max(0, Math.floor(ms / 3_600_000));
  return h === 0 ? 'under an hour' : h === 1 ? '1 hour' : `${h} hours`;
}
