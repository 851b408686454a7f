// The Lambda bundles `npm run build` makes (via `npm run package`): what esbuild's metafile says
// went into each, what each artifact zip holds, and that the built handlers serve real requests
// (API Gateway HTTP API events, and the sweeper's and the reminders' EventBridge schedules)
// against the IAM/STS/SES emulator in a plain Node process.

import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { builtinModules } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { promisify } from 'node:util';
import { CreateVirtualMFADeviceCommand, ListVirtualMFADevicesCommand } from '@aws-sdk/client-iam';
import type { Metafile } from 'esbuild';
import { beforeAll, describe, expect, it } from 'vitest';
import { newApiKey } from '../../functions/admin/api-keys.ts';
import { DEFAULT_SENDER_EMAIL } from '../../functions/config.ts';
import { openApiDocument } from '../../functions/openapi/document.ts';
import { writeZip } from '../../infra/zip.ts';
import { demoSeed, remindersRoleSeed } from '../../local/demo-account.ts';
import { useEmulator } from '../support/emulator.ts';
import { type PackagedStack, packagedStack } from './support/packaged-stack.ts';

const run = promisify(execFile);

let stack: PackagedStack;
const meta: Record<string, Metafile> = {};
const FUNCTIONS = ['onboarding', 'admin', 'sweeper', 'reminders'];
const BUNDLES = [...FUNCTIONS, 'bench/bare-iam', 'bench/sdk-clients'];

beforeAll(async () => {
  stack = await packagedStack();
  for (const name of BUNDLES) meta[name] = await stack.metafile(name);
}, 300_000);

/** Every source file in a bundle, in any of its outputs (entry and chunks). */
const inputsOf = (name: string) => {
  const metafile = meta[name];
  if (!metafile) throw new Error(`no metafile for ${name}`);
  return Object.values(metafile.outputs).flatMap((o) => Object.keys(o.inputs));
};

/** Source files in the outputs Node loads when the bundle is imported (no dynamic chunks). */
const inputsLoadedAtImport = (name: string) => {
  const { outputs } = meta[name] as Metafile;
  const entry = Object.keys(outputs).find((p) => p.endsWith(`dist/${name}/index.mjs`));
  const seen = new Set<string>();
  const visit = (path: string) => {
    if (seen.has(path)) return;
    seen.add(path);
    for (const i of outputs[path]?.imports ?? []) if (i.kind === 'import-statement') visit(i.path);
  };
  if (entry) visit(entry);
  return [...seen].flatMap((p) => Object.keys(outputs[p]?.inputs ?? {}));
};

