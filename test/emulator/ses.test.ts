// The emulator's SES v2, through the real @aws-sdk/client-sesv2 over HTTP: what the service's
// onboarding mail and reminders will meet. Facts behind each expectation: docs/ses-facts.md.

import { execFile, spawnSync } from 'node:child_process';
import { promisify } from 'node:util';
import {
  CreateEmailIdentityCommand,
  DeleteEmailIdentityCommand,
  GetEmailIdentityCommand,
  ListEmailIdentitiesCommand,
  SESv2Client,
  SendEmailCommand,
  type SendEmailCommandInput,
} from '@aws-sdk/client-sesv2';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { SentMail } from '../../local/emulator/ses/service.ts';
import { clientConfig, sdkError, useEmulator } from '../support/emulator.ts';

const run = promisify(execFile);
const emu = useEmulator();
let ses: SESv2Client;
beforeAll(() => {
  ses = new SESv2Client(clientConfig(emu.url));
});
afterAll(() => ses.destroy());

const SENDER = 'onboarding@example.com';

function simple(overrides: Partial<SendEmailCommandInput> = {}): SendEmailCommandInput {
  return {
    FromEmailAddress: SENDER,
    Destination: { ToAddresses: ['tanaka.hanako@example.com'] },
    Content: {
      Simple: {
        Subject: { Data: 'MFA の設定 / Set up MFA', Charset: 'UTF-8' },
        Body: {
          Text: { Data: 'Open https://mfa.example.com/o/abc', Charset: 'UTF-8' },
          Html: { Data: '<p><a href="https://mfa.example.com/o/abc">開く / Open</a></p>' },
        },
      },
    },
    ...overrides,
  };
}

async function verifiedSender(name = SENDER): Promise<void> {
  await ses.send(new CreateEmailIdentityCommand({ EmailIdentity: name }));
  await emu.control('POST', `/ses/identities/${encodeURIComponent(name)}/verify`);
}

const mail = async () => ((await emu.control('GET', '/mail')) as { messages: SentMail[] }).messages;

