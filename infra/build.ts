// `npm run build`: one minified ESM bundle per Lambda function (onboarding, admin, sweeper,
// reminders), each with a source map and the esbuild metafile that proves what went in, zipped as
// the artifacts serverless.yml deploys;
// the page's assets embedded in the onboarding bundle; the CloudFormation resources (roles,
// boundary, force-MFA group) rendered from infra/cloudformation.ts; and, for the benchmark,
// bundles of the bare IAM client and of our two SDK clients, built with the same options.
//
// The AWS SDK is bundled (pinned in package.json), not taken from the Lambda runtime, so what
// was tested is what runs.

import { mkdir, rm, writeFile } from 'node:fs/promises';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { type BuildOptions, build, type Metafile } from 'esbuild';
import { openApiDocument } from '../functions/openapi/document.ts';
import { cloudFormationResources } from './cloudformation.ts';
import { buildWebAssets } from './web-assets.ts';
import { writeZip } from './zip.ts';

/** The repository's root: esbuild's working directory, which metafile paths are relative to. */
export const ROOT = fileURLToPath(new URL('../', import.meta.url));

/** The bundles, by name: the four functions and the benchmark's two references. */
export const BUNDLES = {
  onboarding: 'functions/onboarding.ts',
  admin: 'functions/admin.ts',
  sweeper: 'functions/sweeper.ts',
  reminders: 'functions/reminders.ts',
  'bench/bare-iam': 'test/bench/bare-iam-client.ts',
  'bench/sdk-clients': 'test/bench/sdk-clients.ts',
} as const;

export type BundleName = keyof typeof BUNDLES;
export const FUNCTIONS = [
  'onboarding',
  'admin',
  'sweeper',
  'reminders',
] as const satisfies readonly BundleName[];

export interface BuiltBundle {
  name: BundleName;
  /** Absolute path of the bundle (`index.mjs`). */
  file: string;
  metafile: Metafile;
}

/** ESM output calling CommonJS dependencies (qrcode, parts of the SDK) needs a `require`. */
const REQUIRE_BANNER =
  "import { createRequire } from 'module'; const require = createRequire(import.meta.url);";

function options(entry: string, outdir: string): BuildOptions {
  return {
    absWorkingDir: ROOT,
    entryPoints: { index: entry },
    outdir,
    outExtension: { '.js': '.mjs' },
    bundle: true,
    platform: 'node',
    format: 'esm',
    target: 'node22',
    // The SDK's ES builds tree-shake far better than its CommonJS ones.
    mainFields: ['module', 'main'],
    // What only some requests need goes in chunks loaded on demand: the QR code library, and
    // the SDK's credential providers other than the environment's (which Lambda uses).
    splitting: true,
    chunkNames: 'chunks/[name]-[hash]',
    minify: true,
    sourcemap: 'linked',
    // Stack traces need names and lines, not the sources: keeps the map (and the zip) small.
    sourcesContent: false,
    legalComments: 'external',
    banner: { js: REQUIRE_BANNER },
    metafile: true,
    logLevel: 'warning',
  };
}

/** Builds everything into `distDir` (default `dist/`), replacing what was there. */
export async function buildAll(distDir = join(ROOT, 'dist')): Promise<BuiltBundle[]> {
  await rm(distDir, { recursive: true, force: true });
  // Each HTTP function embeds its own page: the employee's, or the admin console.
  const pages = {
    onboarding: await buildWebAssets('onboarding'),
    admin: await buildWebAssets('admin'),
  };
  const bundles = await Promise.all(
    (Object.keys(BUNDLES) as BundleName[]).map(async (name): Promise<BuiltBundle> => {
      const outdir = join(distDir, name);
      const result = await build({
        ...options(BUNDLES[name], outdir),
        define: {
          ...(name === 'onboarding' || name === 'admin'
            ? { __WEB_ASSETS__: JSON.stringify(pages[name]) }
            : {}),
          // Built here rather than at run time: the generator stays out of the bundle.
          ...(name === 'admin' ? { __OPENAPI__: JSON.stringify(openApiDocument()) } : {}),
        },
      });
      const { metafile } = result;
      if (!metafile) throw new Error(`esbuild returned no metafile for ${name}`);
      await writeJson(join(distDir, 'meta', `${name}.json`), metafile);
      return { name, file: join(outdir, 'index.mjs'), metafile };
    }),
  );
  for (const name of FUNCTIONS) {
    const dir = join(distDir, name);
    await writeZip(join(distDir, `${name}.zip`), dir, bundleFiles(bundles, name, dir));
  }
  await writeJson(join(distDir, 'cloudformation', 'resources.json'), cloudFormationResources());
  return bundles;
}

/** The files of one bundle (`index.mjs`, its map, legal notices), relative to its folder. */
function bundleFiles(bundles: BuiltBundle[], name: BundleName, dir: string): string[] {
  const bundle = bundles.find((b) => b.name === name);
  if (!bundle) throw new Error(`no bundle ${name}`);
  return Object.keys(bundle.metafile.outputs)
    .map((output) => relative(dir, resolve(ROOT, output)))
    .sort();
}

async function writeJson(file: string, value: unknown): Promise<void> {
  await mkdir(dirname(file), { recursive: true });
  await writeFile(file, `${JSON.stringify(value, null, 2)}\n`);
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const started = performance.now();
  const bundles = await buildAll();
  for (const b of bundles) console.log(`built ${relative(ROOT, b.file)}`);
  console.log(`build done in ${Math.round(performance.now() - started)} ms`);
}
