// Invitation tokens and the user tags that hold an invitation's state. Pure functions, no AWS.
// Why the state is split this way, and why it holds under concurrency: docs/invitation-state.md.
//
// Token: `<userName>.<secret>`, the secret 256 bits from the CSPRNG in base64url. IAM user names
// may contain dots; the secret never does, so the token splits at its last dot.
//
// Tags (every key starts with SERVICE_TAG_PREFIX, the only keys the roles may write):
// - `mfa-onboarding:invitation` = `v2:<id>:<sha256(secret)>:<expiresAt epoch s>[:finish][:renewal]`,
//   the identity; `:finish` marks a link that may only finish the force-MFA group step, `:renewal`
//   one the scheduled run issued to renew an expiring link (it is never renewed again). Written
//   only by issue (TagUser), revoke and success (UntagUser). Tags without `:renewal` (all written
//   before it existed) decode as they always did.
// - `mfa-onboarding:attempt:<id>:<nonce>` = `<epoch s>`, one per code submission that may reach
//   EnableMFADevice. Each request writes a key of its own, so no write can undo another; the
//   attempts of an invitation are the number of its keys.

import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import {
  ATTEMPT_TAG_PREFIX,
  INVITATION_TAG_KEY,
  SERVICE_TAG_PREFIX,
  USER_NAME_PATTERN,
} from '../config.ts';

const SECRET_BYTES = 32;
const SECRET_PATTERN = /^[A-Za-z0-9_-]{43}$/;
/** 72 random bits: unique among one user's invitations, short enough for a tag key. */
const ID_BYTES = 9;
const NONCE_BYTES = 9;

export type Tags = Record<string, string>;

export interface ParsedToken {
  userName: string;
  secret: string;
}

/** What the identity tag says: which invitation is current, and until when. */
export interface InvitationRecord {
  id: string;
  secretHash: string;
  expiresAt: Date;
  /** Issued to finish an enrollment whose device is enabled: no device, no code check. */
  finishOnly: boolean;
  /**
   * Issued by the scheduled run to renew a link about to expire: the end of its chain, never
   * renewed again (docs/invitation-state.md, "Renewal by the scheduled run").
   */
  renewal: boolean;
}

export function newInvitation(
  userName: string,
  expiresAt: Date,
  finishOnly = false,
  renewal = false,
): { token: string; record: InvitationRecord } {
  const secret = randomBytes(SECRET_BYTES).toString('base64url');
  const id = randomBytes(ID_BYTES).toString('base64url');
  return {
    token: `${userName}.${secret}`,
    record: { id, secretHash: hashSecret(secret), expiresAt, finishOnly, renewal },
  };
}

export function parseToken(token: string): ParsedToken | undefined {
  const dot = token.lastIndexOf('.');
  if (dot <= 0) return undefined;
  const userName = token.slice(0, dot);
  const secret = token.slice(dot + 1);
  if (!USER_NAME_PATTERN.test(userName) || !SECRET_PATTERN.test(secret)) return undefined;
  return { userName, secret };
}

export function hashSecret(secret: string): string {
  return createHash('sha256').update(secret, 'utf8').digest('base64url');
}

/** Compares the hash of a presented secret with the stored one in constant time. */
export function secretMatches(secret: string, storedHash: string): boolean {
  const presented = Buffer.from(hashSecret(secret), 'utf8');
  const stored = Buffer.from(storedHash, 'utf8');
  return presented.length === stored.length && timingSafeEqual(presented, stored);
}

export function encodeInvitationTag(record: InvitationRecord): string {
  const expires = Math.floor(record.expiresAt.getTime() / 1000);
  const flags = `${record.finishOnly ? ':finish' : ''}${record.renewal ? ':renewal' : ''}`;
  return `v2:${record.id}:${record.secretHash}:${expires}${flags}`;
}

export function decodeInvitationTag(value: string | undefined): InvitationRecord | undefined {
  const m = /^v2:([A-Za-z0-9_-]{12}):([A-Za-z0-9_-]{43}):(\d{1,12})(:finish)?(:renewal)?$/.exec(
    value ?? '',
  );
  if (!m) return undefined;
  return {
    id: m[1] as string,
    secretHash: m[2] as string,
    expiresAt: new Date(Number(m[3]) * 1000),
    finishOnly: m[4] !== undefined,
    renewal: m[5] !== undefined,
  };
}

/** The current invitation in a user's tags, if any (expired or not). */
export function invitationIn(tags: Tags): InvitationRecord | undefined {
  return decodeInvitationTag(tags[INVITATION_TAG_KEY]);
}

export type InvitationState = 'pending' | 'expired' | 'locked';

export interface InvitationStatus {
  record: InvitationRecord;
  /** Expiry first: a link that has both expired and run out of attempts reads as expired. */
  state: InvitationState;
  attemptsRemaining: number;
}

/**
 * Where the current invitation in a user's tags stands, if there is one: the one definition of
 * pending, expired and locked that user status, the report and the sweeper share.
 */
export function invitationStatus(
  tags: Tags,
  maxCodeAttempts: number,
  now: Date,
): InvitationStatus | undefined {
  const record = invitationIn(tags);
  if (!record) return undefined;
  const attemptsRemaining = Math.max(0, maxCodeAttempts - attemptsOf(tags, record.id));
  const state: InvitationState =
    record.expiresAt.getTime() <= now.getTime()
      ? 'expired'
      : attemptsRemaining === 0
        ? 'locked'
        : 'pending';
  return { record, state, attemptsRemaining };
}

/** A fresh attempt-reservation key of this invitation: no other request will ever write it. */
export function newAttemptKey(invitationId: string): string {
  return `${ATTEMPT_TAG_PREFIX}${invitationId}:${randomBytes(NONCE_BYTES).toString('base64url')}`;
}

/** The invitation an attempt key belongs to, or undefined for any other key. */
function attemptOwner(key: string): string | undefined {
  if (!key.startsWith(ATTEMPT_TAG_PREFIX)) return undefined;
  return key.slice(ATTEMPT_TAG_PREFIX.length).split(':')[0];
}

/** Attempts reserved so far for this invitation (every request's key counts once). */
export function attemptsOf(tags: Tags, invitationId: string): number {
  return Object.keys(tags).filter((key) => attemptOwner(key) === invitationId).length;
}

/** Attempt keys of any invitation but this one (left by earlier invitations): safe to remove. */
export function staleAttemptKeys(tags: Tags, currentId: string | undefined): string[] {
  return Object.keys(tags).filter((key) => {
    const owner = attemptOwner(key);
    return owner !== undefined && owner !== currentId;
  });
}

/** The invitation's keys on the user: the identity and every attempt key (of any invitation). */
export function invitationTagKeys(tags: Tags): string[] {
  return Object.keys(tags).filter(
    (key) => key === INVITATION_TAG_KEY || key.startsWith(ATTEMPT_TAG_PREFIX),
  );
}

/** Every key this service writes that is present on the user. */
export function serviceTagKeys(tags: Tags): string[] {
  return Object.keys(tags).filter((key) => key.startsWith(SERVICE_TAG_PREFIX));
}

/** Tags on the user that are not the service's (HR's, the IdP's, cost allocation, ...). */
export function foreignTagCount(tags: Tags): number {
  return Object.keys(tags).length - serviceTagKeys(tags).length;
}
