// Invitation tokens and the user tag that records them. Pure functions, no AWS.
//
// Token: `<userName>.<secret>`, the secret 256 bits from the CSPRNG in base64url. Only
// sha256(secret) is stored, in one user tag: `v1:<hash>:<expiresAt epoch s>:<failed attempts>`.
// IAM user names may contain dots; the secret never does, so the token splits at its last dot.

import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';

const SECRET_BYTES = 32;
const SECRET_PATTERN = /^[A-Za-z0-9_-]{43}$/;
const USER_NAME_PATTERN = /^[\w+=,.@-]{1,64}$/;

export interface ParsedToken {
  userName: string;
  secret: string;
}

export interface InvitationRecord {
  secretHash: string;
  expiresAt: Date;
  failedAttempts: number;
}

export function newToken(userName: string): { token: string; secretHash: string } {
  const secret = randomBytes(SECRET_BYTES).toString('base64url');
  return { token: `${userName}.${secret}`, secretHash: hashSecret(secret) };
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
  return `v1:${record.secretHash}:${expires}:${record.failedAttempts}`;
}

export function decodeInvitationTag(value: string | undefined): InvitationRecord | undefined {
  const m = /^v1:([A-Za-z0-9_-]{43}):(\d{1,12}):(\d{1,4})$/.exec(value ?? '');
  if (!m) return undefined;
  return {
    secretHash: m[1] as string,
    expiresAt: new Date(Number(m[2]) * 1000),
    failedAttempts: Number(m[3]),
  };
}
