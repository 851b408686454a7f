// Virtual MFA devices and MFA assignment, spoken to by the real @aws-sdk/client-iam over HTTP.
// Facts: docs/iam-facts.md §3 "Virtual MFA devices" and §4. Behaviour marked UNCONFIRMED there is
// the emulator's chosen assumption, pinned here so a change is deliberate.

import {
  CreateUserCommand,
  CreateVirtualMFADeviceCommand,
  DeactivateMFADeviceCommand,
  DeleteUserCommand,
  DeleteVirtualMFADeviceCommand,
  EnableMFADeviceCommand,
  type IAMClient,
  ListMFADevicesCommand,
  ListMFADeviceTagsCommand,
  ListVirtualMFADevicesCommand,
  paginateListMFADevices,
  paginateListVirtualMFADevices,
  ResyncMFADeviceCommand,
  type VirtualMFADevice,
} from '@aws-sdk/client-iam';
import jsqrModule from 'jsqr';
import { PNG } from 'pngjs';
import { describe, expect, it } from 'vitest';
import type { AccountState, MfaDeviceRecord } from '../../local/emulator/state.ts';
import { base32Decode, base32Encode, totpCode, totpStep } from '../../local/emulator/totp.ts';
import { sdkError, useEmulator } from '../support/emulator.ts';
import { consecutiveCodes } from '../support/totp.ts';

// jsqr is CommonJS whose typings declare `export default`; under Node's ESM loader the default
// import is the function itself.
const jsQR = ((jsqrModule as unknown as { default?: unknown }).default ??
  jsqrModule) as unknown as typeof jsqrModule.default;

const ACCOUNT = '123456789012';
const PNG_SIGNATURE = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);
const INVALID_CODE = 'Authentication code for device is not valid.';

const em = useEmulator();
const iam = (): IAMClient => em.iam;
const state = (): AccountState => em.running.emulator.state;

const serialOf = (name: string, path = '/') => `arn:aws:iam::${ACCOUNT}:mfa${path}${name}`;

async function createUser(userName: string) {
  await iam().send(new CreateUserCommand({ UserName: userName }));
}

interface Created {
  serial: string;
  seed: string;
  device: VirtualMFADevice;
}

async function createDevice(name: string, extra: { Path?: string } = {}): Promise<Created> {
  const { VirtualMFADevice: device } = await iam().send(
    new CreateVirtualMFADeviceCommand({ VirtualMFADeviceName: name, ...extra }),
  );
  if (!device?.SerialNumber || !device.Base32StringSeed) throw new Error('no device returned');
  return {
    serial: device.SerialNumber,
    seed: Buffer.from(device.Base32StringSeed).toString('ascii'),
    device,
  };
}

/** The pair an authenticator shows now (or at `at`), as [code1, code2]. */
function currentPair(seed: string, at?: Date): [string, string] {
  const { code1, code2 } = consecutiveCodes(seed, at);
  return [code1, code2];
}

function enable(userName: string, serial: string, codes: [string, string]) {
  return iam().send(
    new EnableMFADeviceCommand({
      UserName: userName,
      SerialNumber: serial,
      AuthenticationCode1: codes[0],
      AuthenticationCode2: codes[1],
    }),
  );
}

/** Creates a virtual device and enables it for the user with fresh codes. */
async function createEnabled(userName: string, deviceName: string): Promise<Created> {
  const created = await createDevice(deviceName);
  await enable(userName, created.serial, currentPair(created.seed));
  return created;
}

/** Puts a device straight into the account state (fast setup for quota and paging tests). */
function putDevice(device: Partial<MfaDeviceRecord> & { name: string }): MfaDeviceRecord {
  const path = device.path ?? '/';
  const record: MfaDeviceRecord = {
    kind: 'virtual',
    serialNumber: serialOf(device.name, path),
    path,
    seed: base32Encode(Buffer.alloc(40, 7)),
    createDate: new Date(),
    tags: [],
    ...device,
  };
  state().mfaDevices.set(record.serialNumber.toLowerCase(), record);
  if (record.kind === 'virtual') state().mfaDeviceNames.add(record.name.toLowerCase());
  return record;
}

function decodeQr(png: Uint8Array): string | undefined {
  const image = PNG.sync.read(Buffer.from(png));
  return jsQR(new Uint8ClampedArray(image.data), image.width, image.height)?.data;
}

async function listVirtual(status?: 'Assigned' | 'Unassigned' | 'Any') {
  const out = await iam().send(new ListVirtualMFADevicesCommand({ AssignmentStatus: status }));
  return out.VirtualMFADevices ?? [];
}

async function listMfa(userName?: string) {
  const out = await iam().send(new ListMFADevicesCommand({ UserName: userName }));
  return out.MFADevices ?? [];
}

