// `npm run emulator -- --port 4566`: runs the IAM/STS emulator as a standalone server that any
// AWS SDK or the AWS CLI can talk to through AWS_ENDPOINT_URL_IAM / AWS_ENDPOINT_URL_STS.
// Exit codes: 0 after a clean shutdown or --help, 1 when it cannot start, 2 for bad flags.

import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import { DEMO_ACCESS_KEYS, DEMO_ACCOUNT_ALIAS, demoSeed } from '../demo-account.ts';
import type { FaultConfig } from './faults.ts';
import { type RunningEmulator, startEmulator } from './http-server.ts';

const USAGE = `Usage: npm run emulator -- [options]

A local IAM + STS emulator speaking the AWS Query protocol.

Options:
  --port <n>            Port to listen on (default 4566; 0 picks a free port)
  --host <addr>         Address to bind (default 127.0.0.1)
  --account-id <id>     12-digit account id (default 123456789012)
  --state-file <path>   Load the account from this JSON file at start (if it exists)
                        and save it there on SIGINT/SIGTERM
  --latency-ms <n>      Delay every call by n milliseconds
  --throttle-rps <n>    Answer Throttling (400, "Rate exceeded") above n calls per second
  --failure-rate <f>    Answer ServiceFailure (500) to a fraction f (0-1) of calls
  --drop-rate <f>       Reset the connection of a fraction f (0-1) of calls
  --totp-window <n>     TOTP steps (30 s) either side of now accepted for MFA codes
  --seed-demo           Start with the demo account of npm start (alias "${DEMO_ACCOUNT_ALIAS}",
                        group "force-mfa", users with and without MFA); ignored if the
                        state is not empty
  -h, --help            Show this help
`;

class UsageError extends Error {}

export interface CliOptions {
  port: number;
  host: string;
  accountId?: string;
  stateFile?: string;
  faults: FaultConfig;
  totpWindow?: number;
  seedDemo: boolean;
  help: boolean;
}

function number(
  flag: string,
  value: string | undefined,
  check: (n: number) => boolean,
  rule: string,
) {
  if (value === undefined) return undefined;
  const n = Number(value);
  if (value.trim() === '' || !Number.isFinite(n) || !check(n)) {
    throw new UsageError(`--${flag} must be ${rule}, got ${JSON.stringify(value)}`);
  }
  return n;
}

const isInt = (n: number) => Number.isInteger(n);

/** Parses the command line; throws UsageError for anything it does not understand. */
export function parseCli(argv: string[]): CliOptions {
  let values: Record<string, string | boolean | undefined>;
  try {
    ({ values } = parseArgs({
      args: argv,
      strict: true,
      allowPositionals: false,
      options: {
        port: { type: 'string' },
        host: { type: 'string' },
        'account-id': { type: 'string' },
        'state-file': { type: 'string' },
        'latency-ms': { type: 'string' },
        'throttle-rps': { type: 'string' },
        'failure-rate': { type: 'string' },
        'drop-rate': { type: 'string' },
        'totp-window': { type: 'string' },
        'seed-demo': { type: 'boolean', default: false },
        help: { type: 'boolean', short: 'h', default: false },
      },
    }));
  } catch (error) {
    throw new UsageError(error instanceof Error ? error.message : String(error));
  }
  const str = (name: string) => values[name] as string | undefined;

  const accountId = str('account-id');
  if (accountId !== undefined && !/^\d{12}$/.test(accountId)) {
    throw new UsageError(`--account-id must be 12 digits, got ${JSON.stringify(accountId)}`);
  }
  const host = str('host') ?? '127.0.0.1';
  if (host === '') throw new UsageError('--host must not be empty');
  const stateFile = str('state-file');
  if (stateFile === '') throw new UsageError('--state-file must not be empty');

  const faults: FaultConfig = {};
  const latency = number(
    'latency-ms',
    str('latency-ms'),
    (n) => isInt(n) && n >= 0,
    'a whole number ≥ 0',
  );
  if (latency) faults.latencyMs = latency;
  const rps = number('throttle-rps', str('throttle-rps'), (n) => n > 0, 'a number > 0');
  if (rps !== undefined) faults.throttle = { ratePerSecond: rps, burst: Math.max(1, rps) };
  const fraction = (n: number) => n >= 0 && n <= 1;
  const failureRate = number(
    'failure-rate',
    str('failure-rate'),
    fraction,
    'a fraction between 0 and 1',
  );
  if (failureRate) faults.failureRate = failureRate;
  const dropRate = number('drop-rate', str('drop-rate'), fraction, 'a fraction between 0 and 1');
  if (dropRate) faults.dropRate = dropRate;

  return {
    port:
      number(
        'port',
        str('port'),
        (n) => isInt(n) && n >= 0 && n <= 65535,
        'a port number (0-65535)',
      ) ?? 4566,
    host,
    accountId,
    stateFile,
    faults,
    totpWindow: number(
      'totp-window',
      str('totp-window'),
      (n) => isInt(n) && n >= 0 && n <= 100,
      'a whole number 0-100',
    ),
    seedDemo: values['seed-demo'] === true,
    help: values.help === true,
  };
}

