// The Lambda bundles, measured (printed, never asserted): each bundle's size, raw and gzipped,
// and its cold import time in a fresh Node process, side by side with a bundle of the bare IAM
// client built with the same options (infra/build.ts). The goal: our code adds under 10% to
// the bare client's import time. Runs at the end of `npm run bench`, or alone:
//
//   npx tsx test/bench/bundles.ts

import { execFileSync } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import { join, relative } from 'node:path';
import { pathToFileURL } from 'node:url';
import { gzipSync } from 'node:zlib';
import { type BuiltBundle, type BundleName, buildAll, ROOT } from '../../infra/build.ts';

const RUNS = 31;

// The entries read their configuration at import; give them what a deployment would.
const ENV = {
  ...process.env,
  AWS_REGION: 'us-east-1',
  AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
  PUBLIC_BASE_URL: 'https://onboarding.example.com',
  FORCE_MFA_GROUP: 'force-mfa',
  USER_PATH_PREFIX: '/',
  API_KEYS: JSON.stringify([{ name: 'bench', scopes: ['users:read'], sha256: 'a'.repeat(64) }]),
};

/** Milliseconds from `import()` to its resolution, in a fresh process with nothing cached. */
function coldImport(file: string, nodeFlags: string[] = []): { wallMs: number; cpuMs: number } {
  const script = `
    const cpu = process.cpuUsage(); const t = performance.now();
    await import(${JSON.stringify(pathToFileURL(file).href)});
    const used = process.cpuUsage(cpu);
    console.log(JSON.stringify({ wallMs: performance.now() - t, cpuMs: (used.user + used.system) / 1000 }));`;
  const out = execFileSync(process.execPath, [...nodeFlags, '--input-type=module', '-e', script], {
    env: ENV,
    encoding: 'utf8',
  });
  return JSON.parse(out);
}

const median = (values: number[]) => {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)] ?? Number.NaN;
};
const kb = (bytes: number) => `${(bytes / 1024).toFixed(0)} KB`;

/** Bytes of the JavaScript loaded at import (entry and static chunks) and of all of it. */
async function sizes(bundle: BuiltBundle) {
  const outputs = Object.entries(bundle.metafile.outputs).filter(([path]) => path.endsWith('.mjs'));
  const entry = outputs.find(([path]) => join(ROOT, path) === bundle.file);
  if (!entry) throw new Error(`${bundle.name}: no entry output`);
  const atImport = new Set<string>();
  const visit = (path: string) => {
    if (atImport.has(path)) return;
    atImport.add(path);
    for (const i of bundle.metafile.outputs[path]?.imports ?? [])
      if (i.kind === 'import-statement' && !i.external) visit(i.path);
  };
  visit(entry[0]);
  let raw = 0;
  let gzip = 0;
  let rawAtImport = 0;
  for (const [path] of outputs) {
    const body = await readFile(join(ROOT, path));
    raw += body.length;
    gzip += gzipSync(body).length;
    if (atImport.has(path)) rawAtImport += body.length;
  }
  return { raw, gzip, rawAtImport, files: outputs.length, filesAtImport: atImport.size };
}

console.log('\nLambda bundles (npm run build: minified ESM, node22, AWS SDK bundled):');
const bundles = await buildAll();
const byName = (name: BundleName) => {
  const bundle = bundles.find((b) => b.name === name);
  if (!bundle) throw new Error(`no bundle ${name}`);
  return bundle;
};
const order: BundleName[] = [
  'bench/bare-iam',
  'bench/sdk-clients',
  'onboarding',
  'admin',
  'sweeper',
];

for (const name of order) {
  const s = await sizes(byName(name));
  console.log(
    `  ${name.padEnd(18)} ${kb(s.raw).padStart(7)} raw, ${kb(s.gzip).padStart(7)} gzip in ${s.files} files; ` +
      `${kb(s.rawAtImport)} in ${s.filesAtImport} loaded at import`,
  );
}

// Interleaved, so a busy moment on the machine hits every bundle alike, and rotated, so no
// bundle always runs first after the previous round (that position measured slower here).
const samples = new Map(order.map((n) => [n, { wall: [] as number[], cpu: [] as number[] }]));
const withMaps: number[] = [];
for (let run = 0; run < RUNS; run++) {
  for (const name of [...order.slice(run % order.length), ...order.slice(0, run % order.length)]) {
    const t = coldImport(byName(name).file);
    samples.get(name)?.wall.push(t.wallMs);
    samples.get(name)?.cpu.push(t.cpuMs);
  }
  withMaps.push(coldImport(byName('onboarding').file, ['--enable-source-maps']).wallMs);
}

const wallOf = (name: BundleName) => median(samples.get(name)?.wall ?? []);
const cpuOf = (name: BundleName) => median(samples.get(name)?.cpu ?? []);
const percent = (value: number, reference: number) =>
  `${value >= reference ? '+' : ''}${(((value - reference) / reference) * 100).toFixed(0)}%`;
const bareWall = wallOf('bench/bare-iam');
const bareCpu = cpuOf('bench/bare-iam');
console.log(`\nCold import, median of ${RUNS} fresh processes (wall / CPU):`);
for (const name of order) {
  const wall = wallOf(name);
  const cpu = cpuOf(name);
  let note = '(reference)';
  if (name !== 'bench/bare-iam') {
    note = `${percent(wall, bareWall)} wall, ${percent(cpu, bareCpu)} CPU over the bare IAM client`;
  }
  if (name === 'onboarding' || name === 'admin' || name === 'sweeper') {
    note += `; ${(wall - wallOf('bench/sdk-clients')).toFixed(1)} ms over its SDK clients alone`;
  }
  console.log(
    `  ${name.padEnd(18)} ${wall.toFixed(1).padStart(6)} ms / ${cpu.toFixed(1).padStart(6)} ms  ${note}`,
  );
}
console.log(
  `  onboarding with --enable-source-maps: ${median(withMaps).toFixed(1)} ms wall (so NODE_OPTIONS leaves it off)`,
);
console.log(
  `  Goal: a function adds under 10% to the bare IAM client (${relative(ROOT, byName('bench/bare-iam').file)}).`,
);