describe('CreateVirtualMFADevice', () => {
  it('returns only SerialNumber, Base32StringSeed and QRCodePNG', async () => {
    const { device, serial } = await createDevice('alice-phone');
    expect(serial).toBe(serialOf('alice-phone'));
    expect(Object.keys(device).sort()).toEqual(['Base32StringSeed', 'QRCodePNG', 'SerialNumber']);
  });

  it('puts the path in the serial number ARN', async () => {
    const { serial } = await createDevice('pathed', { Path: '/test-path/' });
    expect(serial).toBe(`arn:aws:iam::${ACCOUNT}:mfa/test-path/pathed`);
  });

  it('issues a seed of 64 base32 characters that decodes to 40 bytes', async () => {
    const { seed } = await createDevice('seeded');
    expect(seed).toMatch(/^[A-Z2-7]{64}$/);
    expect(base32Decode(seed)).toHaveLength(40);
  });

  it('issues a different seed for every device', async () => {
    const a = await createDevice('one');
    const b = await createDevice('two');
    expect(a.seed).not.toBe(b.seed);
  });

  it('returns a real PNG QR code of the otpauth URI labelled with the account id', async () => {
    const { device, seed } = await createDevice('qr-device', { Path: '/team/' });
    const png = device.QRCodePNG as Uint8Array;
    expect(Buffer.from(png.subarray(0, 8)).equals(PNG_SIGNATURE)).toBe(true);
    // Label format (no path, `@` unencoded) is UNCONFIRMED (docs/iam-facts.md §4).
    expect(decodeQr(png)).toBe(
      `otpauth://totp/Amazon%20Web%20Services:qr-device@${ACCOUNT}?secret=${seed}&issuer=Amazon%20Web%20Services`,
    );
  });

  it('labels the QR code with the account alias when there is one', async () => {
    state().aliases.push('my-alias');
    const { device, seed } = await createDevice('aliased');
    expect(decodeQr(device.QRCodePNG as Uint8Array)).toBe(
      `otpauth://totp/Amazon%20Web%20Services:aliased@my-alias?secret=${seed}&issuer=Amazon%20Web%20Services`,
    );
  });

  it('rejects a name already in use, case-insensitively and whatever the path, with EntityAlreadyExists 409', async () => {
    await createDevice('Shared-Name');
    for (const request of [
      { VirtualMFADeviceName: 'Shared-Name' },
      { VirtualMFADeviceName: 'shared-name' },
      { VirtualMFADeviceName: 'SHARED-NAME', Path: '/other/' },
    ]) {
      const error = await sdkError(iam().send(new CreateVirtualMFADeviceCommand(request)));
      expect(error.name).toBe('EntityAlreadyExistsException');
      expect(error.$metadata.httpStatusCode).toBe(409);
      expect(error.message).toBe('MFADevice entity at the same path and name already exists.');
    }
  });

  it('keeps an unassigned device, and its name blocked, until it is deleted', async () => {
    const { serial } = await createDevice('abandoned');
    expect((await listVirtual('Unassigned')).map((d) => d.SerialNumber)).toEqual([serial]);

    const blocked = await sdkError(createDevice('abandoned'));
    expect(blocked.name).toBe('EntityAlreadyExistsException');

    await iam().send(new DeleteVirtualMFADeviceCommand({ SerialNumber: serial }));
    const again = await createDevice('abandoned');
    expect(again.serial).toBe(serial);
  });

  it('stores tags but never returns them', async () => {
    const { VirtualMFADevice: device } = await iam().send(
      new CreateVirtualMFADeviceCommand({
        VirtualMFADeviceName: 'tagged',
        Tags: [{ Key: 'team', Value: 'infra' }],
      }),
    );
    expect(device).not.toHaveProperty('Tags');
    expect(state().mfaDevices.get(serialOf('tagged').toLowerCase())?.tags).toEqual([
      { key: 'team', value: 'infra' },
    ]);
    expect(await listVirtual()).toEqual([{ SerialNumber: serialOf('tagged') }]);
  });

  it('rejects more than 50 tags with ValidationError 400', async () => {
    const Tags = Array.from({ length: 51 }, (_, i) => ({ Key: `k${i}`, Value: 'v' }));
    const error = await sdkError(
      iam().send(new CreateVirtualMFADeviceCommand({ VirtualMFADeviceName: 'many-tags', Tags })),
    );
    expect(error.name).toBe('ValidationError');
    expect(error.$metadata.httpStatusCode).toBe(400);
    expect(error.message).toBe(
      "1 validation error detected: Value at 'tags' failed to satisfy constraint: Member must have length less than or equal to 50",
    );
  });

  it('rejects duplicate tag keys with InvalidInput 400', async () => {
    const error = await sdkError(
      iam().send(
        new CreateVirtualMFADeviceCommand({
          VirtualMFADeviceName: 'dup-tags',
          Tags: [
            { Key: 'Team', Value: 'a' },
            { Key: 'team', Value: 'b' },
          ],
        }),
      ),
    );
    expect(error.name).toBe('InvalidInputException');
    expect(error.$metadata.httpStatusCode).toBe(400);
  });

  it('rejects a bad name or path with ValidationError 400', async () => {
    const badName = await sdkError(
      iam().send(new CreateVirtualMFADeviceCommand({ VirtualMFADeviceName: 'bad name' })),
    );
    expect(badName.name).toBe('ValidationError');
    expect(badName.$metadata.httpStatusCode).toBe(400);
    expect(badName.message).toBe(
      "1 validation error detected: Value at 'virtualMFADeviceName' failed to satisfy constraint: Member must satisfy regular expression pattern: [\\w+=,.@-]+",
    );

    const badPath = await sdkError(
      iam().send(new CreateVirtualMFADeviceCommand({ VirtualMFADeviceName: 'ok', Path: 'nope' })),
    );
    expect(badPath.name).toBe('ValidationError');
    expect(badPath.message).toBe(
      'The specified value for path is invalid. It must begin and end with / and contain only alphanumeric characters and/or / characters.',
    );

    const missing = await sdkError(
      iam().send(new CreateVirtualMFADeviceCommand({} as { VirtualMFADeviceName: string })),
    );
    expect(missing.name).toBe('ValidationError');
    expect(missing.message).toBe(
      "1 validation error detected: Value null at 'virtualMFADeviceName' failed to satisfy constraint: Member must not be null",
    );
  });

  it('refuses a device beyond the account quota of 5000 with LimitExceeded 409', async () => {
    for (let i = 0; i < 5000; i++) putDevice({ name: `bulk-${i}` });
    const error = await sdkError(createDevice('one-too-many'));
    expect(error.name).toBe('LimitExceededException');
    expect(error.$metadata.httpStatusCode).toBe(409);
    // Message UNCONFIRMED.
    expect(error.message).toBe('Cannot exceed quota for VirtualMFADevicesPerAccount: 5000');

    await iam().send(new DeleteVirtualMFADeviceCommand({ SerialNumber: serialOf('bulk-0') }));
    await createDevice('fits-again');
  });
});

