// RFC 4648 base32 and RFC 6238 TOTP (HMAC-SHA-1, 6 digits, 30 s steps: the parameters an
// authenticator app assumes for AWS's otpauth URIs, which name none; docs/iam-facts.md §4).
// Also used by tests to compute codes from a device's seed.

import { createHmac } from 'node:crypto';

const ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567';
export const TOTP_STEP_SECONDS = 30;

export function base32Encode(bytes: Uint8Array): string {
  let out = '';
  let buffer = 0;
  let bits = 0;
  for (const byte of bytes) {
    buffer = (buffer << 8) | byte;
    bits += 8;
    while (bits >= 5) {
      out += ALPHABET[(buffer >>> (bits - 5)) & 31];
      bits -= 5;
    }
  }
  if (bits > 0) out += ALPHABET[(buffer << (5 - bits)) & 31];
  return out;
}

export function base32Decode(text: string): Buffer {
  const clean = text.replace(/[\s=]/g, '').toUpperCase();
  const bytes: number[] = [];
  let buffer = 0;
  let bits = 0;
  for (const ch of clean) {
    const value = ALPHABET.indexOf(ch);
    if (value === -1) throw new Error('invalid base32 character');
    buffer = ((buffer << 5) | value) & 0xffff;
    bits += 5;
    if (bits >= 8) {
      bytes.push((buffer >>> (bits - 8)) & 0xff);
      bits -= 8;
    }
  }
  return Buffer.from(bytes);
}

/** RFC 4226 HOTP with a configurable hash and digit count (RFC 6238's vectors use 8 digits). */
export function hotp(
  key: Uint8Array,
  counter: number,
  digits = 6,
  algorithm: 'sha1' | 'sha256' | 'sha512' = 'sha1',
): string {
  const message = Buffer.alloc(8);
  message.writeBigUInt64BE(BigInt(counter));
  const mac = createHmac(algorithm, key).update(message).digest();
  const offset = (mac[mac.length - 1] as number) & 0x0f;
  const binary = mac.readUInt32BE(offset) & 0x7fffffff;
  return String(binary % 10 ** digits).padStart(digits, '0');
}

/** The TOTP time step (counter) of a moment. */
export function totpStep(at: Date | number): number {
  const ms = typeof at === 'number' ? at : at.getTime();
  return Math.floor(ms / 1000 / TOTP_STEP_SECONDS);
}

/** The six-digit code a device with this base32 seed shows at the given step. */
export function totpCode(seedBase32: string, step: number): string {
  return hotp(base32Decode(seedBase32), step);
}

/** The code shown at a moment (what an authenticator app displays). */
export function totpAt(seedBase32: string, at: Date | number): string {
  return totpCode(seedBase32, totpStep(at));
}

/**
 * Finds step t with code1 = TOTP(t) and code2 = TOTP(t + 1), t within `window` steps of now
 * (either code of the pair may fall in the window), and t past `lastUsedStep` so an accepted
 * pair cannot be replayed. Returns t + 1 (the step to remember as used), or undefined.
 */
export function matchConsecutivePair(
  seedBase32: string,
  code1: string,
  code2: string,
  now: Date,
  window: number,
  lastUsedStep?: number,
): number | undefined {
  if (code1 === code2) return undefined;
  const key = base32Decode(seedBase32);
  const current = totpStep(now);
  for (let t = current - window - 1; t <= current + window; t++) {
    if (lastUsedStep !== undefined && t <= lastUsedStep) continue;
    if (hotp(key, t) === code1 && hotp(key, t + 1) === code2) return t + 1;
  }
  return undefined;
}

/** Finds the step of a single code within `window` steps of now and past `lastUsedStep`. */
export function matchCode(
  seedBase32: string,
  code: string,
  now: Date,
  window: number,
  lastUsedStep?: number,
): number | undefined {
  const key = base32Decode(seedBase32);
  const current = totpStep(now);
  for (let t = current - window; t <= current + window; t++) {
    if (lastUsedStep !== undefined && t <= lastUsedStep) continue;
    if (hotp(key, t) === code) return t;
  }
  return undefined;
}
