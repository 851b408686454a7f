// Runs `npm run package` (build + `osls package`) for the infra tests, offline and with no AWS
// credentials at all: if the packager reached for AWS, it would fail here. Several test files
// need its output and vitest runs files in parallel, so they share one run: a lock directory
// serialises them, and a digest of the inputs lets a later file (or run) reuse the output.

import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdir, readdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { promisify } from 'node:util';
import type { Metafile } from 'esbuild';
import { ROOT } from '../../../infra/build.ts';

const run = promisify(execFile);

export const TEMPLATE = join(ROOT, '.serverless', 'cloudformation-template-update-stack.json');
const STAMP = join(ROOT, '.serverless', 'inputs.sha256');
const LOCK = join(tmpdir(), `mfa-onboarding-package-${digest(ROOT).slice(0, 12)}.lock`);
const STALE_LOCK_MS = 10 * 60_000;

/** Everything the build and the template are made from. */
const INPUTS = [
  'serverless.yml',
  'package.json',
  'package-lock.json',
  'infra',
  'functions',
  'web',
  'test/bench',
];

export interface CfnTemplate {
  Parameters: Record<string, { Default?: string | number; AllowedPattern?: string }>;
  Conditions: Record<string, unknown>;
  Resources: Record<string, CfnResource>;
  Outputs: Record<string, unknown>;
}

export interface CfnResource {
  Type: string;
  Condition?: string;
  DependsOn?: string | string[];
  DeletionPolicy?: string;
  UpdateReplacePolicy?: string;
  // biome-ignore lint/suspicious/noExplicitAny: CloudFormation properties, read by the tests
  Properties: Record<string, any>;
}

export interface PackagedStack {
  template: CfnTemplate;
  /** esbuild's metafile of each bundle, by name (`onboarding`, `sweeper`, `bench/bare-iam`…). */
  metafile(name: string): Promise<Metafile>;
  distDir: string;
}

/** The packaged stack, packaging it first unless an identical package is already there. */
export async function packagedStack(): Promise<PackagedStack> {
  await withLock(async () => {
    const inputs = await inputsDigest();
    const current = await readFile(STAMP, 'utf8').catch(() => '');
    const built = await stat(join(ROOT, 'dist', 'meta', 'onboarding.json')).catch(() => undefined);
    if (current === inputs && built) return;
    await run('npm', ['run', 'package'], {
      cwd: ROOT,
      env: offlineEnv(),
      maxBuffer: 16 * 1024 * 1024,
      timeout: 5 * 60_000,
    });
    await writeFile(STAMP, inputs);
  });
  const distDir = join(ROOT, 'dist');
  return {
    template: JSON.parse(await readFile(TEMPLATE, 'utf8')) as CfnTemplate,
    metafile: async (name) =>
      JSON.parse(await readFile(join(distDir, 'meta', `${name}.json`), 'utf8')) as Metafile,
    distDir,
  };
}

/** The test's environment without any AWS credentials, profiles or instance metadata. */
function offlineEnv(): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [key, value] of Object.entries(process.env)) {
    if (!key.startsWith('AWS_')) env[key] = value;
  }
  return {
    ...env,
    AWS_CONFIG_FILE: '/nonexistent/aws-config',
    AWS_SHARED_CREDENTIALS_FILE: '/nonexistent/aws-credentials',
    AWS_EC2_METADATA_DISABLED: 'true',
    AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
  };
}

async function withLock(fn: () => Promise<void>): Promise<void> {
  for (;;) {
    try {
      await mkdir(LOCK);
      break;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
      const since = await stat(LOCK).then(
        (s) => Date.now() - s.mtimeMs,
        () => 0,
      );
      if (since > STALE_LOCK_MS) await rm(LOCK, { recursive: true, force: true });
      else await new Promise((r) => setTimeout(r, 250));
    }
  }
  try {
    await fn();
  } finally {
    await rm(LOCK, { recursive: true, force: true });
  }
}

async function inputsDigest(): Promise<string> {
  const hash = createHash('sha256');
  const files = (await Promise.all(INPUTS.map((p) => listFiles(join(ROOT, p))))).flat().sort();
  for (const file of files) {
    hash.update(relative(ROOT, file)).update('\0');
    hash.update(await readFile(file)).update('\0');
  }
  return hash.digest('hex');
}

async function listFiles(path: string): Promise<string[]> {
  const info = await stat(path).catch(() => undefined);
  if (!info) return [];
  if (!info.isDirectory()) return [path];
  const entries = await readdir(path, { withFileTypes: true });
  const nested = await Promise.all(entries.map((e) => listFiles(join(path, e.name))));
  return nested.flat();
}

function digest(text: string): string {
  return createHash('sha256').update(text).digest('hex');
}