describe('ListMFADeviceTags', () => {
  it('lists the tags a virtual device was created with, sorted by key, paginated', async () => {
    await iam().send(
      new CreateVirtualMFADeviceCommand({
        VirtualMFADeviceName: 'tagged',
        Tags: [
          { Key: 'b', Value: '2' },
          { Key: 'a', Value: '1' },
          { Key: 'c', Value: '' },
        ],
      }),
    );

    const first = await iam().send(
      new ListMFADeviceTagsCommand({ SerialNumber: serialOf('tagged'), MaxItems: 2 }),
    );
    const rest = await iam().send(
      new ListMFADeviceTagsCommand({ SerialNumber: serialOf('tagged'), Marker: first.Marker }),
    );

    expect(first).toMatchObject({
      Tags: [
        { Key: 'a', Value: '1' },
        { Key: 'b', Value: '2' },
      ],
      IsTruncated: true,
    });
    expect(rest).toMatchObject({ Tags: [{ Key: 'c', Value: '' }], IsTruncated: false });
    expect(rest.Marker).toBeUndefined();
  });

  it('answers an empty list for an untagged device and NoSuchEntity 404 for an unknown one', async () => {
    await iam().send(new CreateVirtualMFADeviceCommand({ VirtualMFADeviceName: 'plain' }));
    expect(
      (await iam().send(new ListMFADeviceTagsCommand({ SerialNumber: serialOf('plain') }))).Tags,
    ).toEqual([]);

    const error = await sdkError(
      iam().send(new ListMFADeviceTagsCommand({ SerialNumber: serialOf('missing') })),
    );
    expect(error.name).toBe('NoSuchEntityException');
    expect(error.$metadata.httpStatusCode).toBe(404);
  });
});

describe('DeleteVirtualMFADevice', () => {
  it('deletes an unassigned device', async () => {
    const { serial } = await createDevice('temp');
    await iam().send(new DeleteVirtualMFADeviceCommand({ SerialNumber: serial }));
    expect(await listVirtual()).toEqual([]);
  });

  it('answers NoSuchEntity 404 for an unknown serial number', async () => {
    const serial = serialOf('ghost');
    const error = await sdkError(
      iam().send(new DeleteVirtualMFADeviceCommand({ SerialNumber: serial })),
    );
    expect(error.name).toBe('NoSuchEntityException');
    expect(error.$metadata.httpStatusCode).toBe(404);
    expect(error.message).toBe(`MFA Device with serial number ${serial} does not exist.`);
  });

  it('refuses to delete an assigned device with DeleteConflict 409', async () => {
    await createUser('alice');
    const { serial } = await createEnabled('alice', 'alice-phone');
    const error = await sdkError(
      iam().send(new DeleteVirtualMFADeviceCommand({ SerialNumber: serial })),
    );
    expect(error.name).toBe('DeleteConflictException');
    expect(error.$metadata.httpStatusCode).toBe(409);
    // Message UNCONFIRMED.
    expect(error.message).toBe(
      `MFA Device with serial number ${serial} is still assigned to a user. Deactivate it first.`,
    );
  });

  it('deletes a device once it has been deactivated', async () => {
    await createUser('alice');
    const { serial } = await createEnabled('alice', 'alice-phone');
    await iam().send(new DeactivateMFADeviceCommand({ UserName: 'alice', SerialNumber: serial }));
    await iam().send(new DeleteVirtualMFADeviceCommand({ SerialNumber: serial }));
    expect(await listVirtual()).toEqual([]);
  });

  it('does not delete hardware devices (they are not virtual)', async () => {
    putDevice({ kind: 'hardware', name: '', serialNumber: 'GAHT12345678' });
    const error = await sdkError(
      iam().send(new DeleteVirtualMFADeviceCommand({ SerialNumber: 'GAHT12345678' })),
    );
    expect(error.name).toBe('NoSuchEntityException');
  });

  it('rejects a missing serial number with ValidationError 400', async () => {
    const error = await sdkError(
      iam().send(new DeleteVirtualMFADeviceCommand({} as { SerialNumber: string })),
    );
    expect(error.name).toBe('ValidationError');
    expect(error.$metadata.httpStatusCode).toBe(400);
    expect(error.message).toBe(
      "1 validation error detected: Value null at 'serialNumber' failed to satisfy constraint: Member must not be null",
    );
  });
});

