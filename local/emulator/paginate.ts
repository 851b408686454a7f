// IAM list pagination: MaxItems (default 100, max 1000) and an opaque Marker that is present
// only when the page is truncated. The SDK paginators loop while a Marker is present, so a
// Marker on the last page would loop for ever (docs/iam-facts.md §1.2).
//
// The marker encodes the sort key of the last item returned, so a page boundary stays valid
// when items are added or removed between calls.

import { validationError } from './errors.ts';
import { el, type XmlNode } from './xml.ts';

export interface Page<T> {
  items: T[];
  isTruncated: boolean;
  marker?: string;
}

export const DEFAULT_MAX_ITEMS = 100;

function encodeMarker(key: string): string {
  return Buffer.from(JSON.stringify({ after: key }), 'utf8').toString('base64');
}

function decodeMarker(marker: string): string {
  try {
    const parsed: unknown = JSON.parse(Buffer.from(marker, 'base64').toString('utf8'));
    if (
      parsed &&
      typeof parsed === 'object' &&
      'after' in parsed &&
      typeof parsed.after === 'string'
    ) {
      return parsed.after;
    }
  } catch {
    // fall through
  }
  throw validationError('Invalid Marker.');
}

/** Pages items that are already sorted ascending by `keyOf`. */
export function paginate<T>(
  sorted: T[],
  keyOf: (item: T) => string,
  marker: string | undefined,
  maxItems: number | undefined,
): Page<T> {
  const limit = maxItems ?? DEFAULT_MAX_ITEMS;
  let start = 0;
  if (marker !== undefined) {
    const after = decodeMarker(marker);
    start = sorted.findIndex((item) => keyOf(item) > after);
    if (start === -1) start = sorted.length;
  }
  const items = sorted.slice(start, start + limit);
  const isTruncated = start + limit < sorted.length;
  const last = items.at(-1);
  return {
    items,
    isTruncated,
    marker: isTruncated && last !== undefined ? encodeMarker(keyOf(last)) : undefined,
  };
}

/** The `IsTruncated` and (only when truncated) `Marker` elements of a list result. */
export function pageTail(page: Page<unknown>): XmlNode[] {
  return [el('IsTruncated', page.isTruncated), el('Marker', page.marker)];
}

export const byKey =
  <T>(keyOf: (item: T) => string) =>
  (a: T, b: T) => {
    const ka = keyOf(a);
    const kb = keyOf(b);
    return ka < kb ? -1 : ka > kb ? 1 : 0;
  };
