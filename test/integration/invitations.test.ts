// Invitation links: how they are issued and stored, and the single 401 answer every unusable
// link gets (missing, malformed, unknown user, tampered, expired, revoked by a reissue, used,
// user deleted, user outside the managed path), on every enrollment route.

import { createHash, randomBytes } from 'node:crypto';
import { CreateUserCommand, TagUserCommand, UntagUserCommand } from '@aws-sdk/client-iam';
import { describe, expect, it } from 'vitest';
import { INVITATION_TAG_KEY } from '../../functions/config.ts';
import { ConflictError, UserNotFoundError } from '../../functions/errors.ts';
import { encodeInvitationTag, newInvitation } from '../../functions/invitations/token.ts';
import {
  activate,
  callsByAction,
  createDevice,
  createDeviceOutOfBand,
  deleteUser,
  type ErrorBody,
  enableOutOfBand,
  expectError,
  iamStateOf,
  json,
  resetCalls,
  SATO,
  startEnrollment,
  TANAKA,
  writeActions,
} from '../support/enrollment.ts';
import { type OnboardingFixture, useOnboarding } from '../support/onboarding.ts';
import { consecutiveCodes } from '../support/totp.ts';

const HOUR = 3_600_000;
const randomSecret = () => randomBytes(32).toString('base64url');
const secretOf = (token: string) => token.slice(token.lastIndexOf('.') + 1);

/** Sends the same token to all three enrollment routes. */
async function everyRoute(f: OnboardingFixture, headers: Record<string, string>) {
  const body = {
    serialNumber: `arn:aws:iam::123456789012:mfa/mfa-onboarding/onboarding-${TANAKA}`,
    code1: '123456',
    code2: '234567',
  };
  return [
    await f.request('GET', '/api/enrollment', { headers }),
    await f.request('POST', '/api/enrollment/device', { headers }),
    await f.request('POST', '/api/enrollment/activate', { headers, body }),
  ];
}

describe('issuing an invitation', () => {
  const f = useOnboarding();

  it('gives a link to /onboard with the token in the fragment, valid for 72 hours by default', async () => {
    const before = Date.now();

    const issued = await f.issue(TANAKA);

    expect(issued.userName).toBe(TANAKA);
    expect(issued.url).toBe(`https://onboarding.example.com/onboard#${issued.token}`);
    expect(issued.token).toMatch(/^tanaka\.hanako\.[A-Za-z0-9_-]{43}$/);
    // 72 hours from the moment of issue, in whole seconds: between the clock read before the
    // call (less the rounding) and the one after it.
    const after = Date.now();
    const expiresAt = issued.expiresAt.getTime();
    expect(expiresAt).toBeGreaterThan(before + 72 * HOUR - 1_000);
    expect(expiresAt).toBeLessThanOrEqual(after + 72 * HOUR);
  });

  it('stores only an invitation id, the SHA-256 of the secret and the expiry in one user tag', async () => {
    const issued = await f.issue(TANAKA, 5);

    const { invitationTag, attemptTags } = await iamStateOf(f.emulator.iam, TANAKA);

    const secret = secretOf(issued.token);
    const hash = createHash('sha256').update(secret).digest('base64url');
    expect(invitationTag).toMatch(
      new RegExp(`^v2:[A-Za-z0-9_-]{12}:${hash}:${issued.expiresAt.getTime() / 1000}$`),
    );
    expect(invitationTag).not.toContain(secret);
    // No code has been checked yet: no attempt is reserved.
    expect(attemptTags).toEqual([]);
  });

  it('uses a new secret each time, and a reissue replaces the stored one', async () => {
    const first = await f.issue(TANAKA);
    const second = await f.issue(TANAKA);

    expect(secretOf(second.token)).not.toBe(secretOf(first.token));
    const { invitationTag } = await iamStateOf(f.emulator.iam, TANAKA);
    expect(invitationTag).toContain(
      createHash('sha256').update(secretOf(second.token)).digest('base64url'),
    );
  });

  it('refuses an unknown user', async () => {
    await expect(f.issue('nobody')).rejects.toBeInstanceOf(UserNotFoundError);
  });

  it('refuses a user who already has an MFA device, writing no tag', async () => {
    await enableOutOfBand(f.emulator.iam, SATO, await createDeviceOutOfBand(f.emulator.iam, 'p'));

    const error = await f.issue(SATO).catch((e: unknown) => e);

    expect(error).toBeInstanceOf(ConflictError);
    expect(error).toMatchObject({ code: 'already_enrolled' });
    expect((await iamStateOf(f.emulator.iam, SATO)).invitationTag).toBeUndefined();
  });
});