describe('EnableMFADevice', () => {
  it('assigns a device given the previous and the current code', async () => {
    await createUser('alice');
    const before = Date.now();
    const { serial } = await createEnabled('alice', 'alice-phone');

    const [listed] = await listMfa('alice');
    expect(listed?.UserName).toBe('alice');
    expect(listed?.SerialNumber).toBe(serial);
    expect(listed?.EnableDate?.getTime()).toBeGreaterThanOrEqual(Math.floor(before / 1000) * 1000);
    expect(state().users.get('alice')?.mfaSerials).toEqual([serial]);
  });

  it('accepts a pair from a step or two ago, for a slow typist', async () => {
    await createUser('alice');
    const { serial, seed } = await createDevice('alice-phone');
    const step = totpStep(new Date());
    await enable('alice', serial, [totpCode(seed, step - 2), totpCode(seed, step - 1)]);
  });

  it('accepts codes computed for the emulator clock, wherever it has been moved', async () => {
    await createUser('alice');
    const { serial, seed } = await createDevice('alice-phone');
    em.running.emulator.clockOffsetMs = 3 * 60 * 60 * 1000;
    const later = new Date(Date.now() + em.running.emulator.clockOffsetMs);
    await enable('alice', serial, currentPair(seed, later));
  });

  it('answers NoSuchEntity 404 for an unknown user', async () => {
    const { serial, seed } = await createDevice('orphan');
    const error = await sdkError(enable('nobody', serial, currentPair(seed)));
    expect(error.name).toBe('NoSuchEntityException');
    expect(error.$metadata.httpStatusCode).toBe(404);
    expect(error.message).toBe('The user with name nobody cannot be found.');
  });

  it('answers NoSuchEntity 404 for an unknown device', async () => {
    await createUser('alice');
    const serial = serialOf('ghost');
    const error = await sdkError(enable('alice', serial, ['123456', '654321']));
    expect(error.name).toBe('NoSuchEntityException');
    expect(error.$metadata.httpStatusCode).toBe(404);
    expect(error.message).toBe(`MFA Device with serial number ${serial} does not exist.`);
  });

  it('refuses a device already assigned to another user with EntityAlreadyExists 409', async () => {
    await createUser('alice');
    await createUser('bob');
    const { serial, seed } = await createEnabled('alice', 'shared');
    const step = totpStep(new Date());
    const error = await sdkError(
      enable('bob', serial, [totpCode(seed, step + 1), totpCode(seed, step + 2)]),
    );
    expect(error.name).toBe('EntityAlreadyExistsException');
    expect(error.$metadata.httpStatusCode).toBe(409);
    expect(error.message).toBe('MFA Device is already in use.');
  });

  it('refuses a device already assigned to the same user with EntityAlreadyExists 409', async () => {
    await createUser('alice');
    const { serial, seed } = await createEnabled('alice', 'twice');
    const step = totpStep(new Date());
    const error = await sdkError(
      enable('alice', serial, [totpCode(seed, step + 1), totpCode(seed, step + 2)]),
    );
    expect(error.name).toBe('EntityAlreadyExistsException');
    expect(error.message).toBe('MFA Device is already in use.');
  });

  describe('rejects bad codes with InvalidAuthenticationCode 403', () => {
    async function rejected(codes: (seed: string, step: number) => [string, string]) {
      await createUser('alice');
      const { serial, seed } = await createDevice('alice-phone');
      const error = await sdkError(enable('alice', serial, codes(seed, totpStep(new Date()))));
      expect(error.name).toBe('InvalidAuthenticationCodeException');
      expect(error.$metadata.httpStatusCode).toBe(403);
      expect(error.message).toBe(INVALID_CODE);
      // The device stays unassigned.
      expect((await listVirtual('Unassigned')).map((d) => d.SerialNumber)).toEqual([serial]);
    }

    it('rejects codes the device never showed', async () => {
      await rejected((seed, step) => {
        const wrong = (code: string) => String((Number(code) + 1) % 1_000_000).padStart(6, '0');
        return [wrong(totpCode(seed, step - 1)), wrong(totpCode(seed, step))];
      });
    });

    it('rejects the same code twice (UNCONFIRMED on AWS)', async () => {
      await rejected((seed, step) => [totpCode(seed, step), totpCode(seed, step)]);
    });

    it('rejects codes that are not consecutive', async () => {
      await rejected((seed, step) => [totpCode(seed, step - 2), totpCode(seed, step)]);
    });

    it('rejects consecutive codes in the wrong order', async () => {
      await rejected((seed, step) => [totpCode(seed, step), totpCode(seed, step - 1)]);
    });

    it('rejects a pair from outside the clock window', async () => {
      await rejected((seed, step) => [totpCode(seed, step - 10), totpCode(seed, step - 9)]);
      await iam().send(
        new DeleteVirtualMFADeviceCommand({ SerialNumber: serialOf('alice-phone') }),
      );
      await iam().send(new DeleteUserCommand({ UserName: 'alice' }));
      await rejected((seed, step) => [totpCode(seed, step + 10), totpCode(seed, step + 11)]);
    });
  });

  it('rejects a replayed code pair with InvalidAuthenticationCode 403', async () => {
    await createUser('alice');
    const { serial, seed } = await createDevice('alice-phone');
    const pair = currentPair(seed);
    await enable('alice', serial, pair);
    await iam().send(new DeactivateMFADeviceCommand({ UserName: 'alice', SerialNumber: serial }));

    const error = await sdkError(enable('alice', serial, pair));
    expect(error.name).toBe('InvalidAuthenticationCodeException');
    expect(error.$metadata.httpStatusCode).toBe(403);
    expect(error.message).toBe(INVALID_CODE);

    // A fresh pair (both codes later than the used ones) still works.
    em.running.emulator.clockOffsetMs = 60_000;
    await enable('alice', serial, currentPair(seed, new Date(Date.now() + 60_000)));
  });

  it('allows eight devices per user and refuses a ninth with LimitExceeded 409', async () => {
    await createUser('alice');
    for (let i = 1; i <= 8; i++) await createEnabled('alice', `alice-${i}`);
    expect(await listMfa('alice')).toHaveLength(8);

    const { serial, seed } = await createDevice('alice-9');
    const error = await sdkError(enable('alice', serial, currentPair(seed)));
    // LimitExceeded is deserialized as LimitExceededException (the fixture does not retry it).
    expect(error.name).toBe('LimitExceededException');
    expect(error.$metadata.httpStatusCode).toBe(409);
    // Message UNCONFIRMED.
    expect(error.message).toBe('Cannot exceed quota for MFADevicesPerUser: 8');
  });

  it('counts hardware and FIDO devices toward the eight', async () => {
    await createUser('alice');
    const alice = state().users.get('alice');
    for (let i = 0; i < 8; i++) {
      const device = putDevice({
        kind: i % 2 ? 'hardware' : 'fido',
        name: '',
        serialNumber: `GAHT0000000${i}`,
        user: 'alice',
        enableDate: new Date(),
      });
      alice?.mfaSerials.push(device.serialNumber);
    }
    const { serial, seed } = await createDevice('alice-phone');
    const error = await sdkError(enable('alice', serial, currentPair(seed)));
    expect(error.name).toBe('LimitExceededException');
  });

  describe('validates the request first, with ValidationError 400', () => {
    it.each([
      [
        '12',
        "Value at 'authenticationCode1' failed to satisfy constraint: Member must have length greater than or equal to 6",
      ],
      [
        'abcdef',
        "Value at 'authenticationCode1' failed to satisfy constraint: Member must satisfy regular expression pattern: [\\d]+",
      ],
      [
        '1234567',
        "Value at 'authenticationCode1' failed to satisfy constraint: Member must have length less than or equal to 6",
      ],
    ])('rejects code %j', async (code, problem) => {
      // Neither the user nor the device exists: validation comes before any lookup.
      const error = await sdkError(enable('nobody', serialOf('ghost'), [code, '123456']));
      expect(error.name).toBe('ValidationError');
      expect(error.$metadata.httpStatusCode).toBe(400);
      expect(error.message).toBe(`1 validation error detected: ${problem}`);
    });

    it('reports every problem at once', async () => {
      const error = await sdkError(
        iam().send(
          new EnableMFADeviceCommand({
            UserName: 'alice',
            AuthenticationCode1: '12',
            AuthenticationCode2: 'abcdef',
          } as never),
        ),
      );
      expect(error.name).toBe('ValidationError');
      expect(error.message).toMatch(/^3 validation errors detected: /);
      expect(error.message).toContain(
        "Value null at 'serialNumber' failed to satisfy constraint: Member must not be null",
      );
    });
  });
});

