// The shapes both APIs share, defined once: an IAM user name, an MFA device, a date-time and
// the error envelope. Each API's own shapes are in admin/schemas.ts and enrollment/schemas.ts;
// the route tables use them to validate requests and to generate the OpenAPI document, and the
// page and the tests import their inferred types.

import * as v from 'valibot';
import { USER_NAME_PATTERN } from './config.ts';

export const userName = v.pipe(
  v.string(),
  v.minLength(1),
  v.maxLength(64),
  v.regex(USER_NAME_PATTERN, 'must be an IAM user name (letters, digits and +=,.@_-)'),
  v.description('IAM user name'),
  v.metadata({ example: 'tanaka.hanako' }),
);

// ISO 8601 date-times as RFC 3339 has them: seconds required, any fraction, and a real calendar
// day (leap years included), so the pattern in the OpenAPI document carries the whole check.
const DATE = String.raw`(?:(?:\d\d[2468][048]|\d\d[13579][26]|\d\d0[48]|[02468][048]00|[13579][26]00)-02-29|\d{4}-(?:(?:0[13578]|1[02])-(?:0[1-9]|[12]\d|3[01])|(?:0[469]|11)-(?:0[1-9]|[12]\d|30)|(?:02)-(?:0[1-9]|1\d|2[0-8])))`;
const TIME = String.raw`(?:[01]\d|2[0-3]):[0-5]\d:[0-5]\d(?:\.\d+)?`;
const UTC = new RegExp(`^${DATE}T(?:${TIME}(?:Z))$`);
const WITH_OFFSET = new RegExp(`^${DATE}T(?:${TIME}(?:Z|([+-](?:[01]\\d|2[0-3]):[0-5]\\d)))$`);

/** An ISO date-time string in UTC (`…Z`), or with `offset` also `±hh:mm`. */
export const isoDateTime = ({ offset = false } = {}) =>
  v.pipe(
    v.string(),
    v.regex(offset ? WITH_OFFSET : UTC, 'Invalid ISO datetime'),
    v.metadata({ format: 'date-time' }),
  );

export const mfaDevice = v.strictObject({
  serialNumber: v.string(),
  enableDate: v.nullable(isoDateTime()),
});

/** Every error answer: a stable machine code, a readable message, and details some carry. */
export const errorResponse = v.strictObject({
  error: v.strictObject({
    code: v.string(),
    message: v.string(),
    attemptsRemaining: v.optional(
      v.pipe(
        v.number(),
        v.integer(),
        v.minValue(0),
        v.description('On invalid_code: code submissions left before the link locks'),
      ),
    ),
  }),
});
export type ErrorResponse = v.InferOutput<typeof errorResponse>;