describe('SendEmail', () => {
  it('accepts a simple message from a verified sender and keeps it for /_emulator/mail', async () => {
    await verifiedSender();

    const { MessageId, $metadata } = await ses.send(new SendEmailCommand(simple()));

    expect($metadata.httpStatusCode).toBe(200);
    expect(MessageId).toMatch(/^[0-9a-f]{16}-[0-9a-f-]{36}-000000$/);
    const messages = await mail();
    expect(messages).toEqual([
      expect.objectContaining({
        id: MessageId,
        from: SENDER,
        to: ['tanaka.hanako@example.com'],
        subject: 'MFA の設定 / Set up MFA',
        text: 'Open https://mfa.example.com/o/abc',
        html: '<p><a href="https://mfa.example.com/o/abc">開く / Open</a></p>',
      }),
    ]);
    expect(new Date(messages[0]?.at ?? '').toISOString()).toBe(messages[0]?.at);
  });

  it('keeps Cc and Bcc, a display-name sender, and the order messages came in', async () => {
    await verifiedSender();

    await ses.send(new SendEmailCommand(simple({ FromEmailAddress: `MFA 登録 <${SENDER}>` })));
    await ses.send(
      new SendEmailCommand(
        simple({
          Destination: {
            ToAddresses: ['a@example.com'],
            CcAddresses: ['b@example.com'],
            BccAddresses: ['c@example.com'],
          },
        }),
      ),
    );

    const [first, second] = await mail();
    expect(first?.from).toBe(`MFA 登録 <${SENDER}>`);
    expect(second).toMatchObject({
      to: ['a@example.com'],
      cc: ['b@example.com'],
      bcc: ['c@example.com'],
    });
  });

  it('refuses an unverified sender with MessageRejected 400, naming the region as SES does', async () => {
    const error = await sdkError(ses.send(new SendEmailCommand(simple())));

    expect(error.name).toBe('MessageRejected');
    expect(error.$metadata.httpStatusCode).toBe(400);
    expect(error.message).toBe(
      'Email address is not verified. The following identities failed the check in region US-EAST-1: onboarding@example.com',
    );
    expect(await mail()).toEqual([]);
  });

  it('names the region the request was signed for', async () => {
    const tokyo = new SESv2Client({ ...clientConfig(emu.url), region: 'ap-northeast-1' });
    const error = await sdkError(tokyo.send(new SendEmailCommand(simple())));
    tokyo.destroy();

    expect(error.message).toMatch(/in region AP-NORTHEAST-1: onboarding@example\.com$/);
  });

  it('refuses a created but still pending identity, and accepts it once verified', async () => {
    await ses.send(new CreateEmailIdentityCommand({ EmailIdentity: SENDER }));
    expect((await sdkError(ses.send(new SendEmailCommand(simple())))).name).toBe('MessageRejected');

    await emu.control('POST', `/ses/identities/${SENDER}/verify`);

    expect((await ses.send(new SendEmailCommand(simple()))).MessageId).toBeDefined();
  });

  it('lets any address of a verified domain send', async () => {
    await verifiedSender('example.com');

    await ses.send(new SendEmailCommand(simple({ FromEmailAddress: 'no-reply@example.com' })));

    expect((await mail())[0]?.from).toBe('no-reply@example.com');
  });

  it('in the sandbox, also refuses unverified recipients, sender first', async () => {
    await verifiedSender();
    await emu.control('PATCH', '/ses/settings', { sandbox: true });

    const error = await sdkError(ses.send(new SendEmailCommand(simple())));

    expect(error.message).toBe(
      'Email address is not verified. The following identities failed the check in region US-EAST-1: tanaka.hanako@example.com',
    );
  });

  it.each([
    [
      'no subject',
      simple({
        Content: { Simple: { Subject: undefined as never, Body: { Text: { Data: 'x' } } } },
      }),
    ],
    ['no body', simple({ Content: { Simple: { Subject: { Data: 's' }, Body: {} } } })],
    ['no recipient', simple({ Destination: { ToAddresses: [] } })],
    ['no sender', simple({ FromEmailAddress: undefined })],
    ['a recipient that is no address', simple({ Destination: { ToAddresses: ['tanaka'] } })],
    ['no content', simple({ Content: {} })],
  ])('refuses %s with BadRequestException 400', async (_, input) => {
    await verifiedSender();

    const error = await sdkError(ses.send(new SendEmailCommand(input)));

    expect(error.name).toBe('BadRequestException');
    expect(error.$metadata.httpStatusCode).toBe(400);
    expect(error.message).not.toBe('');
    expect(await mail()).toEqual([]);
  });

  it('reads a raw MIME message back: encoded subject, both alternatives', async () => {
    await verifiedSender();
    const raw = [
      `From: ${SENDER}`,
      'To: sato.taro@example.com',
      `Subject: =?UTF-8?B?${Buffer.from('MFA のご案内').toString('base64')}?=`,
      'MIME-Version: 1.0',
      'Content-Type: multipart/alternative; boundary="b1"',
      '',
      '--b1',
      'Content-Type: text/plain; charset=UTF-8',
      'Content-Transfer-Encoding: base64',
      '',
      Buffer.from('リンク: https://mfa.example.com/o/x').toString('base64'),
      '--b1',
      'Content-Type: text/html; charset=UTF-8',
      'Content-Transfer-Encoding: quoted-printable',
      '',
      '<a href=3D"https://mfa.example.com/o/x">=E9=96=8B=E3=81=8F</a>',
      '--b1--',
      '',
    ].join('\r\n');

    await ses.send(new SendEmailCommand({ Content: { Raw: { Data: Buffer.from(raw) } } }));

    expect((await mail())[0]).toMatchObject({
      from: SENDER,
      to: ['sato.taro@example.com'],
      subject: 'MFA のご案内',
      text: 'リンク: https://mfa.example.com/o/x',
      html: '<a href="https://mfa.example.com/o/x">開く</a>',
    });
  });
});