describe('DeactivateMFADevice', () => {
  it('returns a virtual device to Unassigned and drops it from ListMFADevices', async () => {
    await createUser('alice');
    const { serial } = await createEnabled('alice', 'alice-phone');
    expect(await listVirtual('Assigned')).toHaveLength(1);

    await iam().send(new DeactivateMFADeviceCommand({ UserName: 'alice', SerialNumber: serial }));
    expect(await listMfa('alice')).toEqual([]);
    expect(await listVirtual('Assigned')).toEqual([]);
    expect(await listVirtual('Unassigned')).toEqual([{ SerialNumber: serial }]);
    expect(state().users.get('alice')?.mfaSerials).toEqual([]);
  });

  it('lets the device be enabled again, for the same or another user', async () => {
    await createUser('alice');
    await createUser('bob');
    const { serial, seed } = await createEnabled('alice', 'passed-on');
    await iam().send(new DeactivateMFADeviceCommand({ UserName: 'alice', SerialNumber: serial }));
    const step = totpStep(new Date());
    await enable('bob', serial, [totpCode(seed, step + 1), totpCode(seed, step + 2)]);
    expect((await listMfa('bob')).map((d) => d.SerialNumber)).toEqual([serial]);
  });

  it('defaults UserName to the calling IAM user', async () => {
    await createUser('alice');
    const { serial } = await createEnabled('alice', 'alice-phone');
    state().accessKeys.set('AKIAALICEEXAMPLE0001', {
      accessKeyId: 'AKIAALICEEXAMPLE0001',
      user: 'alice',
    });
    const asAlice = em.iamAs('AKIAALICEEXAMPLE0001');
    try {
      await asAlice.send(new DeactivateMFADeviceCommand({ SerialNumber: serial }));
    } finally {
      asAlice.destroy();
    }
    expect(await listMfa('alice')).toEqual([]);
  });

  it('removes a hardware device entirely', async () => {
    await createUser('alice');
    putDevice({
      kind: 'hardware',
      name: '',
      serialNumber: 'GAHT12345678',
      user: 'alice',
      enableDate: new Date(),
    });
    state().users.get('alice')?.mfaSerials.push('GAHT12345678');
    expect((await listMfa('alice')).map((d) => d.SerialNumber)).toEqual(['GAHT12345678']);
    expect(await listVirtual()).toEqual([]);

    await iam().send(
      new DeactivateMFADeviceCommand({ UserName: 'alice', SerialNumber: 'GAHT12345678' }),
    );
    expect(await listMfa('alice')).toEqual([]);
    expect(state().mfaDevices.has('gaht12345678')).toBe(false);
  });

  it('answers NoSuchEntity 404 for an unknown user', async () => {
    const error = await sdkError(
      iam().send(
        new DeactivateMFADeviceCommand({ UserName: 'nobody', SerialNumber: serialOf('x-device') }),
      ),
    );
    expect(error.name).toBe('NoSuchEntityException');
    expect(error.$metadata.httpStatusCode).toBe(404);
    expect(error.message).toBe('The user with name nobody cannot be found.');
  });

  it('answers NoSuchEntity 404 for a device not enabled for that user', async () => {
    await createUser('alice');
    await createUser('bob');
    const { serial: bobs } = await createEnabled('bob', 'bob-phone');
    const { serial: loose } = await createDevice('unassigned');
    for (const serial of [bobs, loose, serialOf('ghost')]) {
      const error = await sdkError(
        iam().send(new DeactivateMFADeviceCommand({ UserName: 'alice', SerialNumber: serial })),
      );
      expect(error.name).toBe('NoSuchEntityException');
      expect(error.$metadata.httpStatusCode).toBe(404);
      expect(error.message).toBe(`MFA Device with serial number ${serial} does not exist.`);
    }
    expect(await listMfa('bob')).toHaveLength(1);
  });
});

