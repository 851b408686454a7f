// Per-user answers of the batch routes (bulk invitations, enforcement): what failed for one user
// becomes that user's `status` and `error`, as the single route would have answered it
// (mapError decides, as it does for whole requests); the others go on. An error no batch answer
// may carry (a bug, an IAM error nobody expected) fails the whole request, as it would anywhere.

import { mapError } from './error-response.ts';

/** What an operation on one user of a batch came to. */
export type UserOutcome<T> = { userName: string; value: T } | { userName: string; error: unknown };

export interface Problem<S extends number> {
  status: S;
  error: { code: string; message: string };
}

export function problemOf<S extends number>(error: unknown, allowed: readonly S[]): Problem<S> {
  const mapped = mapError(error);
  if (!mapped || !(allowed as readonly number[]).includes(mapped.status)) throw error;
  return {
    status: mapped.status as S,
    error: { code: mapped.body.error.code, message: mapped.body.error.message },
  };
}
