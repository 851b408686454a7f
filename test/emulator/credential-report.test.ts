// GenerateCredentialReport / GetCredentialReport, spoken to by the real @aws-sdk/client-iam over
// HTTP. Facts: docs/iam-facts.md §3 "Credential report" and §5. Behaviour marked UNCONFIRMED there
// is the emulator's chosen assumption, pinned here so that a change is deliberate.

import {
  CreateAccessKeyCommand,
  CreateLoginProfileCommand,
  CreateUserCommand,
  CreateVirtualMFADeviceCommand,
  DeleteAccessKeyCommand,
  EnableMFADeviceCommand,
  GenerateCredentialReportCommand,
  GetCredentialReportCommand,
  UpdateAccessKeyCommand,
} from '@aws-sdk/client-iam';
import { describe, expect, it } from 'vitest';
import type { AccountState, UserRecord } from '../../local/emulator/state.ts';
import { sdkError, useEmulator } from '../support/emulator.ts';
import { authenticationCodes } from '../support/totp.ts';

const ACCOUNT = '123456789012';
const FOUR_HOURS = 4 * 60 * 60 * 1000;
const HEADER =
  'user,arn,user_creation_time,password_enabled,password_last_used,password_last_changed,' +
  'password_next_rotation,mfa_active,access_key_1_active,access_key_1_last_rotated,' +
  'access_key_1_last_used_date,access_key_1_last_used_region,access_key_1_last_used_service,' +
  'access_key_2_active,access_key_2_last_rotated,access_key_2_last_used_date,' +
  'access_key_2_last_used_region,access_key_2_last_used_service,cert_1_active,' +
  'cert_1_last_rotated,cert_2_active,cert_2_last_rotated';

const em = useEmulator();
const state = (): AccountState => em.running.emulator.state;
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Report dates: ISO 8601 with seconds and `+00:00` (the `+00:00` form is UNCONFIRMED). */
const reportDate = (d: Date) => `${d.toISOString().slice(0, 19)}+00:00`;

const generate = () => em.iam.send(new GenerateCredentialReportCommand({}));
const getReport = () => em.iam.send(new GetCredentialReportCommand({}));
const buildTakes = (ms: number) =>
  em.control('PATCH', '/settings', { credentialReportBuildMs: ms });
const advanceClock = (ms: number) => em.control('PUT', '/clock', { advanceMs: ms });

/** The report's text, as the SDK hands back its base64-decoded Content. */
async function reportCsv(): Promise<string> {
  const { Content } = await getReport();
  if (!Content) throw new Error('no Content');
  return Buffer.from(Content).toString('utf8');
}

/** A small RFC 4180 reader: fields may be quoted, with "" for a quote. */
function parseCsv(text: string): string[][] {
  return text.split('\n').map((line) => {
    const fields: string[] = [];
    let i = 0;
    while (i <= line.length) {
      if (line[i] === '"') {
        let value = '';
        i++;
        while (i < line.length) {
          if (line[i] === '"' && line[i + 1] === '"') {
            value += '"';
            i += 2;
          } else if (line[i] === '"') {
            i++;
            break;
          } else value += line[i++];
        }
        fields.push(value);
        i++; // the comma
      } else {
        const end = line.indexOf(',', i);
        fields.push(line.slice(i, end === -1 ? line.length : end));
        i = end === -1 ? line.length + 1 : end + 1;
      }
    }
    return fields;
  });
}

/** Rows keyed by column name, root first. */
async function reportRows(): Promise<Record<string, string>[]> {
  const [header, ...rows] = parseCsv(await reportCsv());
  return rows.map((row) => Object.fromEntries((header ?? []).map((col, i) => [col, row[i] ?? ''])));
}

/** Generates a report that is readable at once. */
async function freshReport(): Promise<Record<string, string>[]> {
  await buildTakes(0);
  await generate();
  return reportRows();
}

async function createUser(name: string, path?: string) {
  const { User } = await em.iam.send(new CreateUserCommand({ UserName: name, Path: path }));
  if (!User?.CreateDate) throw new Error('no user');
  return User;
}

function userRecord(name: string): UserRecord {
  const user = state().users.get(name.toLowerCase());
  if (!user) throw new Error(`no user ${name}`);
  return user;
}

