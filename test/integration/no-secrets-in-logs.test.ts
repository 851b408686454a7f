// docs/security.md §5 (logging): the invitation token, the MFA seed and the codes are never
// logged; every enrollment outcome is recorded in the structured log with who and the source IP.
// This runs a full enrollment and a series of failures, then scans every line the apps wrote.

import { describe, expect, it } from 'vitest';
import { DEFAULT_SENDER_EMAIL } from '../../functions/config.ts';
import { tokenOf, useAdmin } from '../support/admin.ts';
import {
  activate,
  createDevice,
  type DeviceBody,
  expectError,
  iamStateOf,
  SATO,
  TANAKA,
} from '../support/enrollment.ts';
import { capturedLogLines, useOnboarding } from '../support/onboarding.ts';
import {
  HOUR,
  invitationTag,
  reminderLogLines,
  staffUser,
  useReminders,
} from '../support/reminders.ts';
import { consecutiveCodes, staleCodes } from '../support/totp.ts';

const SOURCE_IP = '203.0.113.7';
const headers = { 'x-forwarded-for': SOURCE_IP };

type LogLine = Record<string, unknown> & { event: string; level: string };

describe('the structured log of links delivered by email', () => {
  const f = useAdmin({
    env: { USER_PATH_PREFIX: '/staff/' },
    retryDelays: { baseDelayMs: 1, throttleBaseDelayMs: 1 },
  });

  it('records each delivery with the masked address, and never the link, its token or the address', async () => {
    const addresses = ['kimura@example.com', 'ito.private@example.org', 'mori@example.net'];
    f.seed({
      users: [
        {
          name: 'kimura',
          path: '/staff/',
          tags: [{ key: 'email', value: addresses[0] as string }],
        },
        { name: 'ito', path: '/staff/' },
        { name: 'mori', path: '/staff/', tags: [{ key: 'email', value: addresses[2] as string }] },
      ],
    });
    f.iam.ses.createIdentity(DEFAULT_SENDER_EMAIL, [], { verified: true });
    const send = (path: string, body: unknown) =>
      f.request('POST', path, { key: f.keys.invitationsWrite.key, body });
    // Delivered: to the tag, to a named address, in a bulk; then throttled once and retried.
    await f.emulator.control('PUT', '/faults', {
      scripted: [{ action: 'SendEmail', fault: 'error', code: 'Throttling', count: 1 }],
    });
    expect((await send('/v1/invitations', { userName: 'kimura', delivery: 'email' })).status).toBe(
      201,
    );
    expect(
      (await send('/v1/invitations', { userName: 'ito', delivery: { email: addresses[1] } }))
        .status,
    ).toBe(201);
    expect(
      (await send('/v1/invitations/bulk', { userNames: ['mori'], delivery: 'email' })).status,
    ).toBe(200);
    // Refused: no address, and a sender SES will not take (the link revoked again).
    expect((await send('/v1/invitations', { userName: 'ito', delivery: 'email' })).status).toBe(
      422,
    );
    f.iam.ses.deleteIdentity(DEFAULT_SENDER_EMAIL);
    expect((await send('/v1/invitations', { userName: 'kimura', delivery: 'email' })).status).toBe(
      502,
    );

    const { messages } = (await f.emulator.control('GET', '/mail')) as {
      messages: { text: string }[];
    };
    const links = messages.map((m) => /https:\/\/\S+#\S+/.exec(m.text)?.[0] ?? '');
    expect(links).toHaveLength(3);
    const secrets = [
      ...links,
      ...links.map((l) => tokenOf(l).slice(tokenOf(l).lastIndexOf('.') + 1)),
      ...addresses,
    ];
    const lines = f.logs.map((l) => JSON.parse(l) as LogLine);
    expect(lines.filter((l) => l.event === 'admin.invitation_issued')).toHaveLength(3);
    expect(lines.find((l) => l.event === 'admin.invitation_not_delivered')).toMatchObject({
      userName: 'kimura',
      outcome: 'revoked',
    });
    for (const line of f.logs) {
      for (const secret of secrets) expect(line).not.toContain(secret);
      expect(line).not.toContain('onboard#');
    }
    expect(f.logs.join('\n')).toContain('k***@example.com');
  });
});

describe('the structured log', () => {
  const f = useOnboarding();

  /** Everything that must never appear in a log line. */
  const secrets = new Set<string>();
  /** Six-digit codes: looked for as whole tokens, as digits can occur inside other values. */
  const codes = new Set<string>();

  const remember = (device: DeviceBody) => {
    secrets.add(device.secret);
    secrets.add(device.otpauthUri);
  };
  const rememberCodes = (c: { code1: string; code2: string }) => {
    codes.add(c.code1);
    codes.add(c.code2);
    return c;
  };
  const rememberToken = (token: string) => {
    secrets.add(token);
    secrets.add(token.slice(token.lastIndexOf('.') + 1));
    return token;
  };

  it('records each outcome with the user and source IP, and never a token, seed or code', async () => {
    // --- a full enrollment, with a reload and a wrong pair on the way ----------------------
    const token = rememberToken((await f.issue(TANAKA)).token);
    const tag = (await iamStateOf(f.emulator.iam, TANAKA)).invitationTag;
    if (tag) secrets.add(tag);
    expect((await f.request('GET', '/api/enrollment', { token, headers })).status).toBe(200);
    const first = await json(await f.request('POST', '/api/enrollment/device', { token, headers }));
    remember(first);
    const device = await json(
      await f.request('POST', '/api/enrollment/device', { token, headers }),
    );
    remember(device);
    const wrong = rememberCodes(staleCodes(device.secret));
    await expectError(
      await activate(f, token, { serialNumber: device.serialNumber, ...wrong }, { headers }),
      422,
      'invalid_code',
    );
    const stale = rememberCodes(consecutiveCodes(first.secret));
    await expectError(
      await activate(f, token, { serialNumber: device.serialNumber, ...stale }, { headers }),
      422,
      'invalid_code',
    );
    const right = rememberCodes(consecutiveCodes(device.secret));
    const done = await activate(
      f,
      token,
      { serialNumber: device.serialNumber, ...right },
      { headers },
    );
    expect(done.status).toBe(200);

    // --- failures -------------------------------------------------------------------------
    // The used link again, with the codes.
    await expectError(
      await activate(f, token, { serialNumber: device.serialNumber, ...right }, { headers }),
      401,
      'invalid_invitation',
    );
    // Tampered, unknown-user and malformed tokens.
    const sato = rememberToken((await f.issue(SATO)).token);
    const tampered = rememberToken(`${sato.slice(0, -1)}${sato.at(-1) === 'A' ? 'B' : 'A'}`);
    for (const t of [tampered, rememberToken(`nobody.${sato.slice(-43)}`), 'not-a-token']) {
      await expectError(
        await f.request('GET', '/api/enrollment', { token: t, headers }),
        401,
        'invalid_invitation',
      );
    }
    // Bad input carrying code-like values.
    const satoDevice = await createDevice(f, sato);
    remember(satoDevice);
    const satoCodes = rememberCodes(consecutiveCodes(satoDevice.secret));
    await expectError(
      await activate(
        f,
        sato,
        { serialNumber: satoDevice.serialNumber, code1: satoCodes.code1, code2: satoCodes.code1 },
        { headers },
      ),
      400,
      'bad_request',
    );
    await expectError(
      await activate(
        f,
        sato,
        { serialNumber: satoDevice.serialNumber, ...satoCodes, extra: satoDevice.secret },
        { headers },
      ),
      400,
      'bad_request',
    );
    // An unexpected IAM failure (a 500) while the codes are in flight.
    f.emulator.running.emulator.faults.configure({
      scripted: [{ action: 'EnableMFADevice', fault: 'error', code: 'AccessDenied', status: 403 }],
    });
    await expectError(
      await activate(f, sato, { serialNumber: satoDevice.serialNumber, ...satoCodes }, { headers }),
      500,
      'internal_error',
    );

    // --- the scan -------------------------------------------------------------------------
    const lines = [...new Set([...f.logs, ...capturedLogLines])];
    expect(lines.length).toBeGreaterThan(10);
    expect(secrets.size).toBeGreaterThan(10);
    expect(codes.size).toBeGreaterThanOrEqual(6);
    for (const line of lines) {
      for (const secret of secrets) expect(line).not.toContain(secret);
      for (const code of codes)
        expect(line).not.toMatch(new RegExp(`(?<![A-Za-z0-9])${code}(?![A-Za-z0-9])`));
      expect(line).not.toMatch(/authorization|bearer/i);
    }

    // --- the outcomes ---------------------------------------------------------------------
    const parsed = f.logs.map((l) => JSON.parse(l) as LogLine);
    const outcome = (event: string, userName: string) =>
      parsed.filter((l) => l.event === event && l.userName === userName);

    expect(outcome('enrollment.device_created', TANAKA)).toHaveLength(2);
    expect(outcome('enrollment.invalid_code', TANAKA)).toHaveLength(2);
    expect(outcome('enrollment.completed', TANAKA)).toHaveLength(1);
    expect(outcome('enrollment.device_created', SATO)).toHaveLength(1);
    for (const line of [
      ...outcome('enrollment.device_created', TANAKA),
      ...outcome('enrollment.invalid_code', TANAKA),
      ...outcome('enrollment.completed', TANAKA),
    ]) {
      expect(line).toMatchObject({ sourceIp: SOURCE_IP, requestId: expect.any(String) });
      expect(Date.parse(String(line.time))).not.toBeNaN();
    }
    expect(outcome('enrollment.invalid_code', TANAKA).map((l) => l.attemptsUsed)).toEqual([1, 2]);
    expect(outcome('enrollment.completed', TANAKA)[0]).toMatchObject({
      serialNumber: device.serialNumber,
      groupName: 'force-mfa',
    });
    // Rejected links are recorded too, with the source IP and without the user they named.
    const rejected = parsed.filter((l) => l.event === 'enrollment.invitation_rejected');
    expect(rejected).toHaveLength(4);
    for (const line of rejected) {
      expect(line).toMatchObject({ sourceIp: SOURCE_IP, level: 'warn' });
      expect(line.userName).toBeUndefined();
    }
    // The unexpected failure is logged by name only.
    expect(parsed.filter((l) => l.event === 'request.failed')).toEqual([
      expect.objectContaining({
        level: 'error',
        errorCode: 'AccessDenied',
        operation: 'EnableMFADevice',
      }),
    ]);
  });
});

describe('the reminders run’s log', () => {
  const f = useReminders();

  it('records each invitation, renewal, failure and digest with masked addresses, and never a link, token or the webhook', async () => {
    const expiring = invitationTag('ivy', 10 * HOUR);
    f.seedUsers([staffUser('alice'), staffUser('bob'), staffUser('ivy', { tags: expiring.tags })]);
    // One of the three mails is refused.
    f.iam.faults.configure({
      scripted: [{ action: 'SendEmail', fault: 'error', code: 'MessageRejected', status: 400 }],
    });

    const summary = await f.run({ AUTO_INVITE: 'true', DIGEST_WEBHOOK_URL: f.receiver.url });

    expect(summary).toMatchObject({ failed: 1, digest: 'posted' });
    expect(summary.invited + summary.renewed).toBe(2);
    const secrets = new Set<string>([
      f.receiver.url,
      'secret-hook',
      expiring.token,
      expiring.token.slice(expiring.token.lastIndexOf('.') + 1),
      'alice@example.com',
      'bob@example.com',
      'ivy@example.com',
    ]);
    for (const mail of await f.mail()) {
      const { url, token } = f.linkIn(mail);
      secrets.add(url);
      secrets.add(token.slice(token.lastIndexOf('.') + 1));
    }
    expect(secrets.size).toBe(11);
    const lines = f.runLogs();
    expect(lines.map((l) => l.event).sort()).toEqual(
      [
        'reminders.completed',
        'reminders.digest',
        'reminders.failed',
        summary.invited === 2 ? 'reminders.invited' : 'reminders.renewed',
        'reminders.invited',
      ].sort(),
    );
    for (const line of lines) {
      if (line.event !== 'reminders.completed' && line.event !== 'reminders.digest')
        expect(line.to).toMatch(/^[abi]\*\*\*@example\.com$/);
    }
    for (const line of [...new Set(reminderLogLines)]) {
      for (const secret of secrets) expect(line).not.toContain(secret);
      expect(line).not.toContain('onboard#');
      expect(line).not.toContain('v2:');
    }
  });
});

async function json(res: Response): Promise<DeviceBody> {
  expect(res.status).toBe(201);
  return (await res.json()) as DeviceBody;
}
