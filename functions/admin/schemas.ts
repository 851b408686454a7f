// The admin API's request and response shapes. Requests are validated with these at the edge;
// the OpenAPI document is generated from the same schemas.

import * as z from 'zod';
import { MAX_INVITATION_TTL_HOURS } from '../config.ts';

export const userName = z
  .string()
  .min(1)
  .max(64)
  .regex(/^[\w+=,.@-]+$/, 'must be an IAM user name (letters, digits and +=,.@_-)')
  .meta({ description: 'IAM user name', example: 'tanaka.hanako' });

export const invitationRequest = z
  .object({
    userName,
    ttlHours: z
      .number()
      .int()
      .min(1)
      .max(MAX_INVITATION_TTL_HOURS)
      .optional()
      .meta({
        description: `Hours the link stays valid (default from INVITATION_TTL_HOURS, at most ${MAX_INVITATION_TTL_HOURS})`,
      }),
  })
  .strict();

export const invitationResponse = z.object({
  userName,
  url: z.string().meta({
    description: 'The onboarding link; the token is in the fragment. Send it to the employee only.',
  }),
  expiresAt: z.iso.datetime(),
});

export const userPathParams = z.object({ userName });

export const mfaDevice = z.object({
  serialNumber: z.string(),
  enableDate: z.iso.datetime().nullable(),
});

export const userStatusResponse = z.object({
  userName,
  arn: z.string(),
  mfaEnabled: z.boolean(),
  mfaDevices: z.array(mfaDevice),
  inForceMfaGroup: z.boolean(),
  invitation: z
    .object({ expiresAt: z.iso.datetime() })
    .nullable()
    .meta({ description: 'The pending invitation, if any' }),
});

const booleanString = z.enum(['true', 'false']).transform((v) => v === 'true');

export const complianceQuery = z
  .object({
    format: z.enum(['json', 'csv']).default('json'),
    pathPrefix: z
      .string()
      .max(512)
      .regex(/^\/[\u0021-\u007F]*$/, 'must be an IAM path prefix starting with /')
      .optional(),
    consoleOnly: booleanString
      .optional()
      .meta({ description: 'Only users with (or possibly with) a console password' }),
    createdBefore: z.iso.datetime({ offset: true }).optional().meta({
      description: 'Leave out users created at or after this time (a grace period for new hires)',
    }),
  })
  .strict();

const source = z.object({ source: z.string() }).loose();

export const complianceResponse = z.object({
  accountId: z.string(),
  generatedAt: z.iso.datetime(),
  totalUsers: z
    .number()
    .int()
    .meta({ description: 'Users scanned (under pathPrefix), with or without MFA' }),
  sources: z
    .object({
      users: source,
      virtualMfaDevices: source,
      forceMfaGroup: source,
      otherMfaDevicesAndConsoleAccess: source,
      perUserChecks: source,
    })
    .meta({ description: 'Where each figure came from and how fresh it is' }),
  users: z.array(
    z.object({
      userName,
      arn: z.string(),
      path: z.string(),
      createDate: z.iso.datetime(),
      passwordLastUsed: z.iso.datetime().nullable(),
      consoleAccess: z.boolean().nullable(),
      inForceMfaGroup: z.boolean(),
      evidence: z.enum(['live', 'credential-report', 'virtual-only']).meta({
        description:
          'live: no device of any kind (per-user check); credential-report: no virtual device (live) and no other device in the credential report; virtual-only: no virtual device (live), other kinds not checked',
      }),
    }),
  ),
});

export const errorResponse = z.object({
  error: z.object({ code: z.string(), message: z.string() }).loose(),
});
