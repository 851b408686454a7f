// Every setting of both functions, read once from the environment at cold start. A missing or
// malformed value fails fast with a message naming the variable.

import { type ApiKeyEntry, parseApiKeys } from './admin/api-keys.ts';
import { parseSwitchRoles, type SwitchRole } from './enrollment/switch-roles.ts';
import { partitionOfRegion } from './partition.ts';

export interface Config {
  /** Origin (and optional path) the onboarding page is served from, without a trailing slash. */
  publicBaseUrl: string;
  /** The group whose policy denies everything but MFA self-management until MFA is used. */
  forceMfaGroup: string;
  /** Only users whose IAM path starts with this can be invited or enrolled. */
  userPathPrefix: string;
  /** IAM path of the virtual MFA devices this service creates (its own, so its role can be scoped). */
  mfaDevicePath: string;
  invitationTtlHours: number;
  /** Failed code submissions allowed per invitation before it is locked. */
  maxCodeAttempts: number;
  /** Hashes and scopes of the admin API's keys (admin function only). */
  apiKeys: ApiKeyEntry[];
  /** The function's region (Lambda's AWS_REGION): the SDK clients and the CLI profiles use it. */
  region: string;
  /** Roles employees may switch into with MFA, handed over after enrollment (SWITCH_ROLES). */
  switchRoles: SwitchRole[];
  /** The SES identity links are emailed from; SendEmail is allowed from it alone. */
  senderEmail: string;
  /** The user tag holding an employee's email address (`"delivery": "email"`). */
  emailTagKey: string;
  /** Scheduled runs invite users without MFA by email (AUTO_INVITE=true). */
  autoInvite: boolean;
  /** How old (days since CreateDate) a user must be before a scheduled run invites them. */
  autoInviteAfterDays: number;
  /** Slack-compatible incoming webhook the scheduled digest is posted to (a secret: from SSM). */
  digestWebhookUrl?: string;
  /**
   * The reminders function's own role (REMINDERS_ROLE_NAME): its tags hold the run's lease and
   * the day the digest was last posted (functions/reminders/ledger.ts). Unset: neither is kept.
   */
  remindersRoleName?: string;
}

/** IAM's rule for user names: 1–64 of letters, digits and +=,.@_- (docs/iam-facts.md). */
export const USER_NAME_PATTERN = /^[\w+=,.@-]{1,64}$/;

export const MAX_INVITATION_TTL_HOURS = 30 * 24;
/** Every user tag the service writes starts with this; its roles may write no other key. */
export const SERVICE_TAG_PREFIX = 'mfa-onboarding:';
export const INVITATION_TAG_KEY = `${SERVICE_TAG_PREFIX}invitation`;
export const ATTEMPT_TAG_PREFIX = `${SERVICE_TAG_PREFIX}attempt:`;
/** An exemption from MFA: its head tag; longer reasons spill into `…exemption:<write>:<n>` keys. */
export const EXEMPTION_TAG_KEY = `${SERVICE_TAG_PREFIX}exemption`;
/** IAM's quota of tags per user (docs/invitation-state.md, "Tag budget"). */
export const TAGS_PER_USER = 50;
/**
 * Each attempt is a tag of its own, so the limit must leave room under IAM's 50 tags per user
 * for the identity tag and the user's own tags.
 */
export const MAX_CODE_ATTEMPTS_LIMIT = 20;

export class ConfigError extends Error {
  override name = 'ConfigError';
}

type Env = Record<string, string | undefined>;

export function loadConfig(env: Env = process.env): Config {
  const region = read(env, 'AWS_REGION') ?? 'us-east-1';
  return {
    publicBaseUrl: url(env, 'PUBLIC_BASE_URL', 'http://localhost:3000'),
    forceMfaGroup: iamName(env, 'FORCE_MFA_GROUP', 'force-mfa'),
    userPathPrefix: iamPath(env, 'USER_PATH_PREFIX', '/', false),
    mfaDevicePath: iamPath(env, 'MFA_DEVICE_PATH', '/mfa-onboarding/', true),
    invitationTtlHours: integer(env, 'INVITATION_TTL_HOURS', 72, 1, MAX_INVITATION_TTL_HOURS),
    maxCodeAttempts: integer(env, 'MAX_CODE_ATTEMPTS', 10, 1, MAX_CODE_ATTEMPTS_LIMIT),
    apiKeys: apiKeys(env, 'API_KEYS'),
    region,
    switchRoles: switchRoles(env, 'SWITCH_ROLES', region),
    senderEmail: emailAddress(env, 'SENDER_EMAIL', DEFAULT_SENDER_EMAIL),
    emailTagKey: tagKey(env, 'EMAIL_TAG_KEY', 'email'),
    autoInvite: flag(env, 'AUTO_INVITE', false),
    autoInviteAfterDays: integer(env, 'AUTO_INVITE_AFTER_DAYS', 3, 0, 365),
    digestWebhookUrl: optionalUrl(env, 'DIGEST_WEBHOOK_URL'),
    remindersRoleName:
      read(env, 'REMINDERS_ROLE_NAME') === undefined
        ? undefined
        : iamName(env, 'REMINDERS_ROLE_NAME', ''),
  };
}

