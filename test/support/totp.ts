// The codes a person reads off an authenticator app, computed from a device's base32 seed with
// the emulator's RFC 6238 implementation (local/emulator/totp.ts). Tests and benchmarks take
// their codes from here; tests of the emulator's window and replay rules, which need codes of
// particular steps, use that module's steps directly.

import { totpAt, totpCode, totpStep } from '../../local/emulator/totp.ts';

/** Two consecutive codes as the onboarding API takes them. */
export interface CodePair {
  code1: string;
  code2: string;
}

/** The pair an authenticator shows at `at` (default now): the previous step's code, then the current one. */
export function consecutiveCodes(secret: string, at: Date | number = new Date()): CodePair {
  const step = totpStep(at);
  return { code1: totpCode(secret, step - 1), code2: totpCode(secret, step) };
}

/** The pair shown an hour ago: well-formed, but outside any window IAM accepts now. */
export function staleCodes(secret: string): CodePair {
  return consecutiveCodes(secret, Date.now() - 3_600_000);
}

/** `consecutiveCodes` as the members of IAM's EnableMFADevice and ResyncMFADevice. */
export function authenticationCodes(
  secret: string,
  at: Date | number = new Date(),
): { AuthenticationCode1: string; AuthenticationCode2: string } {
  const { code1, code2 } = consecutiveCodes(secret, at);
  return { AuthenticationCode1: code1, AuthenticationCode2: code2 };
}

/** The one code shown at `at` (default now), as STS's TokenCode takes it. */
export function currentCode(secret: string, at: Date | number = new Date()): string {
  return totpAt(secret, at);
}
