// The emulator's JSON control API (/_emulator/*) and its command line, checked through what
// the real AWS SDK then sees: seeding, reset, save/load of the state file, the clock, and the
// `npm run emulator` CLI.

import { type ChildProcess, execFile, spawn } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import {
  AddUserToGroupCommand,
  CreateGroupCommand,
  CreateUserCommand,
  CreateVirtualMFADeviceCommand,
  EnableMFADeviceCommand,
  GetGroupCommand,
  GetGroupPolicyCommand,
  GetUserCommand,
  IAMClient,
  ListAccountAliasesCommand,
  ListMFADevicesCommand,
  ListUsersCommand,
  ListVirtualMFADevicesCommand,
  paginateListUsers,
  ResyncMFADeviceCommand,
  type User,
} from '@aws-sdk/client-iam';
import { GetCallerIdentityCommand, STSClient } from '@aws-sdk/client-sts';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEMO_USERS, demoSeed } from '../../local/demo-account.ts';
import { generateAccount } from '../../local/emulator/generate-account.ts';
import { type RunningEmulator, startEmulator } from '../../local/emulator/http-server.ts';
import { applySeed, type SeedSpec } from '../../local/emulator/seed.ts';
import { type AccountStateJson, createAccountState } from '../../local/emulator/state.ts';
import { totpStep } from '../../local/emulator/totp.ts';
import { clientConfig, sdkError, useEmulator } from '../support/emulator.ts';
import { authenticationCodes } from '../support/totp.ts';

const emu = useEmulator();

const ACCT = '123456789012';

async function rawControl(method: string, path: string, body?: string) {
  const res = await fetch(`${emu.url}/_emulator${path}`, { method, body });
  return { status: res.status, json: (await res.json()) as { error?: string } };
}

const seedText = (seed: Uint8Array | undefined) => Buffer.from(seed ?? []).toString('ascii');