/** The sender `npm start` verifies in its emulator; deployments set their own verified one. */
export const DEFAULT_SENDER_EMAIL = 'onboarding@example.com';

/** One @ between a non-empty local part and a dotted domain, no spaces: what SES accepts. */
export const EMAIL_ADDRESS_PATTERN = /^[^\s@]+@[^\s@]+\.[^\s@]+$/;

function emailAddress(env: Env, name: string, fallback: string): string {
  const value = read(env, name) ?? fallback;
  if (!EMAIL_ADDRESS_PATTERN.test(value) || value.length > 320)
    throw new ConfigError(`${name} must be an email address, got "${value}"`);
  return value;
}

/** IAM's tag key rule: 1–128 of letters, digits, spaces and _.:/=+-@ (docs/iam-facts.md). */
function tagKey(env: Env, name: string, fallback: string): string {
  const value = read(env, name) ?? fallback;
  if (!/^[\p{L}\p{Z}\p{N}_.:/=+\-@]{1,128}$/u.test(value) || value.toLowerCase().startsWith('aws:'))
    throw new ConfigError(`${name} must be an IAM tag key, got "${value}"`);
  return value;
}

function flag(env: Env, name: string, fallback: boolean): boolean {
  const raw = read(env, name);
  if (raw === undefined) return fallback;
  if (raw !== 'true' && raw !== 'false')
    throw new ConfigError(`${name} must be "true" or "false", got "${raw}"`);
  return raw === 'true';
}

/** An https URL (a secret: the message never echoes it). */
function optionalUrl(env: Env, name: string): string | undefined {
  const raw = read(env, name);
  if (raw === undefined) return undefined;
  let parsed: URL | undefined;
  try {
    parsed = new URL(raw);
  } catch {
    parsed = undefined;
  }
  if (!parsed || (parsed.protocol !== 'https:' && parsed.protocol !== 'http:'))
    throw new ConfigError(`${name} must be an http(s) URL`);
  return raw;
}

function switchRoles(env: Env, name: string, region: string): SwitchRole[] {
  try {
    return parseSwitchRoles(read(env, name), partitionOfRegion(region));
  } catch (error) {
    throw new ConfigError(`${name} ${(error as Error).message}`);
  }
}

function apiKeys(env: Env, name: string): ApiKeyEntry[] {
  try {
    return parseApiKeys(read(env, name));
  } catch (error) {
    throw new ConfigError(`${name} ${(error as Error).message}`);
  }
}

function read(env: Env, name: string): string | undefined {
  const value = env[name]?.trim();
  return value === '' ? undefined : value;
}

function url(env: Env, name: string, fallback: string): string {
  const value = read(env, name) ?? fallback;
  let parsed: URL;
  try {
    parsed = new URL(value);
  } catch {
    throw new ConfigError(`${name} must be an absolute URL, got "${value}"`);
  }
  if (parsed.protocol !== 'https:' && parsed.protocol !== 'http:') {
    throw new ConfigError(`${name} must be an http(s) URL, got "${value}"`);
  }
  if (parsed.search || parsed.hash)
    throw new ConfigError(`${name} must not have a query or fragment`);
  return value.replace(/\/+$/, '');
}

function iamName(env: Env, name: string, fallback: string): string {
  const value = read(env, name) ?? fallback;
  if (!/^[\w+=,.@-]{1,128}$/.test(value)) {
    throw new ConfigError(
      `${name} must be an IAM name (1-128 of letters, digits and +=,.@_-), got "${value}"`,
    );
  }
  return value;
}

/** IAM paths start and end with `/`; a prefix only has to start with one. */
function iamPath(env: Env, name: string, fallback: string, mustEndWithSlash: boolean): string {
  const value = read(env, name) ?? fallback;
  const ok = mustEndWithSlash
    ? /^(\/|\/[\u0021-\u007E]+\/)$/.test(value) && value.length <= 512
    : /^\/[\u0021-\u007F]*$/.test(value) && value.length <= 512;
  if (!ok) {
    throw new ConfigError(
      `${name} must be an IAM path${mustEndWithSlash ? ' starting and ending with /' : ' prefix starting with /'}, got "${value}"`,
    );
  }
  return value;
}

function integer(env: Env, name: string, fallback: number, min: number, max: number): number {
  const raw = read(env, name);
  if (raw === undefined) return fallback;
  if (!/^\d+$/.test(raw) || Number(raw) < min || Number(raw) > max) {
    throw new ConfigError(`${name} must be a whole number from ${min} to ${max}, got "${raw}"`);
  }
  return Number(raw);
}
