// The enrollment API's request shapes, validated at the edge.

import { z } from 'zod';

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