describe('email identities', () => {
  it('creates a pending email identity, gets it, lists it and deletes it', async () => {
    const created = await ses.send(
      new CreateEmailIdentityCommand({
        EmailIdentity: SENDER,
        Tags: [{ Key: 'app', Value: 'mfa' }],
      }),
    );
    expect(created).toMatchObject({
      IdentityType: 'EMAIL_ADDRESS',
      VerifiedForSendingStatus: false,
    });

    const got = await ses.send(new GetEmailIdentityCommand({ EmailIdentity: SENDER }));
    expect(got).toMatchObject({
      IdentityType: 'EMAIL_ADDRESS',
      VerifiedForSendingStatus: false,
      VerificationStatus: 'PENDING',
      Tags: [{ Key: 'app', Value: 'mfa' }],
    });
    const listed = await ses.send(new ListEmailIdentitiesCommand({}));
    expect(listed.EmailIdentities).toEqual([
      {
        IdentityType: 'EMAIL_ADDRESS',
        IdentityName: SENDER,
        SendingEnabled: false,
        VerificationStatus: 'PENDING',
      },
    ]);

    const deleted = await ses.send(new DeleteEmailIdentityCommand({ EmailIdentity: SENDER }));
    expect(deleted.$metadata.httpStatusCode).toBe(200);
    const gone = await sdkError(ses.send(new GetEmailIdentityCommand({ EmailIdentity: SENDER })));
    expect(gone.name).toBe('NotFoundException');
    expect(gone.$metadata.httpStatusCode).toBe(404);
  });

  it('refuses a second identity of the same name with AlreadyExistsException 400', async () => {
    await ses.send(new CreateEmailIdentityCommand({ EmailIdentity: SENDER }));

    const error = await sdkError(
      ses.send(new CreateEmailIdentityCommand({ EmailIdentity: SENDER })),
    );

    expect(error.name).toBe('AlreadyExistsException');
    expect(error.$metadata.httpStatusCode).toBe(400);
    expect(error.message).toBe(`Email identity ${SENDER} already exist.`);
  });

  it('answers NotFoundException 404 for deleting an identity that is not there', async () => {
    const error = await sdkError(
      ses.send(new DeleteEmailIdentityCommand({ EmailIdentity: SENDER })),
    );

    expect(error.name).toBe('NotFoundException');
    expect(error.$metadata.httpStatusCode).toBe(404);
  });

  it('pages the list with PageSize and NextToken', async () => {
    for (const name of ['a@example.com', 'b@example.com', 'c@example.com']) {
      await ses.send(new CreateEmailIdentityCommand({ EmailIdentity: name }));
    }

    const first = await ses.send(new ListEmailIdentitiesCommand({ PageSize: 2 }));
    const second = await ses.send(
      new ListEmailIdentitiesCommand({ PageSize: 2, NextToken: first.NextToken }),
    );

    expect(first.EmailIdentities?.map((i) => i.IdentityName)).toEqual([
      'a@example.com',
      'b@example.com',
    ]);
    expect(second.EmailIdentities?.map((i) => i.IdentityName)).toEqual(['c@example.com']);
    expect(second.NextToken).toBeUndefined();
  });

  it('verifies new identities at once when autoVerify is on', async () => {
    await emu.control('PATCH', '/ses/settings', { autoVerify: true });

    const created = await ses.send(new CreateEmailIdentityCommand({ EmailIdentity: SENDER }));

    expect(created.VerifiedForSendingStatus).toBe(true);
    expect((await ses.send(new SendEmailCommand(simple()))).MessageId).toBeDefined();
  });
});

describe('throttling and faults', () => {
  it('refuses sends over the configured sending rate with TooManyRequestsException 429', async () => {
    await verifiedSender();
    await emu.control('PATCH', '/ses/settings', { maxSendRate: 2 });

    await ses.send(new SendEmailCommand(simple()));
    await ses.send(new SendEmailCommand(simple()));
    const error = await sdkError(ses.send(new SendEmailCommand(simple())));

    expect(error.name).toBe('TooManyRequestsException');
    expect(error.$metadata.httpStatusCode).toBe(429);
    expect(error.message).toBe('Maximum sending rate exceeded.');
    expect(await mail()).toHaveLength(2);
  });

  it('answers injected throttling of SendEmail as SES throttles, and counts the calls', async () => {
    await verifiedSender();
    await emu.control('PUT', '/faults', {
      scripted: [{ action: 'SendEmail', fault: 'error', code: 'Throttling', status: 400 }],
    });

    const error = await sdkError(ses.send(new SendEmailCommand(simple())));
    await ses.send(new SendEmailCommand(simple()));

    expect(error.name).toBe('TooManyRequestsException');
    expect(error.$metadata.httpStatusCode).toBe(429);
    expect((await emu.calls()).byAction).toMatchObject({ SendEmail: 2, CreateEmailIdentity: 1 });
    expect(await emu.control('GET', '/outcomes')).toMatchObject({
      SendEmail: { TooManyRequestsException: 1, OK: 1 },
    });
  });

  it('throttles SES actions with the per-action bucket too', async () => {
    await emu.control('PUT', '/faults', {
      actionThrottle: { CreateEmailIdentity: { ratePerSecond: 0.001, burst: 1 } },
    });

    await ses.send(new CreateEmailIdentityCommand({ EmailIdentity: 'a@example.com' }));
    const error = await sdkError(
      ses.send(new CreateEmailIdentityCommand({ EmailIdentity: 'b@example.com' })),
    );

    expect(error.name).toBe('TooManyRequestsException');
  });

  it('keeps the mail of a send whose response was lost', async () => {
    await verifiedSender();
    await emu.control('PUT', '/faults', {
      scripted: [{ action: 'SendEmail', fault: 'drop-after' }],
    });

    await expect(ses.send(new SendEmailCommand(simple()))).rejects.toThrow();

    expect(await mail()).toHaveLength(1);
    expect(await emu.control('GET', '/outcomes')).toMatchObject({ SendEmail: { OK: 1 } });
  });
});

