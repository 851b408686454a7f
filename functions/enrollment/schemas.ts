// The enrollment API's request and response shapes, defined once: the route table
// (onboarding/routes.ts) validates requests with them and documents both, the domain's result
// types are inferred from them, and the page (web/app.ts) imports those types.

import * as v from 'valibot';
import { isoDateTime, mfaDevice } from '../schemas.ts';

const code = v.pipe(v.string(), v.regex(/^[0-9]{6}$/, 'must be exactly six digits'));

export const activationRequest = v.pipe(
  v.strictObject({
    serialNumber: v.pipe(v.string(), v.minLength(9), v.maxLength(256)),
    code1: v.optional(code),
    code2: v.optional(code),
  }),
  // Checked whenever both codes are well-typed, even if other fields have problems.
  v.partialCheck(
    [['code1'], ['code2']],
    (b) => (b.code1 === undefined) === (b.code2 === undefined),
    'code1 and code2 must be given together',
  ),
  v.partialCheck(
    [['code1'], ['code2']],
    (b) => b.code1 === undefined || b.code1 !== b.code2,
    'code1 and code2 must be two different, consecutive codes',
  ),
);

// Responses are strict: the document promises exactly these fields.

export const enrollmentStatusResponse = v.strictObject({
  userName: v.string(),
  accountId: v.string(),
  accountAlias: v.nullable(v.string()),
  status: v.picklist(['invited', 'enrolled']),
  groupName: v.string(),
  inForceMfaGroup: v.boolean(),
  mfaDevices: v.array(mfaDevice),
  invitationExpiresAt: isoDateTime(),
  attemptsRemaining: v.pipe(
    v.number(),
    v.integer(),
    v.minValue(0),
    v.description('Code submissions left before the link locks'),
  ),
});

export const newDeviceResponse = v.strictObject({
  serialNumber: v.string(),
  secret: v.pipe(
    v.string(),
    v.description('Base32 TOTP seed. Shown once; never stored or logged.'),
  ),
  otpauthUri: v.string(),
  qrSvg: v.pipe(
    v.string(),
    v.description('The otpauth URI as an SVG QR code, rendered by the service'),
  ),
});

export const activationResponse = v.strictObject({
  status: v.literal('enrolled'),
  serialNumber: v.string(),
  groupName: v.string(),
  next: v.strictObject({
    consoleSignInUrl: v.string(),
    mfaSerialNumber: v.string(),
    cliCommand: v.pipe(
      v.string(),
      v.description('An MFA session for the CLI: aws sts get-session-token with the new device'),
    ),
    roles: v.pipe(
      v.array(
        v.strictObject({
          roleArn: v.string(),
          label: v.string(),
          profile: v.pipe(v.string(), v.description('Its profile in awsConfig')),
          switchRoleUrl: v.pipe(
            v.string(),
            v.description("The console's Switch Role form, filled in for this role"),
          ),
        }),
      ),
      v.description('The roles employees may switch into with MFA (SWITCH_ROLES)'),
    ),
    awsConfig: v.pipe(
      v.nullable(v.string()),
      v.description(
        "A ~/.aws/config block: a source profile for the user's access keys and one profile per role with role_arn, source_profile and the new device as mfa_serial. Null when no roles are configured.",
      ),
    ),
  }),
});

export type EnrollmentStatus = v.InferOutput<typeof enrollmentStatusResponse>;
export type NewDevice = v.InferOutput<typeof newDeviceResponse>;
export type Enrolled = v.InferOutput<typeof activationResponse>;
