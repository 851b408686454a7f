// Request validation at the edge: a request part checked against a valibot schema, read back
// typed with `c.req.valid(...)`. Any failure (not JSON, wrong shape) is a 400 in our envelope,
// with a readable message `path: problem; …` that never repeats a submitted value.

import type { ValidationTargets } from 'hono';
import { validator } from 'hono/validator';
import * as v from 'valibot';
import { BadInputError } from '../errors.ts';

type AnySchema = v.GenericSchema | v.GenericSchemaAsync;

export function validated<T extends AnySchema, Target extends keyof ValidationTargets>(
  target: Target,
  schema: T,
) {
  return validator(target, async (value, c) => {
    if (target === 'json' && !/^application\/json\b/i.test(c.req.header('content-type') ?? '')) {
      throw new BadInputError(
        'bad_request',
        'The request body must be JSON (Content-Type: application/json).',
      );
    }
    const result = await v.safeParseAsync(schema, value, { message: describeProblem });
    if (!result.success) throw new BadInputError('bad_request', describeIssues(result.issues));
    return result.output as v.InferOutput<T>;
  });
}

export function describeIssues(issues: readonly v.BaseIssue<unknown>[]): string {
  return issues
    .map((issue) => {
      const path = (issue.path ?? []).map((item) => String(item.key));
      // An unknown key is a problem of the object that holds it.
      if (isUnknownKey(issue)) path.pop();
      return path.length > 0 ? `${path.join('.')}: ${issue.message}` : issue.message;
    })
    .join('; ');
}

const isKeyIssue = (issue: v.BaseIssue<unknown>) =>
  issue.type.endsWith('object') && issue.path?.at(-1)?.origin === 'key';
const isUnknownKey = (issue: v.BaseIssue<unknown>) =>
  isKeyIssue(issue) && issue.expected === 'never';

/**
 * The message of an issue whose schema or action sets none. Valibot's own quote the received
 * value, which could be a code; these say what was expected and only the type that came.
 */
function describeProblem(issue: v.BaseIssue<unknown>): string {
  const { requirement } = issue as { requirement?: unknown };
  if (isUnknownKey(issue)) return `Unrecognized key: ${JSON.stringify(issue.input)}`;
  if (isKeyIssue(issue)) return 'Required';
  switch (issue.type) {
    case 'min_length':
      return `Too small: expected string to have >=${requirement} characters`;
    case 'max_length':
      return `Too big: expected string to have <=${requirement} characters`;
    case 'min_value':
      return `Too small: expected number to be >=${requirement}`;
    case 'max_value':
      return `Too big: expected number to be <=${requirement}`;
    case 'integer':
    case 'safe_integer':
      return 'Invalid input: expected int, received number';
    case 'picklist':
      return `Invalid option: expected one of ${(issue.expected ?? '').replace(/^\(|\)$/g, '').replaceAll(' | ', '|')}`;
  }
  if (issue.kind === 'schema') {
    const expected = issue.type.replace(/^(strict|loose)_/, '');
    return `Invalid input: expected ${expected}, received ${typeName(issue.input)}`;
  }
  return issue.expected ? `Invalid input: expected ${issue.expected}` : 'Invalid input';
}

function typeName(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'array';
  if (typeof value === 'number' && Number.isNaN(value)) return 'NaN';
  return typeof value;
}