describe('POST /_emulator/seed', () => {
  const spec: SeedSpec = {
    accountAlias: 'acme',
    groups: [
      {
        name: 'force-mfa',
        path: '/security/',
        policies: [{ name: 'DenyWithoutMfa', document: { Version: '2012-10-17', Statement: [] } }],
      },
      { name: 'admins' },
    ],
    users: [
      {
        name: 'alice',
        path: '/engineering/',
        createDate: '2024-03-01T10:00:00Z',
        tags: [{ key: 'team', value: 'web' }],
        password: { lastUsed: '2026-11-01T08:30:00Z', lastChanged: '2024-03-02T00:00:00Z' },
        groups: ['force-mfa', 'Admins'],
        mfa: ['virtual'],
      },
      { name: 'bob', groups: ['force-mfa'], password: true },
      {
        name: 'carol',
        mfa: [{ kind: 'virtual', name: 'carol-phone' }, 'hardware', 'fido'],
        accessKeyIds: ['AKIACAROL00000000001'],
      },
    ],
    unassignedVirtualDevices: [{ name: 'abandoned', path: '/enrol/' }],
  };

  it('creates users, groups and devices that the SDK then lists with their paths and ARNs', async () => {
    expect(await emu.control('POST', '/seed', spec)).toEqual({ users: 3, groups: 2, devices: 5 });

    const { Users } = await emu.iam.send(new ListUsersCommand({}));
    expect(Users?.map((u) => [u.UserName, u.Path, u.Arn])).toEqual([
      ['alice', '/engineering/', `arn:aws:iam::${ACCT}:user/engineering/alice`],
      ['bob', '/', `arn:aws:iam::${ACCT}:user/bob`],
      ['carol', '/', `arn:aws:iam::${ACCT}:user/carol`],
    ]);
    const alice = Users?.[0] as User;
    expect(alice.UserId).toMatch(/^AIDA[A-Z2-7]{17}$/);
    expect(alice.CreateDate).toEqual(new Date('2024-03-01T10:00:00Z'));
    expect(alice.PasswordLastUsed).toEqual(new Date('2026-11-01T08:30:00Z'));
    expect((await emu.iam.send(new GetUserCommand({ UserName: 'alice' }))).User?.Tags).toEqual([
      { Key: 'team', Value: 'web' },
    ]);

    const group = await emu.iam.send(new GetGroupCommand({ GroupName: 'force-mfa' }));
    expect(group.Group?.Arn).toBe(`arn:aws:iam::${ACCT}:group/security/force-mfa`);
    expect(group.Group?.GroupId).toMatch(/^AGPA[A-Z2-7]{17}$/);
    expect(group.Users?.map((u) => u.UserName)).toEqual(['alice', 'bob']);
    const policy = await emu.iam.send(
      new GetGroupPolicyCommand({ GroupName: 'force-mfa', PolicyName: 'DenyWithoutMfa' }),
    );
    expect(JSON.parse(decodeURIComponent(policy.PolicyDocument ?? ''))).toEqual({
      Version: '2012-10-17',
      Statement: [],
    });

    // A virtual device is named after its user unless named; hardware serials are not ARNs.
    const aliceMfa = await emu.iam.send(new ListMFADevicesCommand({ UserName: 'alice' }));
    expect(aliceMfa.MFADevices?.map((d) => d.SerialNumber)).toEqual([
      `arn:aws:iam::${ACCT}:mfa/alice`,
    ]);
    const carolMfa = await emu.iam.send(new ListMFADevicesCommand({ UserName: 'carol' }));
    const serials = carolMfa.MFADevices?.map((d) => d.SerialNumber ?? '') ?? [];
    expect(serials).toHaveLength(3);
    expect(serials).toContain(`arn:aws:iam::${ACCT}:mfa/carol-phone`);
    expect(serials.some((s) => /^GAHT\d{8}$/.test(s))).toBe(true);
    expect(
      serials.some((s) => s.startsWith(`arn:aws:iam::${ACCT}:u2f/user/carol/carol-fido-`)),
    ).toBe(true);
    expect((await emu.iam.send(new ListMFADevicesCommand({ UserName: 'bob' }))).MFADevices).toEqual(
      [],
    );

    const unassigned = await emu.iam.send(
      new ListVirtualMFADevicesCommand({ AssignmentStatus: 'Unassigned' }),
    );
    expect(unassigned.VirtualMFADevices).toEqual([
      { SerialNumber: `arn:aws:iam::${ACCT}:mfa/enrol/abandoned` },
    ]);

    expect((await emu.iam.send(new ListAccountAliasesCommand({}))).AccountAliases).toEqual([
      'acme',
    ]);
    // A seeded access key identifies its user as the caller.
    const carolClient = new STSClient(clientConfig(emu.url, 'AKIACAROL00000000001'));
    const identity = await carolClient.send(new GetCallerIdentityCommand({}));
    carolClient.destroy();
    expect(identity.Arn).toBe(`arn:aws:iam::${ACCT}:user/carol`);
  });

  it('gives seeded virtual devices real TOTP seeds: an unassigned one can be enabled', async () => {
    await emu.control('POST', '/seed', {
      users: [{ name: 'dan' }],
      unassignedVirtualDevices: [{ name: 'dan-phone' }],
    });
    const state = (await emu.control('GET', '/state')) as AccountStateJson;
    const device = state.mfaDevices[`arn:aws:iam::${ACCT}:mfa/dan-phone`];
    expect(device?.seed).toMatch(/^[A-Z2-7]{64}$/);

    await emu.iam.send(
      new EnableMFADeviceCommand({
        UserName: 'dan',
        SerialNumber: device?.serialNumber,
        ...authenticationCodes(device?.seed ?? ''),
      }),
    );
    const { MFADevices } = await emu.iam.send(new ListMFADevicesCommand({ UserName: 'dan' }));
    expect(MFADevices?.map((d) => d.SerialNumber)).toEqual([device?.serialNumber]);
  });

  it('refuses a name already taken (case-insensitively) with a 400, and changes nothing', async () => {
    await emu.control('POST', '/seed', { users: [{ name: 'erin' }] });
    const dup = await rawControl(
      'POST',
      '/seed',
      JSON.stringify({
        groups: [{ name: 'new-group' }],
        users: [{ name: 'frank' }, { name: 'ERIN' }],
      }),
    );
    expect(dup.status).toBe(400);
    expect(dup.json.error).toMatch(/user ERIN already exists/);

    const { Users } = await emu.iam.send(new ListUsersCommand({}));
    expect(Users?.map((u) => u.UserName)).toEqual(['erin']);
    const state = (await emu.control('GET', '/state')) as AccountStateJson;
    expect(Object.keys(state.groups)).toEqual([]);
  });

  it('refuses a user in a group that does not exist, and a virtual device name used twice', async () => {
    const noGroup = await rawControl(
      'POST',
      '/seed',
      JSON.stringify({ users: [{ name: 'g', groups: ['nope'] }] }),
    );
    expect(noGroup).toEqual({
      status: 400,
      json: { error: expect.stringMatching(/group nope, which does not exist/) },
    });

    const twice = await rawControl(
      'POST',
      '/seed',
      JSON.stringify({
        users: [{ name: 'h', mfa: ['virtual'] }],
        unassignedVirtualDevices: [{ name: 'H', path: '/x/' }],
      }),
    );
    expect(twice.status).toBe(400);
    expect(twice.json.error).toMatch(/virtual MFA device name H is already in use/);
  });

  it('gives a group the createDate of its spec, and refuses one that is not a date', async () => {
    await emu.control('POST', '/seed', {
      groups: [{ name: 'old', createDate: '2025-04-01T09:00:00Z' }],
    });
    const bad = await rawControl(
      'POST',
      '/seed',
      JSON.stringify({ groups: [{ name: 'bad', createDate: 'last spring' }] }),
    );

    const { Group } = await emu.iam.send(new GetGroupCommand({ GroupName: 'old' }));
    expect(Group?.CreateDate).toEqual(new Date('2025-04-01T09:00:00Z'));
    expect(bad).toEqual({
      status: 400,
      json: {
        error: expect.stringMatching(/group bad createDate "last spring" is not an ISO date/),
      },
    });
  });
});