describe('GenerateCredentialReport and the life of a report', () => {
  it('answers GetCredentialReport with ReportNotPresent (410, no message) before any report exists', async () => {
    const error = await sdkError(getReport());
    expect(error.name).toBe('CredentialReportNotPresentException');
    expect(error.Code).toBe('ReportNotPresent');
    expect(error.message).toBe('Unknown'); // AWS sends no <Message> at all
    expect(error.$metadata.httpStatusCode).toBe(410);
  });

  it('goes STARTED → INPROGRESS → COMPLETE while the report builds', async () => {
    await buildTakes(200);

    const first = await generate();
    expect(first.State).toBe('STARTED');
    expect(first.Description).toBe('No report exists. Starting a new report generation task');

    const again = await generate();
    expect(again.State).toBe('INPROGRESS');
    expect(again.Description).toBeUndefined();

    await sleep(250);
    const done = await generate();
    expect(done.State).toBe('COMPLETE');
    expect(done.Description).toBeUndefined();
  });

  it('answers GetCredentialReport with ReportInProgress (404, no message) while the report builds', async () => {
    await buildTakes(200);
    await generate();

    const error = await sdkError(getReport());
    expect(error.name).toBe('CredentialReportNotReadyException');
    expect(error.Code).toBe('ReportInProgress');
    expect(error.message).toBe('Unknown');
    expect(error.$metadata.httpStatusCode).toBe(404);

    await sleep(250);
    const report = await getReport();
    expect(report.ReportFormat).toBe('text/csv');
  });

  it('returns the CSV base64-encoded, as text/csv, with the time generation started', async () => {
    await buildTakes(0);
    const before = Math.floor(Date.now() / 1000) * 1000;
    await generate();

    const report = await getReport();
    expect(report.ReportFormat).toBe('text/csv');
    expect(report.GeneratedTime).toBeInstanceOf(Date);
    expect(report.GeneratedTime?.getTime()).toBeGreaterThanOrEqual(before);
    expect(report.GeneratedTime?.getTime()).toBeLessThanOrEqual(Date.now());
    expect(
      Buffer.from(report.Content ?? new Uint8Array())
        .toString('utf8')
        .startsWith('user,arn,'),
    ).toBe(true);
  });

  it('reuses a report younger than four hours: COMPLETE, and users created since are not in it', async () => {
    await buildTakes(0);
    await createUser('alice');
    await generate();
    await createUser('bob');

    await advanceClock(FOUR_HOURS - 60_000);
    expect((await generate()).State).toBe('COMPLETE');
    expect((await reportRows()).map((r) => r.user)).toEqual(['<root_account>', 'alice']);
  });

  it('builds a new report once the old one is four hours old', async () => {
    await buildTakes(0);
    await createUser('alice');
    await generate();
    await createUser('bob');

    await advanceClock(FOUR_HOURS);
    const next = await generate();
    expect(next.State).toBe('STARTED');
    expect((await reportRows()).map((r) => r.user)).toEqual(['<root_account>', 'alice', 'bob']);
  });

  it('answers ReportExpired (410) for a report four hours old until a new one is generated', async () => {
    await buildTakes(0);
    await generate();
    await advanceClock(FOUR_HOURS - 1000);
    await expect(getReport()).resolves.toMatchObject({ ReportFormat: 'text/csv' });

    await advanceClock(1000);
    const error = await sdkError(getReport());
    expect(error.name).toBe('CredentialReportExpiredException');
    expect(error.Code).toBe('ReportExpired');
    expect(error.$metadata.httpStatusCode).toBe(410);
    expect(error.message).toBe('Unknown'); // UNCONFIRMED: sent without a message, like its siblings

    expect((await generate()).State).toBe('STARTED');
    await expect(getReport()).resolves.toMatchObject({ ReportFormat: 'text/csv' });
  });

  it('snapshots the account when generation starts, not when the report becomes readable', async () => {
    await buildTakes(200);
    await createUser('alice');
    await generate();
    await createUser('bob'); // while the report builds

    await sleep(250);
    expect((await reportRows()).map((r) => r.user)).toEqual(['<root_account>', 'alice']);
  });
});

