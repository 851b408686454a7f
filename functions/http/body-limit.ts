// Request bodies are refused with 413 before they are read in full (SECURITY.md: "Request bodies
// are capped"): by Content-Length when it is given, else while the stream is read. Runs before
// anything parses a body or checks a token, so an oversized request costs no IAM call.

import type { MiddlewareHandler } from 'hono';
import { bodyLimit } from 'hono/body-limit';
import { errorBody } from './error-response.ts';

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