describe('ResyncMFADevice', () => {
  function resync(userName: string, serial: string, codes: [string, string]) {
    return iam().send(
      new ResyncMFADeviceCommand({
        UserName: userName,
        SerialNumber: serial,
        AuthenticationCode1: codes[0],
        AuthenticationCode2: codes[1],
      }),
    );
  }

  it('accepts two fresh consecutive codes from an enabled device', async () => {
    await createUser('alice');
    const { serial, seed } = await createEnabled('alice', 'alice-phone');
    em.running.emulator.clockOffsetMs = 10 * 60 * 1000;
    await resync('alice', serial, currentPair(seed, new Date(Date.now() + 10 * 60 * 1000)));
  });

  it('rejects bad codes with InvalidAuthenticationCode 403', async () => {
    await createUser('alice');
    const { serial, seed } = await createEnabled('alice', 'alice-phone');
    const step = totpStep(new Date());
    const error = await sdkError(
      resync('alice', serial, [totpCode(seed, step + 2), totpCode(seed, step + 1)]),
    );
    expect(error.name).toBe('InvalidAuthenticationCodeException');
    expect(error.$metadata.httpStatusCode).toBe(403);
    expect(error.message).toBe(INVALID_CODE);
  });

  it('rejects the pair that enabled the device (a replay) with InvalidAuthenticationCode 403', async () => {
    await createUser('alice');
    const { serial, seed } = await createDevice('alice-phone');
    const pair = currentPair(seed);
    await enable('alice', serial, pair);
    const error = await sdkError(resync('alice', serial, pair));
    expect(error.name).toBe('InvalidAuthenticationCodeException');
  });

  it('answers NoSuchEntity 404 for an unknown user or a device not enabled for the user', async () => {
    await createUser('alice');
    const { serial, seed } = await createDevice('loose');
    const noUser = await sdkError(resync('nobody', serial, currentPair(seed)));
    expect(noUser.name).toBe('NoSuchEntityException');
    expect(noUser.message).toBe('The user with name nobody cannot be found.');

    const notHers = await sdkError(resync('alice', serial, currentPair(seed)));
    expect(notHers.name).toBe('NoSuchEntityException');
    expect(notHers.$metadata.httpStatusCode).toBe(404);
    expect(notHers.message).toBe(`MFA Device with serial number ${serial} does not exist.`);
  });

  it('validates the codes with ValidationError 400', async () => {
    const error = await sdkError(resync('alice', serialOf('x-device'), ['123456', '12']));
    expect(error.name).toBe('ValidationError');
    expect(error.message).toBe(
      "1 validation error detected: Value at 'authenticationCode2' failed to satisfy constraint: Member must have length greater than or equal to 6",
    );
  });
});

