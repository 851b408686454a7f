// An MFA exemption (a reason, and an optional end) in IAM user tags. Pure functions, no AWS.
// Why it stays consistent under concurrent writes: docs/invitation-state.md, "Exemptions".
//
// IAM tag values take only `[\p{L}\p{Z}\p{N}_.:/=+\-@]*`, at most 256 characters
// (docs/iam-facts.md §2.1), so a reason such as 「本番CI用、MFA不可。」 or one with an emoji or a
// quote cannot be stored as it is. It is encoded, reversibly, in whichever of two forms is
// shorter:
// - `p` (plain): letters and digits of the Basic Multilingual Plane and `_ . : / - @` as they
//   are, a space as `+`, every other UTF-16 unit (punctuation, `+`, `=`, emoji halves...) as
//   `=` and four hex digits. Readable in the IAM console.
// - `b`: the UTF-16 units (little-endian) in base64url. At most 534 characters for 200 units.
// Both use only BMP characters, so IAM's 256-character limit means the same whether it counts
// code points or UTF-16 units, and both round-trip any JavaScript string exactly.
//
// Tags, all written by one TagUser (atomic for its keys), the head overwriting the previous one:
// - `mfa-onboarding:exemption` = `x1:<write>:<tags>:<until, epoch ms, or empty>:<p|b>:<data…>`
// - `mfa-onboarding:exemption:<write>:<i>` = the rest of the data, 256 characters a tag, for
//   i = 1 … tags - 1.
// `<write>` is random per write, so a write never reuses another write's spill keys: a reader
// takes the head and exactly the spill keys it names, so it never mixes two writes; spill keys
// no head names are leftovers of a write already overwritten (staleExemptionKeys).

import { randomBytes } from 'node:crypto';
import { EXEMPTION_TAG_KEY } from '../config.ts';

export type Tags = Record<string, string>;

export interface Exemption {
  reason: string;
  /** When the exemption ends; null: until removed. */
  until: Date | null;
}

/** An exemption as stored: which write made it, and every key it occupies. */
export interface ExemptionRecord extends Exemption {
  writeId: string;
  keys: string[];
}

/** The longest reason the API accepts, in UTF-16 units (as valibot and JSON.length count). */
export const MAX_REASON_LENGTH = 200;
/** The most tags an exemption of a reason up to MAX_REASON_LENGTH takes (tested). */
export const MAX_EXEMPTION_TAGS = 3;

const VALUE_MAX = 256;
/** 40 random bits in lower-case hex: IAM compares tag keys ignoring case. */
const WRITE_ID_BYTES = 5;
const SPILL_PREFIX = `${EXEMPTION_TAG_KEY}:`;
const HEAD = /^x1:([0-9a-f]{10}):([1-9]):(\d{0,15}):([pb]):/;
const SPILL_KEY = /^([0-9a-f]{10}):([1-9])$/;

export function newWriteId(): string {
  return randomBytes(WRITE_ID_BYTES).toString('hex');
}

/** The tags of one write of this exemption: the head and its spill tags, if any. */
export function exemptionTags(e: Exemption, writeId: string = newWriteId()): Tags {
  if (!/^[0-9a-f]{10}$/.test(writeId)) throw new RangeError('writeId must be 10 hex digits');
  const plain = encodePlain(e.reason);
  const wide = encodeWide(e.reason);
  // Plain unless longer; and only if no normalization could change it (IAM is not known to
  // normalize, but plain text is the only form a normalization could touch).
  const [format, data] =
    plain.length <= wide.length && plain.normalize('NFC') === plain
      ? (['p', plain] as const)
      : (['b', wide] as const);
  const until = e.until === null ? '' : String(e.until.getTime());
  const header = (tags: number) => `x1:${writeId}:${tags}:${until}:${format}:`;
  const headRoom = VALUE_MAX - header(1).length;
  const tags = 1 + Math.ceil(Math.max(0, data.length - headRoom) / VALUE_MAX);
  if (tags > 9) throw new RangeError('reason too long for an exemption');
  const out: Tags = { [EXEMPTION_TAG_KEY]: header(tags) + data.slice(0, headRoom) };
  for (let i = 1; i < tags; i++) {
    const from = headRoom + (i - 1) * VALUE_MAX;
    out[spillKey(writeId, i)] = data.slice(from, from + VALUE_MAX);
  }
  return out;
}

