// Posting the digest to a Slack-compatible incoming webhook: one POST of JSON with a timeout,
// and one retry when the receiver is overloaded (429, 5xx), after its Retry-After (seconds, or an
// HTTP date) when it gives one. The URL is a secret (anyone holding it can post to the channel):
// it is never logged or put in an error message.

export class WebhookError extends Error {
  override readonly name = 'WebhookError';
  constructor(
    /** The receiver's last HTTP status; undefined when no answer came (timeout, network). */
    readonly status: number | undefined,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

export interface WebhookOptions {
  /** Epoch ms: no attempt, and no wait before one, runs past it. */
  deadline: number;
  /** Per attempt (default 10 s). */
  timeoutMs?: number;
  /** Used when the receiver asks to retry without a Retry-After (default 1 s). */
  retryDelayMs?: number;
  /** The longest Retry-After honoured (default 30 s); a longer one ends the post. */
  maxRetryAfterMs?: number;
  fetch?: typeof fetch;
  sleep?: (ms: number) => Promise<void>;
  now?: () => number;
}

/** How many POSTs a post makes at most (the first and one retry). */
export const WEBHOOK_ATTEMPTS = 2;

/** POSTs `payload` as JSON; resolves with the number of attempts, throws WebhookError. */
export async function postWebhook(
  url: string,
  payload: unknown,
  options: WebhookOptions,
): Promise<{ attempts: number }> {
  const send = options.fetch ?? fetch;
  const now = options.now ?? Date.now;
  const sleep = options.sleep ?? ((ms: number) => new Promise<void>((r) => setTimeout(r, ms)));
  const body = JSON.stringify(payload);
  let lastStatus: number | undefined;
  for (let attempt = 1; ; attempt++) {
    const left = options.deadline - now();
    if (left <= 0) throw new WebhookError(lastStatus, 'No time left to post the digest.');
    let response: Response;
    try {
      response = await send(url, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body,
        redirect: 'error',
        signal: AbortSignal.timeout(Math.min(options.timeoutMs ?? 10_000, left)),
      });
    } catch (error) {
      // A timeout or a network failure: the post may have arrived, so it is not repeated.
      throw new WebhookError(undefined, 'The webhook did not answer.', { cause: error });
    }
    lastStatus = response.status;
    await response.body?.cancel().catch(() => undefined);
    if (response.ok) return { attempts: attempt };
    const retryable = response.status === 429 || response.status >= 500;
    if (!retryable || attempt >= WEBHOOK_ATTEMPTS) {
      throw new WebhookError(response.status, `The webhook answered ${response.status}.`);
    }
    const wait =
      retryAfterMs(response.headers.get('retry-after'), now()) ?? options.retryDelayMs ?? 1_000;
    if (wait > (options.maxRetryAfterMs ?? 30_000) || now() + wait >= options.deadline) {
      throw new WebhookError(response.status, `The webhook answered ${response.status}.`);
    }
    await sleep(wait);
  }
}

/** Retry-After as delay-seconds or an HTTP date (RFC 9110 §10.2.3), in ms from `now`. */
export function retryAfterMs(value: string | null, now: number): number | undefined {
  if (value === null) return undefined;
  const trimmed = value.trim();
  if (/^\d+$/.test(trimmed)) return Number(trimmed) * 1000;
  const at = Date.parse(trimmed);
  return Number.isNaN(at) ? undefined : Math.max(0, at - now);
}