describe('a generated account of 5,000 users', () => {
  const options = { users: 5000, withoutMfaRatio: 0.03, consoleRatio: 0.5, seed: 42 };

  it('is deterministic and has exactly the requested share of users without MFA', () => {
    const spec = generateAccount(options);
    expect(generateAccount(options)).toEqual(spec);
    const users = spec.users ?? [];
    expect(users).toHaveLength(5000);
    expect(users[0]?.name).toBe('user-00001');
    expect(users[4999]?.name).toBe('user-05000');
    expect(users.filter((u) => !u.mfa?.length)).toHaveLength(150);
    expect(users.filter((u) => u.password)).toHaveLength(2500);
    expect(users.every((u) => u.groups?.includes('force-mfa'))).toBe(true);
    const kinds = users.flatMap((u) =>
      (u.mfa ?? []).map((d) => (typeof d === 'string' ? d : d.kind)),
    );
    expect(kinds.filter((k) => k === 'virtual').length).toBeGreaterThan(4500);
    expect(kinds.filter((k) => k !== 'virtual').length).toBeGreaterThan(0);
  });

  it('is applied in-process in well under a second', () => {
    const spec = generateAccount(options);
    const state = createAccountState();
    const started = performance.now();
    const summary = applySeed(state, spec, new Date());
    // Generous bound: the point is "no per-user HTTP calls, no QR codes", not a benchmark.
    expect(performance.now() - started).toBeLessThan(2000);
    expect(summary).toEqual({ users: 5000, groups: 1, devices: 4850 });
    expect(state.groups.get('force-mfa')?.members.size).toBe(5000);
    expect(state.mfaDeviceNames.size).toBe(
      [...state.mfaDevices.values()].filter((d) => d.kind === 'virtual').length,
    );
  });

  it('pages through ListUsers with MaxItems 1000 in exactly 5 calls', async () => {
    await emu.control('POST', '/seed', generateAccount(options));
    await emu.control('DELETE', '/calls');

    const names: string[] = [];
    for await (const page of paginateListUsers({ client: emu.iam, pageSize: 1000 }, {})) {
      expect(page.Users).toHaveLength(1000);
      names.push(...(page.Users ?? []).map((u) => u.UserName ?? ''));
    }
    expect(names).toHaveLength(5000);
    expect(new Set(names).size).toBe(5000);
    expect(names[0]).toBe('user-00001');
    expect(names.at(-1)).toBe('user-05000');
    expect(await emu.calls()).toEqual({ total: 5, byAction: { ListUsers: 5 } });
  });
});