describe('the mailbox', () => {
  it('empties with DELETE /_emulator/mail and with /_emulator/reset, identities too', async () => {
    await verifiedSender();
    await ses.send(new SendEmailCommand(simple()));

    await emu.control('DELETE', '/mail');
    expect(await mail()).toEqual([]);

    await ses.send(new SendEmailCommand(simple()));
    await emu.control('POST', '/reset');
    expect(await mail()).toEqual([]);
    expect((await ses.send(new ListEmailIdentitiesCommand({}))).EmailIdentities).toEqual([]);
  });

  it('shows the messages on an HTML page, newest first, the HTML body sandboxed', async () => {
    await verifiedSender();
    await ses.send(new SendEmailCommand(simple()));
    await ses.send(
      new SendEmailCommand(
        simple({
          Content: {
            Simple: {
              Subject: { Data: '<script>alert(1)</script> reminder' },
              Body: { Html: { Data: '<p onclick="x()">Hi & "bye"</p>' }, Text: { Data: 'a < b' } },
            },
          },
        }),
      ),
    );

    const res = await fetch(`${emu.url}/_emulator/mailbox`);
    const page = await res.text();

    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('text/html; charset=utf-8');
    expect(page).toMatch(/<html lang="en">/);
    expect(page).toContain('<h1>Emulator mailbox</h1>');
    expect(page).not.toContain('<script>');
    expect(page).toContain('&lt;script&gt;alert(1)&lt;/script&gt; reminder');
    expect(page.indexOf('reminder')).toBeLessThan(page.indexOf('MFA の設定'));
    expect(page).toContain('sandbox="allow-popups allow-popups-to-escape-sandbox"');
    expect(page).toContain(
      'srcdoc="&lt;base target=&quot;_blank&quot;&gt;&lt;p onclick=&quot;x()&quot;&gt;Hi &amp; &quot;bye&quot;&lt;/p&gt;"',
    );
    expect(page).toContain('<pre>a &lt; b</pre>');
    expect(page).not.toMatch(/(src|href)="https?:/);
  });

  it('shows the message chosen by ?id=', async () => {
    await verifiedSender();
    const { MessageId } = await ses.send(new SendEmailCommand(simple()));
    await ses.send(
      new SendEmailCommand(
        simple({
          Content: { Simple: { Subject: { Data: 'later' }, Body: { Text: { Data: 'x' } } } },
        }),
      ),
    );

    const page = await (await fetch(`${emu.url}/_emulator/mailbox?id=${MessageId}`)).text();

    expect(page).toContain('<h2 id="message-heading">MFA の設定 / Set up MFA</h2>');
  });
});

// botocore's own restJson parser and its older model (ListEmailIdentities is GET /identities
// there): agreeing with both SDKs says the emulator speaks the protocol, not one SDK's quirks.
const BOTO3_CHECK = `
import sys, boto3
ses = boto3.client('sesv2', endpoint_url=sys.argv[1], region_name='eu-west-1')
ses.create_email_identity(EmailIdentity='onboarding@example.com')
try:
    ses.send_email(FromEmailAddress='onboarding@example.com', Destination={'ToAddresses': ['a@example.com']},
                   Content={'Simple': {'Subject': {'Data': 's'}, 'Body': {'Text': {'Data': 't'}}}})
    raise SystemExit('an unverified sender was accepted')
except ses.exceptions.MessageRejected as e:
    assert e.response['ResponseMetadata']['HTTPStatusCode'] == 400
    print('rejected:', e.response['Error']['Message'])
try:
    ses.get_email_identity(EmailIdentity='nobody@example.com')
    raise SystemExit('an unknown identity was found')
except ses.exceptions.NotFoundException as e:
    assert e.response['ResponseMetadata']['HTTPStatusCode'] == 404
print('listed:', [i['IdentityName'] for i in ses.list_email_identities()['EmailIdentities']])
`;

describe('boto3 against the emulator', () => {
  const hasBoto3 = spawnSync('python3', ['-c', 'import boto3'], { stdio: 'ignore' }).status === 0;

  it.skipIf(!hasBoto3)('sees the same errors and identities through botocore', async () => {
    const env = {
      PATH: process.env.PATH ?? '',
      HOME: process.env.HOME ?? '',
      AWS_ACCESS_KEY_ID: 'x',
      AWS_SECRET_ACCESS_KEY: 'y',
      AWS_CONFIG_FILE: '/dev/null',
      AWS_SHARED_CREDENTIALS_FILE: '/dev/null',
    };

    const { stdout } = await run('python3', ['-c', BOTO3_CHECK, emu.url], { env });

    expect(stdout).toContain(
      'rejected: Email address is not verified. The following identities failed the check in region EU-WEST-1: onboarding@example.com',
    );
    expect(stdout).toContain("listed: ['onboarding@example.com']");
    expect((await emu.calls()).byAction).toMatchObject({
      ListEmailIdentities: 1,
      GetEmailIdentity: 1,
    });
  });
});