/**
 * The user's current exemption: undefined when there is none, when it has ended (`until` at or
 * before `now`), or when its tags are not a complete write of this format (never a mix).
 */
export function exemptionOf(
  tags: Record<string, string>,
  now: Date,
): { reason: string; until: Date | null } | undefined {
  const record = exemptionRecord(tags);
  if (!record) return undefined;
  if (record.until !== null && record.until.getTime() <= now.getTime()) return undefined;
  return { reason: record.reason, until: record.until };
}

/** The exemption the head names, ended or not; undefined if absent or unreadable. */
export function exemptionRecord(tags: Tags): ExemptionRecord | undefined {
  const head = tags[EXEMPTION_TAG_KEY];
  const m = head === undefined ? null : HEAD.exec(head);
  if (!head || !m) return undefined;
  const [prefix, writeId = '', count, until = '', format] = m;
  const keys = [EXEMPTION_TAG_KEY];
  let data = head.slice(prefix.length);
  for (let i = 1; i < Number(count); i++) {
    const key = spillKey(writeId, i);
    const part = tags[key];
    if (part === undefined) return undefined;
    keys.push(key);
    data += part;
  }
  const reason = format === 'p' ? decodePlain(data) : decodeWide(data);
  if (reason === undefined) return undefined;
  const ms = until === '' ? null : Number(until);
  if (ms !== null && !Number.isSafeInteger(ms)) return undefined;
  return { reason, until: ms === null ? null : new Date(ms), writeId, keys };
}

/** Every exemption key on the user: the head and any spill tag, current or left over. */
export function exemptionKeys(tags: Tags): string[] {
  return Object.keys(tags).filter((key) => key === EXEMPTION_TAG_KEY || isSpillKey(key));
}

/**
 * Spill tags the head of these same tags does not name: left by writes that an exemption write
 * or a removal has since overwritten, which can never be current again, so anyone who read them
 * may remove them. None while the head is one this version cannot read (a newer format's
 * spill tags are not ours to judge).
 */
export function staleExemptionKeys(tags: Tags): string[] {
  const head = tags[EXEMPTION_TAG_KEY];
  let current: string | undefined;
  if (head !== undefined) {
    const m = HEAD.exec(head);
    if (!m) return [];
    current = m[1];
  }
  return Object.keys(tags).filter((key) => {
    if (!isSpillKey(key)) return false;
    return SPILL_KEY.exec(key.slice(SPILL_PREFIX.length))?.[1] !== current;
  });
}

const spillKey = (writeId: string, i: number) => `${SPILL_PREFIX}${writeId}:${i}`;
const isSpillKey = (key: string) => key.startsWith(SPILL_PREFIX);

// --- the two encodings -------------------------------------------------------------------------

const AS_IS = /^[\p{L}\p{N}_.:/@-]$/u;

function encodePlain(text: string): string {
  let out = '';
  for (let i = 0; i < text.length; i++) {
    const unit = text.charCodeAt(i);
    const char = text[i] as string;
    if (char === ' ') out += '+';
    else if ((unit < 0xd800 || unit > 0xdfff) && AS_IS.test(char)) out += char;
    else out += `=${unit.toString(16).toUpperCase().padStart(4, '0')}`;
  }
  return out;
}

function decodePlain(data: string): string | undefined {
  let out = '';
  for (let i = 0; i < data.length; i++) {
    const char = data[i] as string;
    if (char === '+') out += ' ';
    else if (char === '=') {
      const hex = data.slice(i + 1, i + 5);
      if (!/^[0-9A-F]{4}$/.test(hex)) return undefined;
      out += String.fromCharCode(Number.parseInt(hex, 16));
      i += 4;
    } else out += char;
  }
  return out;
}

function encodeWide(text: string): string {
  return Buffer.from(text, 'utf16le').toString('base64url');
}

function decodeWide(data: string): string | undefined {
  // base64url without padding: 4 characters per 3 bytes, and whole UTF-16 units.
  if (!/^[A-Za-z0-9_-]*$/.test(data) || data.length % 4 === 1) return undefined;
  const bytes = Buffer.from(data, 'base64url');
  if (bytes.length % 2 !== 0 || bytes.toString('base64url') !== data) return undefined;
  return bytes.toString('utf16le');
}
