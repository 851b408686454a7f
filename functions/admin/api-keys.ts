// API keys for HR tooling and admins. A key is 256 random bits (base64url) with a recognisable
// prefix so secret scanners can spot a leaked one. The service holds only SHA-256 hashes, each
// with a name and scopes; several can be configured at once, so keys rotate without downtime.

import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';

export const SCOPES = [
  'invitations:write',
  'users:read',
  'compliance:read',
  'exemptions:write',
  'enforcement:write',
  'mfa:reset',
] as const;
export type Scope = (typeof SCOPES)[number];

export interface ApiKeyEntry {
  name: string;
  scopes: Scope[];
  /** Hex SHA-256 of the key. */
  sha256: string;
}

const KEY_PREFIX = 'mfaob_';

export function newApiKey(): { key: string; sha256: string } {
  const key = `${KEY_PREFIX}${randomBytes(32).toString('base64url')}`;
  return { key, sha256: hashApiKey(key) };
}

export function hashApiKey(key: string): string {
  return createHash('sha256').update(key, 'utf8').digest('hex');
}

/** The configured key matching the presented one; every entry is compared, in constant time. */
export function findApiKey(
  entries: readonly ApiKeyEntry[],
  presented: string,
): ApiKeyEntry | undefined {
  const digest = Buffer.from(hashApiKey(presented), 'hex');
  let found: ApiKeyEntry | undefined;
  for (const entry of entries) {
    const stored = Buffer.from(entry.sha256, 'hex');
    if (stored.length === digest.length && timingSafeEqual(stored, digest)) found ??= entry;
  }
  return found;
}

/**
 * Parses the API_KEYS setting: a JSON array of `{"name","scopes":[…],"sha256":"<64 hex>"}`.
 * Throws an Error naming the problem (never echoing a hash).
 */
export function parseApiKeys(text: string | undefined): ApiKeyEntry[] {
  if (text === undefined || text.trim() === '') return [];
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    throw new Error('must be a JSON array of {"name","scopes","sha256"} objects');
  }
  if (!Array.isArray(value)) throw new Error('must be a JSON array');
  return value.map((item: unknown, i) => {
    const entry = item as Partial<Record<keyof ApiKeyEntry, unknown>>;
    if (typeof entry?.name !== 'string' || !/^[\w.@-]{1,64}$/.test(entry.name)) {
      throw new Error(`entry ${i}: name must be 1-64 of letters, digits and _.@-`);
    }
    if (typeof entry.sha256 !== 'string' || !/^[0-9a-f]{64}$/.test(entry.sha256)) {
      throw new Error(`entry ${i} (${entry.name}): sha256 must be 64 lower-case hex digits`);
    }
    const scopes = entry.scopes;
    if (
      !Array.isArray(scopes) ||
      scopes.length === 0 ||
      !scopes.every((s) => (SCOPES as readonly string[]).includes(s))
    ) {
      throw new Error(
        `entry ${i} (${entry.name}): scopes must be a non-empty list of ${SCOPES.join(', ')}`,
      );
    }
    return { name: entry.name, scopes: scopes as Scope[], sha256: entry.sha256 };
  });
}
