// Request validation at the edge: a JSON body checked against a zod schema, read back typed
// with `c.req.valid('json')`. Any failure (not JSON, wrong shape) is a 400 in our envelope.

import type { ValidationTargets } from 'hono';
import { validator } from 'hono/validator';
import type { z } from 'zod';
import { BadInputError } from '../errors.ts';

export function describeIssues(error: z.ZodError): string {
  return error.issues
    .map((issue) =>
      issue.path.length > 0 ? `${issue.path.join('.')}: ${issue.message}` : issue.message,
    )
    .join('; ');
}

export function validated<T extends z.ZodType, Target extends keyof ValidationTargets>(
  target: Target,
  schema: T,
) {
  return validator(target, async (value, c) => {
    if (target === 'json' && !/^application\/json\b/i.test(c.req.header('content-type') ?? '')) {
      throw new BadInputError('The request body must be JSON (Content-Type: application/json).');
    }
    const result = await schema.safeParseAsync(value);
    if (!result.success) throw new BadInputError(describeIssues(result.error));
    return result.data as z.output<T>;
  });
}
