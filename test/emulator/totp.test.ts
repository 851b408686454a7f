// The emulator's base32 and TOTP against the RFCs' own test vectors.

import { describe, expect, it } from 'vitest';
import {
  base32Decode,
  base32Encode,
  hotp,
  matchCode,
  matchConsecutivePair,
  totpAt,
  totpCode,
  totpStep,
} from '../../local/emulator/totp.ts';

const ascii = (text: string) => Buffer.from(text, 'ascii');

describe('base32 (RFC 4648 §10 test vectors)', () => {
  const vectors: [string, string][] = [
    ['', ''],
    ['f', 'MY======'],
    ['fo', 'MZXQ===='],
    ['foo', 'MZXW6==='],
    ['foob', 'MZXW6YQ='],
    ['fooba', 'MZXW6YTB'],
    ['foobar', 'MZXW6YTBOI======'],
  ];

  it.each(vectors)('encodes %j as %s, without padding', (plain, encoded) => {
    expect(base32Encode(ascii(plain))).toBe(encoded.replace(/=+$/, ''));
  });

  it.each(vectors)('decodes %j from %s, with or without padding', (plain, encoded) => {
    expect(base32Decode(encoded).toString('ascii')).toBe(plain);
    expect(base32Decode(encoded.replace(/=+$/, '')).toString('ascii')).toBe(plain);
  });

  it('decodes lower case and ignores whitespace, as authenticator apps do', () => {
    expect(base32Decode('mzxw 6ytb oi').toString('ascii')).toBe('foobar');
  });

  it('round-trips random bytes of every length up to 64', () => {
    for (let n = 0; n <= 64; n++) {
      const bytes = Buffer.from(Array.from({ length: n }, (_, i) => (i * 73 + n * 31) & 0xff));
      expect(base32Decode(base32Encode(bytes)).equals(bytes)).toBe(true);
    }
  });

  it('encodes a 40-byte seed as 64 characters', () => {
    expect(base32Encode(new Uint8Array(40).fill(0xa5))).toHaveLength(64);
  });

  it('rejects characters outside the alphabet', () => {
    expect(() => base32Decode('MZXW1')).toThrow(/invalid base32/);
  });
});

describe('HOTP (RFC 4226 Appendix D)', () => {
  const secret = ascii('12345678901234567890');
  const expected = [
    '755224',
    '287082',
    '359152',
    '969429',
    '338314',
    '254676',
    '287922',
    '162583',
    '399871',
    '520489',
  ];

  it.each(expected.map((code, counter) => [counter, code]))(
    'gives %i → %s with SHA-1 and six digits',
    (counter, code) => {
      expect(hotp(secret, counter)).toBe(code);
    },
  );
});

describe('TOTP (RFC 6238 Appendix B)', () => {
  const seeds = {
    sha1: ascii('12345678901234567890'),
    sha256: ascii('12345678901234567890123456789012'),
    sha512: ascii('1234567890123456789012345678901234567890123456789012345678901234'),
  };
  // [unix seconds, SHA-1, SHA-256, SHA-512], eight digits.
  const vectors: [number, string, string, string][] = [
    [59, '94287082', '46119246', '90693936'],
    [1111111109, '07081804', '68084774', '25091201'],
    [1111111111, '14050471', '67062674', '99943326'],
    [1234567890, '89005924', '91819424', '93441116'],
    [2000000000, '69279037', '90698825', '38618901'],
    [20000000000, '65353130', '77737706', '47863826'],
  ];

  it.each(vectors)('at T=%i gives %s (SHA-1), %s (SHA-256), %s (SHA-512)', (t, s1, s256, s512) => {
    const step = totpStep(t * 1000);
    expect(hotp(seeds.sha1, step, 8, 'sha1')).toBe(s1);
    expect(hotp(seeds.sha256, step, 8, 'sha256')).toBe(s256);
    expect(hotp(seeds.sha512, step, 8, 'sha512')).toBe(s512);
  });

  it('uses 30-second steps counted from the Unix epoch', () => {
    expect(totpStep(0)).toBe(0);
    expect(totpStep(29_999)).toBe(0);
    expect(totpStep(30_000)).toBe(1);
    expect(totpStep(new Date(1111111109 * 1000))).toBe(0x23523ec);
  });

  it('computes six-digit codes from a base32 seed (the last six digits of the 8-digit value)', () => {
    const seed = base32Encode(seeds.sha1);
    expect(totpCode(seed, totpStep(59_000))).toBe('287082');
    expect(totpAt(seed, 1111111109 * 1000)).toBe('081804');
  });
});

describe('matchConsecutivePair', () => {
  const seed = base32Encode(ascii('12345678901234567890'));
  const now = new Date(1_700_000_000_000);
  const step = totpStep(now);
  const code = (s: number) => totpCode(seed, s);

  it('accepts the previous and the current code, returning the later step', () => {
    expect(matchConsecutivePair(seed, code(step - 1), code(step), now, 2)).toBe(step);
  });

  it('accepts a pair that starts up to the window away from now', () => {
    expect(matchConsecutivePair(seed, code(step + 2), code(step + 3), now, 2)).toBe(step + 3);
    expect(matchConsecutivePair(seed, code(step - 3), code(step - 2), now, 2)).toBe(step - 2);
  });

  it('rejects pairs outside the window', () => {
    expect(matchConsecutivePair(seed, code(step - 10), code(step - 9), now, 2)).toBeUndefined();
    expect(matchConsecutivePair(seed, code(step + 3), code(step + 4), now, 2)).toBeUndefined();
  });

  it('rejects equal, swapped and non-consecutive codes', () => {
    expect(matchConsecutivePair(seed, code(step), code(step), now, 2)).toBeUndefined();
    expect(matchConsecutivePair(seed, code(step), code(step - 1), now, 2)).toBeUndefined();
    expect(matchConsecutivePair(seed, code(step - 2), code(step), now, 2)).toBeUndefined();
  });

  it('rejects a pair that reuses a code at or before the last used step (a replay)', () => {
    expect(matchConsecutivePair(seed, code(step - 1), code(step), now, 2, step)).toBeUndefined();
    expect(matchConsecutivePair(seed, code(step), code(step + 1), now, 2, step)).toBeUndefined();
    expect(matchConsecutivePair(seed, code(step + 1), code(step + 2), now, 2, step)).toBe(step + 2);
  });

  it('matchCode finds a single code within the window and past the last used step', () => {
    expect(matchCode(seed, code(step - 1), now, 2)).toBe(step - 1);
    expect(matchCode(seed, code(step - 5), now, 2)).toBeUndefined();
    expect(matchCode(seed, code(step), now, 2, step)).toBeUndefined();
  });
});