describe('the credential report CSV', () => {
  it('starts with the exact 22-column header', async () => {
    await buildTakes(0);
    await generate();
    const [header] = (await reportCsv()).split('\n');
    expect(header).toBe(HEADER);
    expect(header?.split(',')).toHaveLength(22);
  });

  it('has the root account row first, with not_supported password fields and no MFA', async () => {
    await buildTakes(0);
    await createUser('zed');
    await generate();
    const lines = (await reportCsv()).split('\n');
    expect(lines[1]).toBe(
      `<root_account>,arn:aws:iam::${ACCOUNT}:root,${reportDate(state().createDate)},` +
        'not_supported,no_information,not_supported,not_supported,false,' +
        'false,N/A,N/A,N/A,N/A,false,N/A,N/A,N/A,N/A,false,N/A,false,N/A',
    );
  });

  it('ends without a trailing newline (UNCONFIRMED)', async () => {
    await buildTakes(0);
    await createUser('alice');
    await generate();
    const csv = await reportCsv();
    expect(csv.endsWith('\n')).toBe(false);
    expect(csv.split('\n')).toHaveLength(3);
  });

  it('writes a user without a password as password_enabled false with N/A dates', async () => {
    const user = await createUser('no-password', '/staff/');
    const [, row] = await freshReport();
    expect(row).toEqual({
      user: 'no-password',
      arn: `arn:aws:iam::${ACCOUNT}:user/staff/no-password`,
      user_creation_time: reportDate(user.CreateDate as Date),
      password_enabled: 'false',
      password_last_used: 'N/A',
      password_last_changed: 'N/A',
      password_next_rotation: 'N/A',
      mfa_active: 'false',
      access_key_1_active: 'false',
      access_key_1_last_rotated: 'N/A',
      access_key_1_last_used_date: 'N/A',
      access_key_1_last_used_region: 'N/A',
      access_key_1_last_used_service: 'N/A',
      access_key_2_active: 'false',
      access_key_2_last_rotated: 'N/A',
      access_key_2_last_used_date: 'N/A',
      access_key_2_last_used_region: 'N/A',
      access_key_2_last_used_service: 'N/A',
      cert_1_active: 'false',
      cert_1_last_rotated: 'N/A',
      cert_2_active: 'false',
      cert_2_last_rotated: 'N/A',
    });
  });

  it('writes no_information for a password that was never used, and the date it was set', async () => {
    await createUser('never-signed-in');
    const { LoginProfile } = await em.iam.send(
      new CreateLoginProfileCommand({ UserName: 'never-signed-in', Password: 'Correct-Horse-9' }),
    );
    const [, row] = await freshReport();
    expect(row).toMatchObject({
      password_enabled: 'true',
      password_last_used: 'no_information',
      password_last_changed: reportDate(LoginProfile?.CreateDate as Date),
      password_next_rotation: 'N/A',
    });
  });

  it('writes the date a password was last used', async () => {
    await createUser('signed-in');
    await em.iam.send(
      new CreateLoginProfileCommand({ UserName: 'signed-in', Password: 'Correct-Horse-9' }),
    );
    userRecord('signed-in').passwordLastUsed = new Date('2026-11-20T08:15:42.123Z');
    const [, row] = await freshReport();
    expect(row).toMatchObject({
      password_enabled: 'true',
      password_last_used: '2026-11-20T08:15:42+00:00',
    });
  });

  it('marks mfa_active true for a user with an enabled virtual device', async () => {
    await createUser('with-mfa');
    await createUser('without-mfa');
    const { VirtualMFADevice } = await em.iam.send(
      new CreateVirtualMFADeviceCommand({ VirtualMFADeviceName: 'with-mfa-phone' }),
    );
    const seed = Buffer.from(VirtualMFADevice?.Base32StringSeed ?? new Uint8Array()).toString(
      'ascii',
    );
    await em.iam.send(
      new EnableMFADeviceCommand({
        UserName: 'with-mfa',
        SerialNumber: VirtualMFADevice?.SerialNumber,
        ...authenticationCodes(seed),
      }),
    );
    const rows = await freshReport();
    expect(rows.map((r) => [r.user, r.mfa_active])).toEqual([
      ['<root_account>', 'false'],
      ['with-mfa', 'true'],
      ['without-mfa', 'false'],
    ]);
  });

  it('marks the access keys a user has as active (last rotated: the user creation date)', async () => {
    const one = await createUser('one-key');
    const two = await createUser('two-keys');
    state().accessKeys.set('AKIAONEKEY0000000001', {
      accessKeyId: 'AKIAONEKEY0000000001',
      user: 'one-key',
    });
    state().accessKeys.set('AKIATWOKEYS000000001', {
      accessKeyId: 'AKIATWOKEYS000000001',
      user: 'two-keys',
    });
    state().accessKeys.set('AKIATWOKEYS000000002', {
      accessKeyId: 'AKIATWOKEYS000000002',
      user: 'two-keys',
    });

    const [, oneRow, twoRow] = await freshReport();
    expect(oneRow).toMatchObject({
      user: 'one-key',
      access_key_1_active: 'true',
      access_key_1_last_rotated: reportDate(one.CreateDate as Date),
      access_key_1_last_used_date: 'N/A',
      access_key_1_last_used_region: 'N/A',
      access_key_1_last_used_service: 'N/A',
      access_key_2_active: 'false',
      access_key_2_last_rotated: 'N/A',
    });
    expect(twoRow).toMatchObject({
      user: 'two-keys',
      access_key_1_active: 'true',
      access_key_2_active: 'true',
      access_key_2_last_rotated: reportDate(two.CreateDate as Date),
    });
  });

  it('follows keys made by CreateAccessKey: creation order, status and creation date', async () => {
    await createUser('rotating');
    const { AccessKey: first } = await em.iam.send(
      new CreateAccessKeyCommand({ UserName: 'rotating' }),
    );
    em.running.emulator.clockOffsetMs += 60_000;
    const { AccessKey: second } = await em.iam.send(
      new CreateAccessKeyCommand({ UserName: 'rotating' }),
    );
    await em.iam.send(
      new UpdateAccessKeyCommand({
        UserName: 'rotating',
        AccessKeyId: first?.AccessKeyId,
        Status: 'Inactive',
      }),
    );

    const [, row] = await freshReport();
    expect(row).toMatchObject({
      user: 'rotating',
      access_key_1_active: 'false',
      access_key_1_last_rotated: reportDate(first?.CreateDate as Date),
      access_key_2_active: 'true',
      access_key_2_last_rotated: reportDate(second?.CreateDate as Date),
      access_key_2_last_used_date: 'N/A',
    });
  });

  it('shows no key once the user has deleted it', async () => {
    await createUser('tidy');
    const { AccessKey } = await em.iam.send(new CreateAccessKeyCommand({ UserName: 'tidy' }));
    await em.iam.send(
      new DeleteAccessKeyCommand({ UserName: 'tidy', AccessKeyId: AccessKey?.AccessKeyId }),
    );
    const [, row] = await freshReport();
    expect(row).toMatchObject({ access_key_1_active: 'false', access_key_1_last_rotated: 'N/A' });
  });

  it('lists users sorted by name after the root row', async () => {
    for (const name of ['mallory', 'Bob', 'alice', 'carol']) await createUser(name);
    const rows = await freshReport();
    expect(rows.map((r) => r.user)).toEqual(['<root_account>', 'alice', 'Bob', 'carol', 'mallory']);
  });

  it('keeps odd legal names verbatim (a name with a comma is quoted as RFC 4180 says)', async () => {
    const name = 'a+b=c,d.e@f-g_h';
    await createUser(name);
    await buildTakes(0);
    await generate();
    const csv = await reportCsv();
    // How AWS writes a comma in a name is UNCONFIRMED; quoting keeps every CSV reader working.
    expect(
      csv.split('\n')[2]?.startsWith(`"${name}","arn:aws:iam::${ACCOUNT}:user/${name}",`),
    ).toBe(true);
    const [, row] = parseCsv(csv).slice(1);
    expect(row?.slice(0, 2)).toEqual([name, `arn:aws:iam::${ACCOUNT}:user/${name}`]);
    expect(row).toHaveLength(22);
  });

  it('builds the report for 5,000 users quickly', async () => {
    const users = state().users;
    const now = new Date();
    for (let i = 0; i < 5000; i++) {
      const name = `user-${String(i).padStart(4, '0')}`;
      users.set(name, {
        userName: name,
        userId: `AIDA${String(i).padStart(17, '0')}`,
        path: '/',
        arn: `arn:aws:iam::${ACCOUNT}:user/${name}`,
        createDate: now,
        tags: [],
        loginProfile:
          i % 2 === 0
            ? { createDate: now, passwordResetRequired: false, passwordLastChanged: now }
            : undefined,
        groups: new Set(),
        mfaSerials: i % 3 === 0 ? [] : [`arn:aws:iam::${ACCOUNT}:mfa/${name}`],
      });
      state().accessKeys.set(`AKIA${String(i).padStart(16, '0')}`, {
        accessKeyId: `AKIA${String(i).padStart(16, '0')}`,
        user: name,
      });
    }
    await buildTakes(0);
    const started = performance.now();
    await generate();
    const rows = await reportRows();
    expect(performance.now() - started).toBeLessThan(2000);

    expect(rows).toHaveLength(5001);
    expect(rows[1]).toMatchObject({
      user: 'user-0000',
      password_enabled: 'true',
      mfa_active: 'false',
    });
    expect(rows[5000]).toMatchObject({
      user: 'user-4999',
      password_enabled: 'false',
      mfa_active: 'true',
      access_key_1_active: 'true',
    });
  });
});
