// A second, independent client: boto3 (Python; botocore's own Query serializer and parser)
// runs test/emulator/boto3_conformance.py against the emulator. The JS SDK and botocore are
// generated from the same models by different code, so agreeing with both is a good sign the
// emulator speaks the protocol rather than one SDK's quirks. Skipped where boto3 is missing.

import { execFile, spawnSync } from 'node:child_process';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { useEmulator } from '../support/emulator.ts';

const run = promisify(execFile);
const hasBoto3 = spawnSync('python3', ['-c', 'import boto3'], { stdio: 'ignore' }).status === 0;

const emu = useEmulator();

describe('boto3 against the emulator', () => {
  it.skipIf(!hasBoto3)('passes every conformance check', async () => {
    // Only the variables the brief names, plus PATH: a developer's AWS_PROFILE, endpoint
    // overrides or ~/.aws config must not leak into the run.
    const env = {
      PATH: process.env.PATH ?? '',
      HOME: process.env.HOME ?? '',
      AWS_ACCESS_KEY_ID: 'x',
      AWS_SECRET_ACCESS_KEY: 'y',
      AWS_DEFAULT_REGION: 'us-east-1',
      AWS_CONFIG_FILE: '/dev/null',
      AWS_SHARED_CREDENTIALS_FILE: '/dev/null',
    };
    const { stdout } = await run('python3', ['test/emulator/boto3_conformance.py', emu.url], {
      env,
    }).catch((error: { stdout?: string; stderr?: string; message: string }) => {
      throw new Error(
        `boto3_conformance.py failed:\n${error.stdout ?? ''}${error.stderr ?? error.message}`,
      );
    });
    expect(stdout).toMatch(/^boto3 conformance: \d+ checks passed$/m);
    // Every check went over HTTP: the emulator saw botocore's calls.
    const { byAction } = await emu.calls();
    expect(byAction).toMatchObject({
      CreateVirtualMFADevice: 1,
      EnableMFADevice: 2,
      // As root, then with a new access key, then with it deactivated (refused).
      GetCallerIdentity: 3,
      CreateAccessKey: 4,
      // Refused without an MFA code, then granted with one.
      AssumeRole: 2,
      // Three pages of two users with Filter=User, one of groups, one refused filter.
      GetAccountAuthorizationDetails: 5,
    });
  });
});