describe('POST /_emulator/reset', () => {
  it('empties the account and zeroes counters, faults and the clock', async () => {
    await emu.control('POST', '/seed', {
      users: [{ name: 'gone' }],
      groups: [{ name: 'gone-too' }],
    });
    await emu.control('PUT', '/faults', { latencyMs: 1 });
    await emu.control('PUT', '/clock', { advanceMs: 60_000 });
    await emu.iam.send(new ListUsersCommand({}));

    expect(await emu.control('POST', '/reset')).toEqual({ ok: true });
    expect(await emu.calls()).toEqual({ total: 0, byAction: {} });
    expect(await emu.control('GET', '/faults')).toEqual({ scripted: [] });
    expect(await emu.control('PUT', '/clock', {})).toMatchObject({ offsetMs: 0 });
    expect((await emu.iam.send(new ListUsersCommand({}))).Users).toEqual([]);
  });
});

describe('PUT /_emulator/clock', () => {
  it('moves the emulator clock: what is created afterwards carries the later date', async () => {
    const hour = 60 * 60 * 1000;
    const moved = (await emu.control('PUT', '/clock', { advanceMs: hour })) as {
      offsetMs: number;
      now: string;
    };
    expect(moved.offsetMs).toBe(hour);
    expect(Date.parse(moved.now)).toBeGreaterThanOrEqual(Date.now() + hour - 5_000);

    const { User } = await emu.iam.send(new CreateUserCommand({ UserName: 'from-the-future' }));
    expect(User?.CreateDate?.getTime()).toBeGreaterThanOrEqual(Date.now() + hour - 5_000);

    expect(await emu.control('PUT', '/clock', { offsetMs: 0 })).toMatchObject({ offsetMs: 0 });
  });
});

describe('control API errors', () => {
  it('answers a body that is not JSON with 400', async () => {
    expect(await rawControl('POST', '/seed', '{"users": [')).toEqual({
      status: 400,
      json: { error: 'body must be JSON' },
    });
  });

  it('answers an unknown route with 404', async () => {
    const res = await rawControl('GET', '/nope');
    expect(res.status).toBe(404);
    expect(res.json.error).toBe('no control route GET /nope');
  });
});

