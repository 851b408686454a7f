// The enrollment API's request shapes, validated at the edge.

import * as z from 'zod';

const code = z.string().regex(/^[0-9]{6}$/, 'must be exactly six digits');

export const activationRequest = z
  .object({
    serialNumber: z.string().min(9).max(256),
    code1: code.optional(),
    code2: code.optional(),
  })
  .strict()
  .refine((b) => (b.code1 === undefined) === (b.code2 === undefined), {
    message: 'code1 and code2 must be given together',
  })
  .refine((b) => b.code1 === undefined || b.code1 !== b.code2, {
    message: 'code1 and code2 must be two different, consecutive codes',
  });

export type ActivationRequest = z.infer<typeof activationRequest>;

// Responses, for the OpenAPI document.

const mfaDevice = z.object({ serialNumber: z.string(), enableDate: z.iso.datetime().nullable() });

export const enrollmentStatusResponse = z.object({
  userName: z.string(),
  accountId: z.string(),
  accountAlias: z.string().nullable(),
  status: z.enum(['invited', 'enrolled']),
  groupName: z.string(),
  inForceMfaGroup: z.boolean(),
  mfaDevices: z.array(mfaDevice),
  invitationExpiresAt: z.iso.datetime(),
});

export const newDeviceResponse = z.object({
  serialNumber: z.string(),
  secret: z.string().meta({ description: 'Base32 TOTP seed. Shown once; never stored or logged.' }),
  otpauthUri: z.string(),
  qrSvg: z
    .string()
    .meta({ description: 'The otpauth URI as an SVG QR code, rendered by the service' }),
});

export const activationResponse = z.object({
  status: z.literal('enrolled'),
  serialNumber: z.string(),
  groupName: z.string(),
  next: z.object({
    consoleSignInUrl: z.string(),
    mfaSerialNumber: z.string(),
    cliCommand: z.string(),
  }),
});