describe('401: one answer for every unusable link', () => {
  const f = useOnboarding();
  let reference: ErrorBody | undefined;

  /** The 401 body of a request without any token: every other case must match it exactly. */
  async function referenceBody(): Promise<ErrorBody> {
    reference ??= await json<ErrorBody>(await f.request('GET', '/api/enrollment'));
    return reference;
  }

  const bearer = (token: string) => ({ authorization: `Bearer ${token}` });

  const cases: [string, () => Promise<Record<string, string>>][] = [
    ['no Authorization header', async () => ({})],
    ['an empty bearer token', async () => ({ authorization: 'Bearer ' })],
    [
      'another authentication scheme',
      async () => ({ authorization: `Basic ${Buffer.from(`${TANAKA}:x`).toString('base64')}` }),
    ],
    ['a token without a dot', async () => bearer(randomSecret())],
    ['a token with a short secret', async () => bearer(`${TANAKA}.abc`)],
    [
      'a token with characters outside base64url',
      async () => bearer(`${TANAKA}.${'+'.repeat(43)}`),
    ],
    ['a token with an invalid user name', async () => bearer(`tanaka/hanako.${randomSecret()}`)],
    ['a very long token', async () => bearer(`${'a'.repeat(5_000)}.${randomSecret()}`)],
    ['a well-formed token for an unknown user', async () => bearer(`nobody.${randomSecret()}`)],
    ['a token for a user who was never invited', async () => bearer(`${SATO}.${randomSecret()}`)],
    [
      'a tampered token (one character of the secret changed)',
      async () => {
        const { token } = await f.issue(TANAKA);
        const last = token.at(-1) === 'A' ? 'B' : 'A';
        return bearer(`${token.slice(0, -1)}${last}`);
      },
    ],
    [
      "another invited user's secret under this user's name",
      async () => {
        await f.issue(TANAKA);
        const sato = await f.issue(SATO);
        return bearer(`${TANAKA}.${secretOf(sato.token)}`);
      },
    ],
    [
      'an expired token',
      async () => {
        const { token } = await f.issue(TANAKA);
        f.advanceClock(72 * HOUR + 1_000);
        return bearer(token);
      },
    ],
    [
      'a token at the very second it expires',
      async () => {
        const { token, expiresAt } = await f.issue(TANAKA);
        f.advanceClock(expiresAt.getTime() - Date.now());
        return bearer(token);
      },
    ],
    [
      'a token revoked by a reissue',
      async () => {
        const { token } = await f.issue(TANAKA);
        await f.issue(TANAKA);
        return bearer(token);
      },
    ],
    [
      'a token revoked by HR (the tag removed)',
      async () => {
        const { token } = await f.issue(TANAKA);
        await f.emulator.iam.send(
          new UntagUserCommand({ UserName: TANAKA, TagKeys: [INVITATION_TAG_KEY] }),
        );
        return bearer(token);
      },
    ],
    [
      'a token whose tag has been corrupted',
      async () => {
        const { token } = await f.issue(TANAKA);
        await f.emulator.iam.send(
          new TagUserCommand({
            UserName: TANAKA,
            Tags: [{ Key: INVITATION_TAG_KEY, Value: 'v1:garbage' }],
          }),
        );
        return bearer(token);
      },
    ],
    [
      'a used token',
      async () => {
        const { token, device } = await startEnrollment(f);
        const done = await activate(f, token, {
          serialNumber: device.serialNumber,
          ...consecutiveCodes(device.secret),
        });
        expect(done.status).toBe(200);
        return bearer(token);
      },
    ],
    [
      "a deleted user's token",
      async () => {
        const { token } = await startEnrollment(f);
        await deleteUser(f.emulator.iam, TANAKA);
        return bearer(token);
      },
    ],
  ];

  it.each(cases)(
    'answers 401 on every route, with the one body, for %s',
    async (_label, arrange) => {
      const expected = await referenceBody();
      const headers = await arrange();
      resetCalls(f);

      const answers = await everyRoute(f, headers);

      for (const res of answers) {
        const body = await expectError(res, 401, 'invalid_invitation');
        expect(body).toEqual(expected);
      }
      expect(writeActions(callsByAction(f))).toEqual([]);
    },
  );

  it('accepts the link until just before it expires', async () => {
    const { token } = await f.issue(TANAKA);
    f.advanceClock(72 * HOUR - 60_000);

    const res = await f.request('GET', '/api/enrollment', { token });

    expect(res.status).toBe(200);
  });

  it('honours a reissued link while refusing the old one', async () => {
    const old = await f.issue(TANAKA);
    const reissued = await f.issue(TANAKA);

    const [oldRes, newRes] = [
      await f.request('POST', '/api/enrollment/device', { token: old.token }),
      await f.request('POST', '/api/enrollment/device', { token: reissued.token }),
    ];

    await expectError(oldRes, 401, 'invalid_invitation');
    expect(newRes.status).toBe(201);
  });

  it('does not reveal whether the user exists or was invited', async () => {
    const { token } = await f.issue(TANAKA);
    const tampered = `${token.slice(0, -1)}${token.at(-1) === 'A' ? 'B' : 'A'}`;

    const unknownUser = await json<ErrorBody>(
      await f.request('GET', '/api/enrollment', { token: `nobody.${randomSecret()}` }),
    );
    const wrongSecret = await json<ErrorBody>(
      await f.request('GET', '/api/enrollment', { token: tampered }),
    );

    expect(unknownUser).toEqual(wrongSecret);
    expect(JSON.stringify(unknownUser)).not.toMatch(/nobody|tanaka|exist|expired only/i);
  });
});