export async function main(argv: string[]): Promise<number> {
  let options: CliOptions;
  try {
    options = parseCli(argv);
  } catch (error) {
    if (!(error instanceof UsageError)) throw error;
    console.error(`emulator: ${error.message}\nRun with --help for the options.`);
    return 2;
  }
  if (options.help) {
    process.stdout.write(USAGE);
    return 0;
  }

  let running: RunningEmulator;
  try {
    running = await startEmulator({
      port: options.port,
      host: options.host,
      accountId: options.accountId,
      stateFile: options.stateFile,
      loadState: options.stateFile !== undefined,
      faults: options.faults,
      settings:
        options.totpWindow === undefined ? undefined : { totpWindowSteps: options.totpWindow },
    });
  } catch (error) {
    console.error(
      `emulator: cannot start: ${error instanceof Error ? error.message : String(error)}`,
    );
    return 1;
  }
  const { emulator } = running;
  // A wildcard bind is reached through loopback; print an address clients can use.
  const url = /^(0\.0\.0\.0|::)$/.test(options.host)
    ? `http://127.0.0.1:${running.port}`
    : running.url;

  if (options.seedDemo) {
    const state = emulator.state;
    if (state.users.size === 0 && state.groups.size === 0) {
      const summary = emulator.seed(demoSeed('force-mfa', emulator.now()));
      console.log(
        `Seeded the demo account: ${summary.users} users, ${summary.groups} group(s), ${summary.devices} MFA devices.`,
      );
      console.log(
        `  Sign requests with access key ${DEMO_ACCESS_KEYS.bob} to act as bob (no MFA yet), ${DEMO_ACCESS_KEYS.alice} as alice.`,
      );
    } else {
      console.log('Not seeding the demo account: the loaded state is not empty.');
    }
  }

  const where = options.stateFile ? ` (state file ${options.stateFile})` : '';
  // One write, so a process reading the banner never sees half of it.
  process.stdout.write(
    [
      `IAM/STS emulator listening on ${url} for account ${emulator.state.accountId}${where}`,
      'Point the AWS SDK or CLI at it with:',
      `  export AWS_ENDPOINT_URL_IAM=${url} AWS_ENDPOINT_URL_STS=${url} AWS_ENDPOINT_URL_SESV2=${url}`,
      `Mail sent through its SES v2: ${url}/_emulator/mailbox`,
      `Control API: ${url}/_emulator/ (health, calls, faults, settings, clock, seed, reset, state)`,
      '',
    ].join('\n'),
  );

  return new Promise<number>((done) => {
    let stopping = false;
    const shutdown = async (signal: NodeJS.Signals) => {
      if (stopping) {
        console.error(`emulator: ${signal} again, exiting without waiting`);
        process.exit(1);
      }
      stopping = true;
      let code = 0;
      if (options.stateFile) {
        try {
          await emulator.save();
          console.log(`Saved the account to ${options.stateFile}.`);
        } catch (error) {
          console.error(
            `emulator: could not save state: ${error instanceof Error ? error.message : String(error)}`,
          );
          code = 1;
        }
      }
      await running.stop().catch(() => undefined);
      console.log(`Stopped (${signal}).`);
      done(code);
    };
    // A second signal while saving exits at once (an impatient Ctrl-C).
    process.on('SIGINT', shutdown);
    process.on('SIGTERM', shutdown);
  });
}

// Run only as the entry point, so tests can import parseCli without starting a server.
const entry = process.argv[1];
if (entry && import.meta.url === pathToFileURL(resolve(entry)).href) {
  main(process.argv.slice(2)).then(
    (code) => process.exit(code),
    (error: unknown) => {
      console.error('emulator: crashed', error);
      process.exit(1);
    },
  );
}