describe('save and load through a state file', () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'emulator-state-'));
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('round-trips users, groups and devices; an enabled device keeps a seed that validates codes', async () => {
    const stateFile = join(dir, 'state.json');
    let first: RunningEmulator | undefined = await startEmulator({ stateFile, loadState: true });
    let iam = new IAMClient(clientConfig(first.url));
    let serial: string;
    let seed: string;
    let enabledStep: number;
    try {
      await iam.send(new CreateUserCommand({ UserName: 'kept', Path: '/saved/' }));
      await iam.send(new CreateGroupCommand({ GroupName: 'kept-group' }));
      await iam.send(new AddUserToGroupCommand({ GroupName: 'kept-group', UserName: 'kept' }));
      const created = await iam.send(
        new CreateVirtualMFADeviceCommand({ VirtualMFADeviceName: 'kept-phone' }),
      );
      serial = created.VirtualMFADevice?.SerialNumber ?? '';
      seed = seedText(created.VirtualMFADevice?.Base32StringSeed);
      const enabledAt = Date.now();
      enabledStep = totpStep(enabledAt);
      await iam.send(
        new EnableMFADeviceCommand({
          UserName: 'kept',
          SerialNumber: serial,
          ...authenticationCodes(seed, enabledAt),
        }),
      );
      expect(await (await fetch(`${first.url}/_emulator/save`, { method: 'POST' })).json()).toEqual(
        {
          saved: stateFile,
        },
      );
    } finally {
      iam.destroy();
      await first.stop();
      first = undefined;
    }
    const saved = JSON.parse(await readFile(stateFile, 'utf8')) as AccountStateJson;
    expect(Object.keys(saved.users)).toEqual(['kept']);

    const second = await startEmulator({ stateFile, loadState: true });
    iam = new IAMClient(clientConfig(second.url));
    try {
      const { User } = await iam.send(new GetUserCommand({ UserName: 'kept' }));
      expect(User?.Arn).toBe(`arn:aws:iam::${ACCT}:user/saved/kept`);
      const group = await iam.send(new GetGroupCommand({ GroupName: 'kept-group' }));
      expect(group.Users?.map((u) => u.UserName)).toEqual(['kept']);
      const { MFADevices } = await iam.send(new ListMFADevicesCommand({ UserName: 'kept' }));
      expect(MFADevices?.map((d) => d.SerialNumber)).toEqual([serial]);

      // Five minutes on, the reloaded device accepts the codes its seed now shows.
      const advanceMs = 5 * 60 * 1000;
      await fetch(`${second.url}/_emulator/clock`, {
        method: 'PUT',
        body: JSON.stringify({ advanceMs }),
      });
      const later = Date.now() + advanceMs;
      expect(totpStep(later)).toBeGreaterThan(enabledStep + 2);
      await iam.send(
        new ResyncMFADeviceCommand({
          UserName: 'kept',
          SerialNumber: serial,
          ...authenticationCodes(seed, later),
        }),
      );
      // And codes from another seed are still refused.
      const wrong = await sdkError(
        iam.send(
          new ResyncMFADeviceCommand({
            UserName: 'kept',
            SerialNumber: serial,
            AuthenticationCode1: '000000',
            AuthenticationCode2: '000001',
          }),
        ),
      );
      expect(wrong.name).toBe('InvalidAuthenticationCodeException');
    } finally {
      iam.destroy();
      await second.stop();
    }
  });

  it('POST /_emulator/save without a state file is a 400', async () => {
    expect(await rawControl('POST', '/save')).toEqual({
      status: 400,
      json: { error: 'no state file configured' },
    });
  });
});

// ---- The command line ------------------------------------------------------------------------

const CLI = ['--import', 'tsx', 'local/emulator/cli.ts'];
const run = promisify(execFile);

/** Starts the CLI and resolves with its URL once it prints "listening on <url>". */
function startCli(
  args: string[],
): Promise<{ child: ChildProcess; url: string; output: () => string }> {
  const child = spawn(process.execPath, [...CLI, ...args], { cwd: process.cwd(), stdio: 'pipe' });
  let out = '';
  let err = '';
  child.stderr?.on('data', (chunk: Buffer) => {
    err += chunk.toString();
  });
  return new Promise((resolve, reject) => {
    const timer = setTimeout(
      () => reject(new Error(`the CLI did not start:\n${out}\n${err}`)),
      20_000,
    );
    child.stdout?.on('data', (chunk: Buffer) => {
      out += chunk.toString();
      const url = /listening on (http:\/\/\S+)/.exec(out)?.[1];
      if (url && out.includes('Control API:')) {
        clearTimeout(timer);
        resolve({ child, url, output: () => out });
      }
    });
    child.on('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`the CLI exited with ${code}:\n${out}\n${err}`));
    });
  });
}

function exitOf(child: ChildProcess): Promise<number | null> {
  if (child.exitCode !== null) return Promise.resolve(child.exitCode);
  return new Promise((resolve) => child.once('exit', (code) => resolve(code)));
}

async function runCli(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  try {
    const { stdout, stderr } = await run(process.execPath, [...CLI, ...args], {
      cwd: process.cwd(),
    });
    return { code: 0, stdout, stderr };
  } catch (error) {
    const e = error as { code: number; stdout: string; stderr: string };
    return { code: e.code, stdout: e.stdout, stderr: e.stderr };
  }
}

