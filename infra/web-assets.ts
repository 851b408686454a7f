// Builds a page with esbuild: the TypeScript bundled and minified, the CSS minified, both given
// content-hashed names (so they can be cached for ever) and referenced from the HTML. Two pages:
// the employee's onboarding page (web/, served by the onboarding function) and the admin
// console (web/admin/, served by the admin function). Used by `npm start`, the tests and the
// Lambda build, which embeds each page in its function.

import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';
import type { WebAssets } from '../functions/http/assets.ts';

const webDir = fileURLToPath(new URL('../web/', import.meta.url));

export type Page = 'onboarding' | 'admin';

/** Where each page's sources are; the icon is shared. */
const PAGE_DIRS: Record<Page, string> = { onboarding: webDir, admin: `${webDir}admin/` };

export async function buildWebAssets(page: Page = 'onboarding'): Promise<WebAssets> {
  const dir = PAGE_DIRS[page];
  const result = await build({
    entryPoints: [`${dir}app.ts`, `${dir}styles.css`],
    bundle: true,
    minify: true,
    format: 'esm',
    target: ['es2022', 'safari15'],
    write: false,
    outdir: 'out',
    legalComments: 'none',
    logLevel: 'silent',
  });
  const output = (ext: string) => {
    const file = result.outputFiles.find((f) => f.path.endsWith(ext));
    if (!file) throw new Error(`web build produced no ${ext} file`);
    return file.text;
  };
  const script = hashed('app', 'js', output('.js'));
  const style = hashed('styles', 'css', output('.css'));
  // Served from 'self' (the CSP allows no data: image); without one the browser asks for
  // /favicon.ico on every visit and logs a 404.
  const icon = hashed('icon', 'svg', await readFile(`${webDir}icon.svg`, 'utf8'));
  const template = await readFile(`${dir}index.html`, 'utf8');
  const html = template
    .replace('{{script}}', script.name)
    .replace('{{style}}', style.name)
    .replace('{{icon}}', icon.name);
  return {
    html,
    files: {
      [script.name]: { body: script.body, contentType: 'text/javascript; charset=utf-8' },
      [style.name]: { body: style.body, contentType: 'text/css; charset=utf-8' },
      [icon.name]: { body: icon.body, contentType: 'image/svg+xml' },
    },
  };
}

function hashed(base: string, ext: string, body: string) {
  const hash = createHash('sha256').update(body).digest('hex').slice(0, 12);
  return { name: `${base}-${hash}.${ext}`, body };
}
