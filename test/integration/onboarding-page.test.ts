// The onboarding page, its assets, and the headers every response carries
// (docs/security.md §6, HTTP).

import { describe, expect, it } from 'vitest';
import { CONTENT_SECURITY_POLICY } from '../../functions/http/security-headers.ts';
import {
  callsByAction,
  expectError,
  resetCalls,
  startEnrollment,
  TANAKA,
} from '../support/enrollment.ts';
import { useOnboarding } from '../support/onboarding.ts';
import { consecutiveCodes, staleCodes } from '../support/totp.ts';

/** The headers docs/security.md §6 requires on every response, errors included. */
function expectSecurityHeaders(res: Response) {
  const h = res.headers;
  const csp = h.get('content-security-policy') ?? '';
  expect(csp).toBe(CONTENT_SECURITY_POLICY);
  for (const directive of [
    "default-src 'none'",
    "frame-ancestors 'none'",
    "base-uri 'none'",
    "object-src 'none'",
  ]) {
    expect(csp.split(/;\s*/)).toContain(directive);
  }
  // Only our own origin, never a third party (a QR or font service would see the seed).
  expect(csp).not.toMatch(/https?:|\*/);
  expect(h.get('x-content-type-options')).toBe('nosniff');
  expect(h.get('referrer-policy')).toBe('no-referrer');
  expect(h.get('strict-transport-security')).toMatch(/^max-age=\d{8,}; includeSubDomains/);
  expect(h.get('x-frame-options')).toBe('DENY');
  expect(h.get('access-control-allow-origin')).toBeNull();
}

function assetNames(html: string): string[] {
  return [...html.matchAll(/\/assets\/([\w.-]+)/g)].map((m) => m[1] as string);
}

describe('GET /onboard', () => {
  const f = useOnboarding();

  it('serves the page HTML with a strict CSP and the security headers', async () => {
    const res = await f.request('GET', '/onboard');

    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/^text\/html/);
    expectSecurityHeaders(res);
    const html = await res.text();
    expect(html).toMatch(/^<!doctype html>/i);
    expect(html).toContain('<meta name="referrer" content="no-referrer">');
  });

  it('refers only to its own hashed assets and has no inline script the CSP would block', async () => {
    const html = await (await f.request('GET', '/onboard')).text();

    const names = assetNames(html);
    expect(names).toEqual(
      expect.arrayContaining([
        expect.stringMatching(/^app-[0-9a-f]{12}\.js$/),
        expect.stringMatching(/^styles-[0-9a-f]{12}\.css$/),
      ]),
    );
    for (const name of names) expect(name).toMatch(/^[a-z]+-[0-9a-f]{12}\.[a-z]+$/);
    expect(html).not.toMatch(/<script(?![^>]*\bsrc="\/assets\/)[^>]*>/);
    expect(html).not.toMatch(/\sstyle="/);
    expect(html).not.toMatch(/<(script|link)[^>]+(src|href)="https?:/);
  });

  it('answers HEAD /onboard like GET, without a body and without touching IAM', async () => {
    resetCalls(f);

    const res = await f.request('HEAD', '/onboard');

    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/^text\/html/);
    expectSecurityHeaders(res);
    expect(await res.text()).toBe('');
    expect(callsByAction(f)).toEqual({});
  });

  it('does not touch IAM when the page is opened, even with a link in the fragment', async () => {
    // A mail scanner opening the link: the fragment never reaches the server, so this is the
    // whole request it makes.
    await f.issue(TANAKA);
    resetCalls(f);

    const res = await f.request('GET', '/onboard');

    expect(res.status).toBe(200);
    expect(callsByAction(f)).toEqual({});
  });

  it('redirects / to /onboard', async () => {
    const res = await f.request('GET', '/');

    expect(res.status).toBe(302);
    expect(res.headers.get('location')).toBe('/onboard');
    expectSecurityHeaders(res);
  });
});

describe('GET /assets/<hashed name>', () => {
  const f = useOnboarding();

  it('serves each asset the page names with its type and immutable caching', async () => {
    const html = await (await f.request('GET', '/onboard')).text();

    for (const name of assetNames(html)) {
      const res = await f.request('GET', `/assets/${name}`);
      expect(res.status).toBe(200);
      const types: Record<string, RegExp> = {
        js: /^text\/javascript; charset=utf-8$/,
        css: /^text\/css; charset=utf-8$/,
        svg: /^image\/svg\+xml/,
      };
      expect(res.headers.get('content-type')).toMatch(types[name.split('.').pop() ?? ''] ?? /^$/);
      expect(res.headers.get('cache-control')).toBe('public, max-age=31536000, immutable');
      expectSecurityHeaders(res);
      expect((await res.text()).length).toBeGreaterThan(50);
    }
  });

  it.each([
    ['an unknown name', 'app-000000000000.js'],
    ['a name of a built-in object property', 'constructor'],
    ['the prototype', '__proto__'],
    ['a method name', 'hasOwnProperty'],
    ['an encoded path traversal', '..%2Fpackage.json'],
  ])('answers 404 JSON for %s', async (_label, name) => {
    const res = await f.request('GET', `/assets/${name}`);

    await expectError(res, 404, 'not_found');
    expect(res.headers.get('cache-control')).toBe('no-store');
    expectSecurityHeaders(res);
  });
});

describe('security headers on every response', () => {
  const f = useOnboarding();

  it('sends them on a 404 for an unknown route, as JSON', async () => {
    const res = await f.request('GET', '/nope');

    await expectError(res, 404, 'not_found');
    expectSecurityHeaders(res);
  });

  it('sends them on a 401', async () => {
    const res = await f.request('GET', '/api/enrollment');

    await expectError(res, 401, 'invalid_invitation');
    expectSecurityHeaders(res);
  });

  it('sends them on a 400 from request validation', async () => {
    const { token } = await f.issue(TANAKA);

    const res = await f.request('POST', '/api/enrollment/activate', {
      token,
      body: '{not json',
    });

    await expectError(res, 400, 'bad_request');
    expectSecurityHeaders(res);
  });

  it('sends them, with no-store, on API successes', async () => {
    const { token } = await f.issue(TANAKA);

    const status = await f.request('GET', '/api/enrollment', { token });
    const device = await f.request('POST', '/api/enrollment/device', { token });

    expect([status.status, device.status]).toEqual([200, 201]);
    for (const res of [status, device]) {
      expectSecurityHeaders(res);
      expect(res.headers.get('cache-control')).toBe('no-store');
    }
  });

  it('sends them on a 422', async () => {
    const { token, device } = await startEnrollment(f);

    const res = await f.request('POST', '/api/enrollment/activate', {
      token,
      body: { serialNumber: device.serialNumber, ...staleCodes(device.secret) },
    });

    await expectError(res, 422, 'invalid_code');
    expectSecurityHeaders(res);
  });

  it('sends them on a 500, which carries no detail', async () => {
    // The force-MFA group cannot be found (a misconfigured deployment): nothing the user can fix.
    const { token, device } = await startEnrollment(f);
    f.emulator.running.emulator.faults.configure({
      scripted: [
        { action: 'AddUserToGroup', fault: 'error', code: 'NoSuchEntity', status: 404, count: 1 },
      ],
    });

    const res = await f.request('POST', '/api/enrollment/activate', {
      token,
      body: { serialNumber: device.serialNumber, ...consecutiveCodes(device.secret) },
    });

    const body = await expectError(res, 500, 'internal_error');
    expect(body.error.message).not.toMatch(/NoSuchEntity|AddUserToGroup|force-mfa/);
    expectSecurityHeaders(res);
  });
});