describe('the CLI (npm run emulator)', () => {
  it('with --port 0 listens on a free port, prints its URL and env lines, and serves the SDK', async () => {
    const { child, url, output } = await startCli([
      '--port',
      '0',
      '--account-id',
      '210987654321',
      '--seed-demo',
    ]);
    const iam = new IAMClient(clientConfig(url));
    const sts = new STSClient(clientConfig(url, 'AKIADEMOBOB000000001'));
    try {
      expect(url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
      expect(url).not.toBe('http://127.0.0.1:0');
      expect(output()).toContain(`AWS_ENDPOINT_URL_IAM=${url} AWS_ENDPOINT_URL_STS=${url}`);
      expect(output()).toContain(`${url}/_emulator/`);

      // Every user of the demo account, by name, the employees to enrol and their colleagues
      // among them.
      const { Users } = await iam.send(new ListUsersCommand({}));
      const listed = Users?.map((u) => u.UserName);
      expect(listed).toEqual(
        demoSeed()
          .users?.map((u) => u.name)
          .sort(),
      );
      expect(listed).toEqual(
        expect.arrayContaining([...DEMO_USERS, 'alice', 'bob', 'carol', 'ci-deployer', 'dave']),
      );
      const { GroupName } =
        (await iam.send(new GetGroupCommand({ GroupName: 'force-mfa' }))).Group ?? {};
      expect(GroupName).toBe('force-mfa');
      expect((await iam.send(new ListAccountAliasesCommand({}))).AccountAliases).toEqual([
        'example-corp',
      ]);
      const identity = await sts.send(new GetCallerIdentityCommand({}));
      expect(identity).toMatchObject({
        Account: '210987654321',
        Arn: 'arn:aws:iam::210987654321:user/bob',
      });
    } finally {
      iam.destroy();
      sts.destroy();
      child.kill('SIGTERM');
    }
    expect(await exitOf(child)).toBe(0);
  });

  it('with --state-file saves the account on SIGTERM and loads it at the next start', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'emulator-cli-'));
    const stateFile = join(dir, 'account.json');
    try {
      const first = await startCli(['--port', '0', '--state-file', stateFile]);
      const iam = new IAMClient(clientConfig(first.url));
      await iam.send(new CreateUserCommand({ UserName: 'survivor' }));
      iam.destroy();
      first.child.kill('SIGTERM');
      expect(await exitOf(first.child)).toBe(0);
      expect(
        Object.keys((JSON.parse(await readFile(stateFile, 'utf8')) as AccountStateJson).users),
      ).toEqual(['survivor']);

      const second = await startCli(['--port', '0', '--state-file', stateFile]);
      const iam2 = new IAMClient(clientConfig(second.url));
      try {
        const { User } = await iam2.send(new GetUserCommand({ UserName: 'survivor' }));
        expect(User?.UserName).toBe('survivor');
      } finally {
        iam2.destroy();
        second.child.kill('SIGINT');
      }
      expect(await exitOf(second.child)).toBe(0);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('applies fault flags: --failure-rate 1 answers ServiceFailure', async () => {
    const { child, url } = await startCli([
      '--port',
      '0',
      '--failure-rate',
      '1',
      '--latency-ms',
      '5',
    ]);
    const iam = new IAMClient(clientConfig(url));
    try {
      const error = await sdkError(iam.send(new ListUsersCommand({})));
      expect(error.$metadata.httpStatusCode).toBe(500);
      const faults = await (await fetch(`${url}/_emulator/faults`)).json();
      expect(faults).toEqual({ latencyMs: 5, failureRate: 1, scripted: [] });
    } finally {
      iam.destroy();
      child.kill('SIGTERM');
    }
    expect(await exitOf(child)).toBe(0);
  });

  it('--help prints the usage and exits 0', async () => {
    const { code, stdout } = await runCli(['--help']);
    expect(code).toBe(0);
    expect(stdout).toMatch(/^Usage: npm run emulator -- \[options\]/);
    expect(stdout).toContain('--state-file <path>');
  });

  it('a bad flag or value exits 2 with a clear message', async () => {
    const unknown = await runCli(['--nope']);
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toMatch(/Unknown option '--nope'/);
    expect(unknown.stderr).toContain('--help');

    const badRate = await runCli(['--failure-rate', '2']);
    expect(badRate.code).toBe(2);
    expect(badRate.stderr).toContain('--failure-rate must be a fraction between 0 and 1, got "2"');

    const badPort = await runCli(['--port', 'http']);
    expect(badPort.code).toBe(2);
    expect(badPort.stderr).toContain('--port must be a port number');
  });
});