describe('what each bundle holds', () => {
  it('keeps the QR code library out of the admin bundle', () => {
    expect(inputsOf('admin').filter((i) => i.includes('node_modules/qrcode/'))).toEqual([]);
  });

  it('keeps SES (its client, the mail and the delivery) out of the onboarding and sweeper bundles', () => {
    const ses = (i: string) =>
      i.includes('node_modules/@aws-sdk/client-sesv2/') ||
      i.startsWith('functions/aws/ses') ||
      i.startsWith('functions/delivery/') ||
      i.startsWith('functions/invitations/deliver');
    expect(inputsOf('onboarding').filter(ses)).toEqual([]);
    expect(inputsOf('sweeper').filter(ses)).toEqual([]);
    expect(inputsOf('admin')).toContain('functions/delivery/email.ts');
  });

  it('loads SES in the admin function only on the first request that sends mail, not at import', () => {
    const ses = (i: string) =>
      i.includes('node_modules/@aws-sdk/client-sesv2/') || i.startsWith('functions/delivery/');
    expect(inputsOf('admin').filter(ses)).not.toEqual([]);
    expect(inputsLoadedAtImport('admin').filter(ses)).toEqual([]);
  });

  it('keeps the compliance code (and its CSV) out of the onboarding bundle', () => {
    expect(inputsOf('onboarding').filter((i) => i.startsWith('functions/compliance/'))).toEqual([]);
  });

  it("keeps the page's sources out of the admin bundle: it embeds the built console only", () => {
    expect(inputsOf('admin').filter((i) => i.startsWith('web/'))).toEqual([]);
    expect(inputsOf('admin')).toContain('<define:__WEB_ASSETS__>');
  });

  it('keeps the HTTP stack, the page, the QR code library and the compliance code out of the sweeper bundle', () => {
    const http = (i: string) =>
      i.includes('node_modules/hono/') ||
      i.includes('node_modules/valibot/') ||
      i.includes('node_modules/qrcode/') ||
      i.startsWith('web/') ||
      i.startsWith('functions/compliance/') ||
      i.startsWith('functions/admin/app') ||
      i.startsWith('functions/enrollment/enrollment');
    expect(inputsOf('sweeper').filter(http)).toEqual([]);
    expect(inputsOf('sweeper')).toContain('functions/invitations/sweep.ts');
  });

  it('keeps the HTTP stack, the page, the QR code library and the admin app out of the reminders bundle, which holds the run, the scan and the mail', () => {
    const http = (i: string) =>
      i.includes('node_modules/hono/') ||
      i.includes('node_modules/qrcode/') ||
      i.startsWith('web/') ||
      i.startsWith('functions/http/') ||
      i.startsWith('functions/admin/app') ||
      i.startsWith('functions/onboarding/') ||
      i.startsWith('functions/enrollment/enrollment');
    expect(inputsOf('reminders').filter(http)).toEqual([]);
    for (const input of [
      'functions/reminders/run.ts',
      'functions/compliance/scan.ts',
      'functions/delivery/email.ts',
    ])
      expect(inputsOf('reminders')).toContain(input);
  });

  it('embeds the page in the onboarding bundle', () => {
    expect(inputsOf('onboarding')).toContain('<define:__WEB_ASSETS__>');
  });

  it('loads the QR code library only when a device is made, not at cold start', () => {
    expect(inputsOf('onboarding').some((i) => i.includes('node_modules/qrcode/'))).toBe(true);
    expect(
      inputsLoadedAtImport('onboarding').filter((i) => i.includes('node_modules/qrcode/')),
    ).toEqual([]);
  });

  it('embeds the OpenAPI document built at build time, without its builder or the JSON Schema converter', () => {
    const builder = (i: string) =>
      i === 'functions/openapi/document.ts' || i.includes('node_modules/@valibot/to-json-schema/');
    for (const name of FUNCTIONS) expect(inputsOf(name).filter(builder), name).toEqual([]);
    expect(inputsOf('admin')).toContain('<define:__OPENAPI__>');
  });

  it('bundles the pinned AWS SDK rather than relying on the runtime', () => {
    for (const name of FUNCTIONS) {
      expect(inputsOf(name).some((i) => i.includes('node_modules/@aws-sdk/client-iam/'))).toBe(
        true,
      );
      const externals = Object.values(meta[name]?.outputs ?? {}).flatMap((o) =>
        o.imports.filter((i) => i.external).map((i) => i.path),
      );
      expect(externals.filter((path) => !path.startsWith('node:') && !isBuiltin(path))).toEqual([]);
    }
  });

  it.each(BUNDLES)(
    '%s holds nothing from the AGPL policy simulator (a test-only dependency)',
    (name) => {
      expect(inputsOf(name).filter((i) => i.includes('@cloud-copilot/'))).toEqual([]);
    },
  );
});

describe('the artifacts', () => {
  it.each(FUNCTIONS)('%s.zip holds the bundle with its chunks and source maps', async (name) => {
    const listing = zipEntryNames(await readFile(join(stack.distDir, `${name}.zip`)));
    const outputs = Object.keys(meta[name]?.outputs ?? {}).map((p) =>
      p.slice(`dist/${name}/`.length),
    );
    expect(listing.sort()).toEqual(outputs.sort());
    expect(listing).toContain('index.mjs');
    expect(listing).toContain('index.mjs.map');
  });

  it('is byte-for-byte reproducible', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'zip-'));
    try {
      const files = Object.keys(meta.admin?.outputs ?? {}).map((p) =>
        p.slice('dist/admin/'.length),
      );
      await writeZip(join(dir, 'again.zip'), join(stack.distDir, 'admin'), files.reverse());
      expect(await readFile(join(dir, 'again.zip'))).toEqual(
        await readFile(join(stack.distDir, 'admin.zip')),
      );
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});

