// Request bodies are refused with 413 before they are read in full (docs/security.md §6:
// request bodies are capped): by Content-Length when it is given, else while the stream is
// read. Runs before anything parses a body or checks a token, so an oversized request costs no
// IAM call.

import type { MiddlewareHandler } from 'hono';
import { bodyLimit } from 'hono/body-limit';
import { errorBody } from './error-response.ts';

/** An activation is ~150 bytes. */
export const ONBOARDING_MAX_BODY_BYTES = 4 * 1024;
/** An invitation request is ~100 bytes; room is left for bulk requests of 200 user names. */
export const ADMIN_MAX_BODY_BYTES = 16 * 1024;

export function limitBody(maxBytes: number): MiddlewareHandler {
  return bodyLimit({
    maxSize: maxBytes,
    onError: (c) =>
      c.json(
        errorBody('payload_too_large', `The request body must be at most ${maxBytes} bytes.`),
        413,
      ),
  });
}
