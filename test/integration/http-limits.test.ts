// What every request meets before any route: bodies over the limit are refused with 413 before
// they are read in full (over a real socket, as `npm start` serves them, and through the Lambda
// adapter), and the request id in logs and answers comes from API Gateway or is generated, never
// from a client header.

import { request as httpRequest } from 'node:http';
import { handle } from 'hono/aws-lambda';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  ADMIN_MAX_BODY_BYTES,
  ONBOARDING_MAX_BODY_BYTES,
} from '../../functions/http/body-limit.ts';
import { type LocalStack, startLocalStack } from '../../local/dev-stack.ts';
import { useAdmin } from '../support/admin.ts';

const MB = 1024 * 1024;

/**
 * Streams a body of `declared` bytes (or chunked, without a length) in 256 KB pieces until the
 * server answers, and reports the answer and how much was sent by then.
 */
function sendLargeBody(
  url: string,
  options: { declared?: number; total: number; headers?: Record<string, string> },
): Promise<{ status: number; body: string; bytesSent: number }> {
  return new Promise((resolve, reject) => {
    let bytesSent = 0;
    let answered = false;
    const req = httpRequest(url, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        authorization: 'Bearer x.AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA',
        ...(options.declared === undefined
          ? { 'transfer-encoding': 'chunked' }
          : { 'content-length': String(options.declared) }),
        ...options.headers,
      },
    });
    req.on('response', (res) => {
      answered = true;
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => {
        resolve({
          status: res.statusCode ?? 0,
          body: Buffer.concat(chunks).toString('utf8'),
          bytesSent,
        });
        req.destroy();
      });
    });
    req.on('error', (error) => {
      if (!answered) reject(error);
    });
    const piece = Buffer.alloc(256 * 1024, 0x20);
    const pump = () => {
      while (!answered && bytesSent < options.total) {
        bytesSent += piece.length;
        if (!req.write(piece)) {
          req.once('drain', pump);
          return;
        }
      }
      if (!answered) req.end();
    };
    pump();
  });
}

describe('request bodies over the limit, on the local server', () => {
  let stack: LocalStack;
  beforeAll(async () => {
    stack = await startLocalStack({
      env: { PORT: '0', AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true' },
      write: () => {},
    });
  });
  afterAll(async () => {
    await stack?.stop();
  });

  it.each([
    ['/api/enrollment/activate', 'the onboarding function'],
    ['/v1/invitations', 'the admin function'],
  ])('refuses a declared 200 MB body to %s (%s) with 413 before reading it', async (path) => {
    stack.emulator?.emulator.calls.reset();

    const answer = await sendLargeBody(`${stack.url}${path}`, {
      declared: 200 * MB,
      total: 200 * MB,
    });

    expect(answer.status).toBe(413);
    expect(JSON.parse(answer.body)).toEqual({
      error: { code: 'payload_too_large', message: expect.stringMatching(/at most \d+ bytes/) },
    });
    // Answered long before the body was sent, and without asking IAM anything.
    expect(answer.bytesSent).toBeLessThan(50 * MB);
    expect(stack.emulator?.emulator.calls.snapshot().total).toBe(0);
  });

  it('refuses a chunked body without a length once it passes the limit', async () => {
    const answer = await sendLargeBody(`${stack.url}/api/enrollment/activate`, {
      total: 20 * MB,
    });

    expect(answer.status).toBe(413);
    expect(answer.bytesSent).toBeLessThan(20 * MB);
  });

  it('accepts a body just under the limit (and answers it on its merits)', async () => {
    const body = JSON.stringify({ serialNumber: 'x'.repeat(ONBOARDING_MAX_BODY_BYTES - 40) });
    const res = await fetch(`${stack.url}/api/enrollment/activate`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body,
    });

    expect(body.length).toBeLessThanOrEqual(ONBOARDING_MAX_BODY_BYTES);
    expect(res.status).toBe(400);
    expect(ADMIN_MAX_BODY_BYTES).toBeGreaterThan(ONBOARDING_MAX_BODY_BYTES);
  });
});

describe('request bodies over the limit, through the Lambda adapter', () => {
  const f = useAdmin();

  it('refuses a 1 MB body from API Gateway with 413, before any IAM call', async () => {
    const lambda = handle(f.onboarding);
    const body = JSON.stringify({ serialNumber: 'x'.repeat(MB) });
    f.iam.calls.reset();

    const res = (await lambda(
      apiGatewayEvent('POST', '/api/enrollment/activate', {
        body,
        headers: {
          'content-type': 'application/json',
          'content-length': String(body.length),
          authorization: 'Bearer tanaka.hanako.AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA',
        },
        // biome-ignore lint/suspicious/noExplicitAny: a hand-made API Gateway v2 event
      }) as any,
      // biome-ignore lint/suspicious/noExplicitAny: no Lambda context is needed
      {} as any,
    )) as { statusCode: number; body: string };

    expect(res.statusCode).toBe(413);
    expect(JSON.parse(res.body)).toMatchObject({ error: { code: 'payload_too_large' } });
    expect(f.iam.calls.snapshot().total).toBe(0);
  });
});

/** An API Gateway HTTP API (payload 2.0) event, as Lambda receives it. */
function apiGatewayEvent(
  method: string,
  path: string,
  options: { body?: string; headers?: Record<string, string>; requestId?: string } = {},
) {
  return {
    version: '2.0',
    routeKey: `${method} ${path}`,
    rawPath: path,
    rawQueryString: '',
    headers: { host: 'api.example.com', ...options.headers },
    requestContext: {
      accountId: '123456789012',
      apiId: 'api',
      domainName: 'api.example.com',
      domainPrefix: 'api',
      http: { method, path, protocol: 'HTTP/1.1', sourceIp: '198.51.100.7', userAgent: 'test' },
      requestId: options.requestId ?? 'GatewayRequestId=',
      routeKey: `${method} ${path}`,
      stage: '$default',
      time: '01/Dec/2026:09:00:00 +0000',
      timeEpoch: 1_796_115_600_000,
    },
    body: options.body,
    isBase64Encoded: false,
  };
}

describe('the request id', () => {
  const f = useAdmin();

  it('ignores a client x-amzn-requestid on the local server and generates its own', async () => {
    const res = await f.request('GET', '/healthz', {
      headers: { 'x-amzn-requestid': 'forged-request-id' },
    });

    const id = res.headers.get('x-request-id');
    expect(id).toMatch(/^[0-9a-f-]{36}$/);
    expect(f.logs.join('\n')).not.toContain('forged-request-id');
  });

  it("takes API Gateway's requestContext.requestId on Lambda, never the client's header", async () => {
    const lambda = handle(f.app);
    const event = apiGatewayEvent('GET', '/healthz', {
      headers: { 'x-amzn-requestid': 'forged-request-id' },
      requestId: 'Abc123GatewayId=',
    });

    // biome-ignore lint/suspicious/noExplicitAny: a hand-made API Gateway v2 event
    const res = (await lambda(event as any, {} as any)) as {
      statusCode: number;
      headers: Record<string, string>;
    };

    expect(res.statusCode).toBe(200);
    expect(res.headers['x-request-id']).toBe('Abc123GatewayId=');
    const line = f.logs.map((l) => JSON.parse(l) as Record<string, unknown>).at(-1);
    expect(line).toMatchObject({ requestId: 'Abc123GatewayId=', sourceIp: '198.51.100.7' });
    expect(f.logs.join('\n')).not.toContain('forged-request-id');
  });
});
