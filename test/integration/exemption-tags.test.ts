// The exemption's tag codec (functions/exemptions/tag.ts), proved with fast-check over arbitrary
// strings (any code point, lone surrogates, Japanese with its punctuation, emoji): every reason
// of 1–200 UTF-16 units round-trips exactly in at most MAX_EXEMPTION_TAGS tags that IAM accepts,
// and a reader never sees a mix of two writes, whatever leftovers of earlier writes lie around.

import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { EXEMPTION_TAG_KEY, SERVICE_TAG_PREFIX } from '../../functions/config.ts';
import {
  type Exemption,
  exemptionKeys,
  exemptionOf,
  exemptionRecord,
  exemptionTags,
  MAX_EXEMPTION_TAGS,
  MAX_REASON_LENGTH,
  newWriteId,
  staleExemptionKeys,
} from '../../functions/exemptions/tag.ts';

const SEED = 20_260_601;
const RUNS = 2_000;
const run = (offset: number, numRuns = RUNS) => ({ seed: SEED + offset, numRuns });

/** IAM's tag shapes (docs/iam-facts.md §2.1), counted both as code points and as UTF-16 units. */
const KEY = /^[\p{L}\p{Z}\p{N}_.:/=+\-@]{1,128}$/u;
const VALUE = /^[\p{L}\p{Z}\p{N}_.:/=+\-@]*$/u;
const fitsIam = (key: string, value: string) =>
  KEY.test(key) &&
  key.length <= 128 &&
  VALUE.test(value) &&
  value.length <= 256 &&
  [...value].length <= 256;

const NOW = new Date('2026-06-01T00:00:00Z');

/** Reasons of 1–200 UTF-16 units, from every corner of Unicode. */
const reason = fc
  .oneof(
    fc.string({ unit: 'binary', minLength: 1, maxLength: MAX_REASON_LENGTH }),
    fc.string({ unit: 'grapheme', minLength: 1, maxLength: MAX_REASON_LENGTH }),
    // Any UTF-16 units at all, lone surrogates included.
    fc
      .array(fc.integer({ min: 0, max: 0xffff }), { minLength: 1, maxLength: MAX_REASON_LENGTH })
      .map((units) => String.fromCharCode(...units)),
    // Japanese text with its punctuation, spaces and Latin mixed in.
    fc
      .array(
        fc.constantFrom(
          ...'本番デプロイ用のCIユーザー、。「」・（）！？ 　ａｂ１２3-_.:/@=+"\'😀🇯🇵',
        ),
        {
          minLength: 1,
          maxLength: MAX_REASON_LENGTH,
        },
      )
      .map((chars) => chars.join('')),
  )
  .map((s) => s.slice(0, MAX_REASON_LENGTH))
  .filter((s) => s.length >= 1);

const until = fc.option(
  fc.date({ min: new Date('2026-06-01T00:00:01Z'), max: new Date('9999-12-31T23:59:59.999Z') }),
  { nil: null },
);
const exemption: fc.Arbitrary<Exemption> = fc.record({ reason, until });
const writeId = fc.stringMatching(/^[0-9a-f]{10}$/);
/** Tags a user may carry besides: HR's own, an invitation and its attempts. */
const otherTags = fc.dictionary(
  fc.oneof(
    fc.stringMatching(/^[A-Za-z][A-Za-z0-9_.:/=+@-]{0,20}$/),
    fc.constantFrom(`${SERVICE_TAG_PREFIX}invitation`, `${SERVICE_TAG_PREFIX}attempt:abc:def`),
  ),
  fc.stringMatching(/^[A-Za-z0-9 _.:/=+@-]{0,40}$/),
  { maxKeys: 10 },
);