describe('the built handlers', () => {
  const emulator = useEmulator({ resetEach: false });
  const { key, sha256 } = newApiKey();

  beforeAll(() => {
    emulator.running.emulator.seed(demoSeed('force-mfa'));
  });

  interface LambdaResponse {
    statusCode: number;
    headers: Record<string, string>;
    body: string;
  }

  /** Imports the bundle in a fresh Node process (as Lambda would) and sends it the events. */
  async function invoke<T = LambdaResponse>(
    bundle: string,
    events: unknown[],
    env: Record<string, string> = {},
  ): Promise<T[]> {
    return (await invokeWithLogs<T>(bundle, events, env)).responses;
  }

  /** The same, with the log lines the bundle wrote to stdout. */
  async function invokeWithLogs<T = LambdaResponse>(
    bundle: string,
    events: unknown[],
    env: Record<string, string> = {},
  ): Promise<{ responses: T[]; logs: Record<string, unknown>[] }> {
    const file = pathToFileURL(join(stack.distDir, bundle, 'index.mjs')).href;
    // The functions log to stdout; the responses go to a file of their own.
    const dir = await mkdtemp(join(tmpdir(), 'invoke-'));
    const results = join(dir, 'responses.json');
    const script = `
      const { handler } = await import(${JSON.stringify(file)});
      const out = [];
      for (const event of JSON.parse(process.env.EVENTS)) out.push(await handler(event, {}));
      (await import('node:fs')).writeFileSync(${JSON.stringify(results)}, JSON.stringify(out));`;
    const { stdout } = await run(process.execPath, ['--input-type=module', '-e', script], {
      env: {
        PATH: process.env.PATH,
        AWS_REGION: 'us-east-1',
        AWS_ACCESS_KEY_ID: 'AKIAIOSFODNN7EXAMPLE',
        AWS_SECRET_ACCESS_KEY: 'emulator-secret',
        AWS_ENDPOINT_URL_IAM: emulator.url,
        AWS_ENDPOINT_URL_STS: emulator.url,
        AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
        PUBLIC_BASE_URL: 'https://onboarding.example.com',
        API_KEYS: JSON.stringify([{ name: 'hr', scopes: ['invitations:write'], sha256 }]),
        EVENTS: JSON.stringify(events),
        ...env,
      },
      maxBuffer: 16 * 1024 * 1024,
    });
    try {
      const logs = stdout
        .split('\n')
        .filter((line) => line.startsWith('{'))
        .map((line) => JSON.parse(line) as Record<string, unknown>);
      return { responses: JSON.parse(await readFile(results, 'utf8')) as T[], logs };
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  }

  it('issue an invitation, serve the page and its assets, and make a device with its QR code', async () => {
    const [invited] = await invoke('admin', [
      httpApiEvent('POST', '/v1/invitations', {
        authorization: `Bearer ${key}`,
        body: JSON.stringify({ userName: 'tanaka.hanako' }),
      }),
    ]);
    expect(invited?.statusCode).toBe(201);
    const { url } = JSON.parse(invited?.body ?? '{}') as { url: string };
    expect(url).toMatch(/^https:\/\/onboarding\.example\.com\/onboard#/);
    const token = url.split('#')[1] ?? '';

    const [page] = await invoke('onboarding', [httpApiEvent('GET', '/onboard')]);
    expect(page?.statusCode).toBe(200);
    const script = page?.body.match(/\/assets\/(app-[0-9a-f]{12}\.js)/)?.[1];
    expect(script).toBeDefined();

    const [asset, status, device] = await invoke('onboarding', [
      httpApiEvent('GET', `/assets/${script}`),
      httpApiEvent('GET', '/api/enrollment', { authorization: `Bearer ${token}` }),
      httpApiEvent('POST', '/api/enrollment/device', { authorization: `Bearer ${token}` }),
    ]);
    expect(asset?.statusCode).toBe(200);
    expect(asset?.headers['content-type']).toMatch(/^text\/javascript/);
    expect(status?.statusCode).toBe(200);
    expect(device?.statusCode).toBe(201);
    expect(device?.headers['cache-control']).toBe('no-store');
    expect(JSON.parse(device?.body ?? '{}').qrSvg).toMatch(/^<svg/);
  });

  it('serves each page from its own function: the console from admin, the onboarding page not', async () => {
    const [consolePage, noPage] = await invoke('admin', [
      httpApiEvent('GET', '/admin'),
      httpApiEvent('GET', '/onboard'),
    ]);
    expect(consolePage?.statusCode).toBe(200);
    expect(consolePage?.body).toContain('id="sign-in-form"');
    expect(noPage?.statusCode).toBe(404);
    const script = consolePage?.body.match(/\/admin\/assets\/(app-[0-9a-f]{12}\.js)/)?.[1];
    expect(script).toBeDefined();
    const [asset] = await invoke('admin', [httpApiEvent('GET', `/admin/assets/${script}`)]);
    expect(asset?.statusCode).toBe(200);
    expect(asset?.headers['content-type']).toMatch(/^text\/javascript/);
    expect(asset?.headers['content-security-policy']).toContain("script-src 'self'");
    const [onboardingConsole] = await invoke('onboarding', [httpApiEvent('GET', '/admin')]);
    expect(onboardingConsole?.statusCode).toBe(404);
  });

  it('serves the embedded OpenAPI document, the same as the route tables generate, with the public URL', async () => {
    const [answer] = await invoke('admin', [httpApiEvent('GET', '/openapi.json')]);
    expect(answer?.statusCode).toBe(200);
    expect(JSON.parse(answer?.body ?? '{}')).toEqual({
      ...openApiDocument(),
      servers: [{ url: 'https://onboarding.example.com' }],
    });
  });

  it('emails a link through SES at AWS_ENDPOINT_URL_SESV2, its code loaded on that request', async () => {
    emulator.running.emulator.seed({ users: [{ name: 'yamada.jiro' }] });
    // The sender and the mail, for this test only (the emulator is shared by the file's tests).
    const ses = emulator.running.emulator.ses;
    ses.createIdentity(DEFAULT_SENDER_EMAIL, [], { verified: true });
    try {
      const [sent] = await invoke(
        'admin',
        [
          httpApiEvent('POST', '/v1/invitations', {
            authorization: `Bearer ${key}`,
            body: JSON.stringify({
              userName: 'yamada.jiro',
              delivery: { email: 'yamada@example.com' },
            }),
          }),
        ],
        { AWS_ENDPOINT_URL_SESV2: emulator.url },
      );
      expect(sent?.statusCode).toBe(201);
      expect(JSON.parse(sent?.body ?? '{}')).toMatchObject({
        delivered: { channel: 'email', to: 'y***@example.com' },
      });
      const mail = ses.messages().find((m) => m.to.includes('yamada@example.com'));
      expect(mail?.from).toBe(DEFAULT_SENDER_EMAIL);
      const token = /onboard#(\S+)/.exec(mail?.text ?? '')?.[1] ?? '';
      const [status] = await invoke('onboarding', [
        httpApiEvent('GET', '/api/enrollment', { authorization: `Bearer ${token}` }),
      ]);
      expect(status?.statusCode).toBe(200);
    } finally {
      ses.deleteIdentity(DEFAULT_SENDER_EMAIL);
      ses.clearMail();
    }
  });

  it('logs the names of errors as written, though the bundle is minified', async () => {
    emulator.running.emulator.seed({ users: [{ name: 'suzuki.ichiro' }] });
    const [invited] = await invoke('admin', [
      httpApiEvent('POST', '/v1/invitations', {
        authorization: `Bearer ${key}`,
        body: JSON.stringify({ userName: 'suzuki.ichiro' }),
      }),
    ]);
    const token = (JSON.parse(invited?.body ?? '{}') as { url: string }).url.split('#')[1] ?? '';
    const auth = { authorization: `Bearer ${token}` };
    const [created] = await invoke('onboarding', [
      httpApiEvent('POST', '/api/enrollment/device', auth),
    ]);
    const { serialNumber } = JSON.parse(created?.body ?? '{}') as { serialNumber: string };

    const { responses, logs } = await invokeWithLogs('onboarding', [
      // Well-formed codes that are not this device's: IAM says InvalidAuthenticationCode.
      httpApiEvent('POST', '/api/enrollment/activate', {
        ...auth,
        body: JSON.stringify({ serialNumber, code1: '000000', code2: '000001' }),
      }),
    ]);

    expect(responses[0]?.statusCode).toBe(422);
    expect(logs).toContainEqual(
      expect.objectContaining({
        event: 'enrollment.activate',
        outcome: 'failed',
        reason: 'InvalidCodeError',
      }),
    );
  });

  it("sweep: delete the service's devices of users with no live invitation, and no other device", async () => {
    const create = async (Path: string, VirtualMFADeviceName: string) => {
      const { VirtualMFADevice } = await emulator.iam.send(
        new CreateVirtualMFADeviceCommand({ Path, VirtualMFADeviceName }),
      );
      return VirtualMFADevice?.SerialNumber ?? '';
    };
    // A user with no invitation, a user who is gone, and a device outside the service's path.
    const uninvited = await create('/mfa-onboarding/', 'onboarding-sato.taro');
    const gone = await create('/mfa-onboarding/', 'onboarding-left.the.company');
    const elsewhere = await create('/', 'onboarding-new-hire');

    const [summary] = await invoke<Record<string, number>>('sweeper', [scheduledEvent()]);
    // A live invitation's device (tanaka.hanako's, above) is examined too, and kept.
    expect(summary).toMatchObject({ devicesDeleted: 2, failures: 0 });
    const { VirtualMFADevices = [] } = await emulator.iam.send(
      new ListVirtualMFADevicesCommand({}),
    );
    const left = VirtualMFADevices.map((d) => d.SerialNumber);
    expect(left).not.toContain(uninvited);
    expect(left).not.toContain(gone);
    expect(left).toContain(elsewhere);
  });

  it('remind: email a link to a user without MFA from its own SES client, and hold the lease on its own role while it runs', async () => {
    const em = emulator.running.emulator;
    em.seed({
      users: [
        {
          name: 'nakamura.ken',
          createDate: new Date(Date.now() - 10 * 86_400_000).toISOString(),
          tags: [{ key: 'email', value: 'nakamura.ken@example.com' }],
        },
      ],
      roles: [remindersRoleSeed('RemindersRole')],
    });
    em.ses.createIdentity('onboarding@example.com', [], { verified: true });

    const { responses, logs } = await invokeWithLogs<Record<string, unknown>>(
      'reminders',
      [scheduledEvent('RemindersEventsRuleSchedule1')],
      {
        AWS_ENDPOINT_URL_SESV2: emulator.url,
        AUTO_INVITE: 'true',
        REMINDERS_ROLE_NAME: 'RemindersRole',
      },
    );

    expect(responses[0]).toMatchObject({ ran: true, invited: 1, failed: 0 });
    expect(logs).toContainEqual(
      expect.objectContaining({
        event: 'reminders.invited',
        userName: 'nakamura.ken',
        to: 'n***@example.com',
      }),
    );
    const mail = em.ses.messages();
    expect(mail.map((m) => m.to)).toEqual([['nakamura.ken@example.com']]);
    expect(mail[0]?.text).toMatch(/https:\/\/onboarding\.example\.com\/onboard#nakamura\.ken\./);
    expect(em.calls.snapshot().byAction).toMatchObject({ TagRole: 1, UntagRole: 1 });
  });
});

/** What an EventBridge schedule (serverless.yml `schedule:`) sends a function. */
function scheduledEvent(rule = 'SweeperEventsRuleSchedule1') {
  return {
    version: '0',
    id: '7bf73129-1428-4cd3-a780-95db273d1602',
    'detail-type': 'Scheduled Event',
    source: 'aws.events',
    account: '123456789012',
    time: new Date().toISOString(),
    region: 'us-east-1',
    resources: [`arn:aws:events:us-east-1:123456789012:rule/mfa-onboarding-dev-${rule}`],
    detail: {},
  };
}

/** An API Gateway HTTP API (payload 2.0) event, as the integration sends it. */
function httpApiEvent(
  method: string,
  path: string,
  { authorization, body }: { authorization?: string; body?: string } = {},
) {
  const headers: Record<string, string> = { host: 'abc123.execute-api.us-east-1.amazonaws.com' };
  if (authorization) headers.authorization = authorization;
  if (body) headers['content-type'] = 'application/json';
  return {
    version: '2.0',
    routeKey: `${method} ${path}`,
    rawPath: path,
    rawQueryString: '',
    headers,
    requestContext: {
      accountId: '123456789012',
      apiId: 'abc123',
      domainName: headers.host,
      http: { method, path, protocol: 'HTTP/1.1', sourceIp: '203.0.113.7', userAgent: 'test' },
      requestId: `req-${Math.random().toString(36).slice(2)}`,
      routeKey: `${method} ${path}`,
      stage: '$default',
      time: new Date().toISOString(),
      timeEpoch: Date.now(),
    },
    body,
    isBase64Encoded: false,
  };
}

const isBuiltin = (path: string) => builtinModules.includes(path);

/** File names from a zip's central directory. */
function zipEntryNames(zip: Buffer): string[] {
  const names: string[] = [];
  const end = zip.lastIndexOf(Buffer.from([0x50, 0x4b, 0x05, 0x06]));
  let offset = zip.readUInt32LE(end + 16);
  const count = zip.readUInt16LE(end + 10);
  for (let i = 0; i < count; i++) {
    const nameLength = zip.readUInt16LE(offset + 28);
    const extra = zip.readUInt16LE(offset + 30);
    const comment = zip.readUInt16LE(offset + 32);
    names.push(zip.toString('utf8', offset + 46, offset + 46 + nameLength));
    offset += 46 + nameLength + extra + comment;
  }
  return names;
}