describe('users outside USER_PATH_PREFIX', () => {
  const f = useOnboarding({ USER_PATH_PREFIX: '/employees/' });
  const YAMADA = 'yamada.jiro';

  it('invites and enrolls a user under the managed path', async () => {
    await f.emulator.iam.send(new CreateUserCommand({ UserName: YAMADA, Path: '/employees/' }));
    const { token } = await f.issue(YAMADA);
    const device = await createDevice(f, token);

    const res = await activate(f, token, {
      serialNumber: device.serialNumber,
      ...consecutiveCodes(device.secret),
    });

    expect(res.status).toBe(200);
  });

  it('refuses to issue an invitation for a user outside the path as if unknown, writing no tag', async () => {
    const error = await f.issue(TANAKA).catch((e: unknown) => e);
    const unknown = await f.issue('nobody').catch((e: unknown) => e);

    // Exactly the answer for a user that does not exist: a key learns nothing about the path.
    expect(error).toBeInstanceOf(UserNotFoundError);
    expect((error as Error).message).toBe((unknown as Error).message.replace('nobody', TANAKA));
    expect((await iamStateOf(f.emulator.iam, TANAKA)).invitationTag).toBeUndefined();
  });

  it('answers 401 to a valid-looking invitation of a user outside the path, and changes nothing', async () => {
    // A tag written by hand (or left from an older configuration) must not make the user
    // enrollable.
    const { token, record } = newInvitation(TANAKA, new Date(Date.now() + HOUR));
    await f.emulator.iam.send(
      new TagUserCommand({
        UserName: TANAKA,
        Tags: [
          {
            Key: INVITATION_TAG_KEY,
            Value: encodeInvitationTag(record),
          },
        ],
      }),
    );
    resetCalls(f);

    const answers = await everyRoute(f, { authorization: `Bearer ${token}` });

    for (const res of answers) await expectError(res, 401, 'invalid_invitation');
    expect(writeActions(callsByAction(f))).toEqual([]);
  });

  it('answers 401 when the deployed role may not even read a user outside the path', async () => {
    // In AWS the onboarding role's GetUser is scoped to the user path, so IAM answers
    // AccessDenied for anyone else: that must be the same 401, never a 500.
    const { token } = newInvitation(TANAKA, new Date(Date.now() + HOUR));
    f.emulator.running.emulator.faults.configure({
      scripted: [
        { action: 'GetUser', fault: 'error', code: 'AccessDenied', status: 403, count: 3 },
      ],
    });

    const answers = await everyRoute(f, { authorization: `Bearer ${token}` });

    for (const res of answers) await expectError(res, 401, 'invalid_invitation');
  });
});