describe('ListMFADevices', () => {
  it("lists the user's enabled devices of every kind, ordered by lower-cased serial number", async () => {
    await createUser('alice');
    await createUser('bob');
    const b = await createEnabled('alice', 'b-device');
    const a = await createEnabled('alice', 'a-device');
    await createEnabled('bob', 'bob-phone');
    await createDevice('unassigned');
    putDevice({
      kind: 'hardware',
      name: '',
      serialNumber: 'GAHT12345678',
      user: 'alice',
      enableDate: new Date('2024-01-02T03:04:05.678Z'),
    });
    state().users.get('alice')?.mfaSerials.push('GAHT12345678');

    const devices = await listMfa('alice');
    expect(devices.map((d) => d.SerialNumber)).toEqual([a.serial, b.serial, 'GAHT12345678']);
    expect(devices.every((d) => d.UserName === 'alice')).toBe(true);
    expect(devices[2]?.EnableDate).toEqual(new Date('2024-01-02T03:04:05Z'));
  });

  it('lists nothing for a user without devices', async () => {
    await createUser('alice');
    const out = await iam().send(new ListMFADevicesCommand({ UserName: 'alice' }));
    expect(out.MFADevices).toEqual([]);
    expect(out.IsTruncated).toBe(false);
    expect(out.Marker).toBeUndefined();
  });

  it('defaults to the calling IAM user, and lists nothing for root without UserName', async () => {
    await createUser('alice');
    const { serial } = await createEnabled('alice', 'alice-phone');
    state().accessKeys.set('AKIAALICEEXAMPLE0001', {
      accessKeyId: 'AKIAALICEEXAMPLE0001',
      user: 'alice',
    });
    const asAlice = em.iamAs('AKIAALICEEXAMPLE0001');
    try {
      const out = await asAlice.send(new ListMFADevicesCommand({}));
      expect(out.MFADevices?.map((d) => d.SerialNumber)).toEqual([serial]);
    } finally {
      asAlice.destroy();
    }
    // The fixture's default key is unknown to the emulator, so it signs as root.
    expect(await listMfa()).toEqual([]);
  });

  it('answers NoSuchEntity 404 for an unknown user', async () => {
    const error = await sdkError(listMfa('nobody'));
    expect(error.name).toBe('NoSuchEntityException');
    expect(error.$metadata.httpStatusCode).toBe(404);
    expect(error.message).toBe('The user with name nobody cannot be found.');
  });

  it('pages with the SDK paginator until the last page', async () => {
    await createUser('alice');
    const alice = state().users.get('alice');
    for (let i = 0; i < 7; i++) {
      const device = putDevice({ name: `dev-${i}`, user: 'alice', enableDate: new Date() });
      alice?.mfaSerials.push(device.serialNumber);
    }
    const pages: string[][] = [];
    for await (const page of paginateListMFADevices(
      { client: iam(), pageSize: 3 },
      { UserName: 'alice' },
    )) {
      pages.push((page.MFADevices ?? []).map((d) => d.SerialNumber ?? ''));
      expect(page.IsTruncated).toBe(pages.length < 3);
    }
    expect(pages.map((p) => p.length)).toEqual([3, 3, 1]);
    expect(pages.flat()).toEqual(Array.from({ length: 7 }, (_, i) => serialOf(`dev-${i}`)));
  });

  it.each([0, 1001])('rejects MaxItems %i with ValidationError 400', async (maxItems) => {
    const error = await sdkError(
      iam().send(new ListMFADevicesCommand({ UserName: 'alice', MaxItems: maxItems })),
    );
    expect(error.name).toBe('ValidationError');
    expect(error.$metadata.httpStatusCode).toBe(400);
    expect(error.message).toBe(
      `1 validation error detected: Value at 'maxItems' failed to satisfy constraint: Member must have value ${
        maxItems === 0 ? 'greater than or equal to 1' : 'less than or equal to 1000'
      }`,
    );
  });
});