describe('the exemption tag codec', () => {
  it('round-trips every reason of 1–200 UTF-16 units exactly, and its end to the millisecond', () => {
    fc.assert(
      fc.property(exemption, otherTags, (e, others) => {
        const tags = { ...others, ...exemptionTags(e) };
        expect(exemptionOf(tags, NOW)).toEqual(e);
      }),
      run(0),
    );
  });

  it('writes at most MAX_EXEMPTION_TAGS tags, every key and value one IAM accepts', () => {
    fc.assert(
      fc.property(exemption, (e) => {
        const tags = exemptionTags(e);
        expect(Object.keys(tags).length).toBeLessThanOrEqual(MAX_EXEMPTION_TAGS);
        for (const [key, value] of Object.entries(tags)) {
          expect(fitsIam(key, value), `${key}=${value}`).toBe(true);
          expect(key.startsWith(SERVICE_TAG_PREFIX)).toBe(true);
        }
        expect(exemptionKeys(tags).sort()).toEqual(Object.keys(tags).sort());
      }),
      run(1),
    );
  });

  it('takes three tags for the longest reasons of the worst kind, and one for a short one', () => {
    const worst = [
      '、'.repeat(200),
      '😀'.repeat(100),
      '=+'.repeat(100),
      '\ud800'.repeat(200),
      '本'.repeat(200),
    ];
    for (const text of worst) {
      const tags = exemptionTags({ reason: text, until: new Date('9999-12-31T23:59:59.999Z') });
      expect(Object.keys(tags).length, text.slice(0, 4)).toBeLessThanOrEqual(MAX_EXEMPTION_TAGS);
    }
    const short = exemptionTags({ reason: '本番CI用のユーザー(MFA不可)', until: null });
    expect(Object.keys(short)).toEqual([EXEMPTION_TAG_KEY]);
  });

  it('keeps plain reasons readable in the IAM console', () => {
    const tags = exemptionTags({ reason: 'CI deploy bot 本番用', until: null }, 'abcdef0123');
    expect(tags).toEqual({ [EXEMPTION_TAG_KEY]: 'x1:abcdef0123:1::p:CI+deploy+bot+本番用' });
    const punctuated = exemptionTags({ reason: '本番、CI。', until: null }, 'abcdef0123');
    expect(punctuated[EXEMPTION_TAG_KEY]).toBe('x1:abcdef0123:1::p:本番=3001CI=3002');
  });

  it('reads the last write, never a mix, whatever an earlier write left behind', () => {
    fc.assert(
      fc.property(
        exemption,
        exemption,
        writeId,
        writeId,
        otherTags,
        (older, newer, a, b, others) => {
          fc.pre(a !== b);
          // TagUser of the newer write over the older one: the head is overwritten, the older
          // write's spill tags stay until someone removes them.
          const before = exemptionTags(older, a);
          const tags = { ...others, ...before, ...exemptionTags(newer, b) };
          expect(exemptionOf(tags, NOW)).toEqual(newer);
          const stale = staleExemptionKeys(tags);
          expect(stale.sort()).toEqual(
            Object.keys(before)
              .filter((k) => k !== EXEMPTION_TAG_KEY)
              .sort(),
          );
          // Removing the leftovers changes nothing a reader sees.
          const cleaned = Object.fromEntries(
            Object.entries(tags).filter(([k]) => !stale.includes(k)),
          );
          expect(exemptionOf(cleaned, NOW)).toEqual(newer);
          expect(staleExemptionKeys(cleaned)).toEqual([]);
        },
      ),
      run(2, 500),
    );
  });

  it('reads nothing, rather than a part, when a spill tag the head names is missing or the head is foreign', () => {
    fc.assert(
      fc.property(exemption, (e) => {
        const tags = exemptionTags(e);
        for (const key of Object.keys(tags).filter((k) => k !== EXEMPTION_TAG_KEY)) {
          const { [key]: _, ...missing } = tags;
          expect(exemptionOf(missing, NOW)).toBeUndefined();
        }
      }),
      run(3, 500),
    );
    expect(exemptionOf({ [EXEMPTION_TAG_KEY]: 'free text typed in the console' }, NOW)).toBe(
      undefined,
    );
    expect(exemptionOf({ [EXEMPTION_TAG_KEY]: 'x1:abcdef0123:1::p:bad=12' }, NOW)).toBe(undefined);
    expect(exemptionOf({ [EXEMPTION_TAG_KEY]: 'x1:abcdef0123:1::b:A' }, NOW)).toBe(undefined);
    // A head this version cannot read leaves every spill tag alone.
    expect(
      staleExemptionKeys({
        [EXEMPTION_TAG_KEY]: 'x2:whatever',
        [`${EXEMPTION_TAG_KEY}:abcdef0123:1`]: 'x',
      }),
    ).toEqual([]);
  });

  it('spill tags no head names (a removal raced a write) are all stale', () => {
    const { [EXEMPTION_TAG_KEY]: _, ...orphans } = exemptionTags(
      { reason: '、'.repeat(200), until: null },
      'abcdef0123',
    );
    expect(Object.keys(orphans)).toHaveLength(2);
    expect(exemptionOf(orphans, NOW)).toBeUndefined();
    expect(staleExemptionKeys(orphans).sort()).toEqual(Object.keys(orphans).sort());
  });

  it('counts an exemption as over at its end, and as current a millisecond before', () => {
    const end = new Date('2026-07-01T09:00:00.250Z');
    const tags = exemptionTags({ reason: 'migration', until: end });
    expect(exemptionOf(tags, new Date(end.getTime() - 1))).toEqual({
      reason: 'migration',
      until: end,
    });
    expect(exemptionOf(tags, end)).toBeUndefined();
    // Still there for the writers, who must know which keys it holds.
    expect(exemptionRecord(tags)?.keys).toEqual([EXEMPTION_TAG_KEY]);
  });

  it('makes write ids that differ, in lower case (IAM compares keys ignoring case)', () => {
    const ids = new Set(Array.from({ length: 1000 }, newWriteId));
    expect(ids.size).toBe(1000);
    for (const id of ids) expect(id).toMatch(/^[0-9a-f]{10}$/);
  });
});