describe('ListVirtualMFADevices', () => {
  async function setup() {
    await createUser('alice');
    const assigned = await createEnabled('alice', 'assigned-device');
    const loose = await createDevice('loose-device', { Path: '/spare/' });
    putDevice({ kind: 'hardware', name: '', serialNumber: 'GAHT12345678' });
    return { assigned, loose };
  }

  it('lists every virtual device by default (Any), never hardware ones', async () => {
    const { assigned, loose } = await setup();
    const all = await listVirtual();
    expect(all.map((d) => d.SerialNumber)).toEqual([assigned.serial, loose.serial]);
    expect(await listVirtual('Any')).toEqual(all);
  });

  it('filters on AssignmentStatus', async () => {
    const { assigned, loose } = await setup();
    expect((await listVirtual('Assigned')).map((d) => d.SerialNumber)).toEqual([assigned.serial]);
    expect((await listVirtual('Unassigned')).map((d) => d.SerialNumber)).toEqual([loose.serial]);
  });

  it('shows an unassigned device as its serial number only', async () => {
    const { loose } = await setup();
    expect(await listVirtual('Unassigned')).toEqual([{ SerialNumber: loose.serial }]);
  });

  it('shows an assigned device with its user and enable date, never its seed, QR code or tags', async () => {
    const { assigned } = await setup();
    const alice = state().users.get('alice');
    const [device] = await listVirtual('Assigned');
    expect(device).toEqual({
      SerialNumber: assigned.serial,
      User: {
        Path: '/',
        UserName: 'alice',
        UserId: alice?.userId,
        Arn: `arn:aws:iam::${ACCOUNT}:user/alice`,
        CreateDate: expect.any(Date),
      },
      EnableDate: expect.any(Date),
    });
  });

  it('rejects an unknown AssignmentStatus with ValidationError 400', async () => {
    const error = await sdkError(
      iam().send(new ListVirtualMFADevicesCommand({ AssignmentStatus: 'Sometimes' as never })),
    );
    expect(error.name).toBe('ValidationError');
    expect(error.$metadata.httpStatusCode).toBe(400);
    expect(error.message).toBe(
      "1 validation error detected: Value 'Sometimes' at 'assignmentStatus' failed to satisfy constraint: Member must satisfy enum value set: [Assigned, Unassigned, Any]",
    );
  });

  it('rejects a marker it did not issue with ValidationError "Invalid Marker."', async () => {
    const error = await sdkError(
      iam().send(new ListVirtualMFADevicesCommand({ Marker: 'not-a-marker' })),
    );
    expect(error.name).toBe('ValidationError');
    expect(error.$metadata.httpStatusCode).toBe(400);
    expect(error.message).toBe('Invalid Marker.');
  });

  it.each([0, 1001])('rejects MaxItems %i with ValidationError 400', async (maxItems) => {
    const error = await sdkError(
      iam().send(new ListVirtualMFADevicesCommand({ MaxItems: maxItems })),
    );
    expect(error.name).toBe('ValidationError');
    expect(error.$metadata.httpStatusCode).toBe(400);
  });

  it('pages with the SDK paginator until the last page, with Marker only on truncated pages', async () => {
    const names = ['d1', 'd2', 'd3', 'd4', 'd5'];
    for (const name of names) await createDevice(name);
    const pages: string[][] = [];
    for await (const page of paginateListVirtualMFADevices({ client: iam(), pageSize: 2 }, {})) {
      pages.push((page.VirtualMFADevices ?? []).map((d) => d.SerialNumber ?? ''));
      expect(page.IsTruncated).toBe(pages.length < 3);
      expect(page.Marker === undefined).toBe(pages.length === 3);
    }
    expect(pages.map((p) => p.length)).toEqual([2, 2, 1]);
    expect(pages.flat()).toEqual(names.map((n) => serialOf(n)));
  });

  it('keeps paging correctly when devices are deleted between pages', async () => {
    for (const name of ['d1', 'd2', 'd3', 'd4']) await createDevice(name);
    const first = await iam().send(new ListVirtualMFADevicesCommand({ MaxItems: 2 }));
    await iam().send(new DeleteVirtualMFADeviceCommand({ SerialNumber: serialOf('d2') }));
    const second = await iam().send(
      new ListVirtualMFADevicesCommand({ MaxItems: 2, Marker: first.Marker }),
    );
    expect(second.VirtualMFADevices?.map((d) => d.SerialNumber)).toEqual([
      serialOf('d3'),
      serialOf('d4'),
    ]);
    expect(second.IsTruncated).toBe(false);
  });

  it('pages through 5,000 devices at 1,000 a page quickly, each device once', async () => {
    await createUser('alice');
    for (let i = 0; i < 5000; i++) {
      putDevice({
        name: `bulk-${String(i).padStart(4, '0')}`,
        ...(i % 3 === 0 ? { user: 'alice', enableDate: new Date() } : {}),
      });
    }
    const started = performance.now();
    const seen: string[] = [];
    let pages = 0;
    for await (const page of paginateListVirtualMFADevices(
      { client: iam(), pageSize: 1000 },
      { AssignmentStatus: 'Any' },
    )) {
      pages++;
      for (const d of page.VirtualMFADevices ?? []) seen.push(d.SerialNumber ?? '');
    }
    const elapsed = performance.now() - started;
    expect(pages).toBe(5);
    expect(seen).toHaveLength(5000);
    expect(new Set(seen).size).toBe(5000);
    expect(seen).toEqual([...seen].sort());
    expect(elapsed).toBeLessThan(3000);

    let assigned = 0;
    for await (const page of paginateListVirtualMFADevices(
      { client: iam(), pageSize: 1000 },
      { AssignmentStatus: 'Assigned' },
    )) {
      assigned += page.VirtualMFADevices?.length ?? 0;
    }
    expect(assigned).toBe(1667);
  });
});
