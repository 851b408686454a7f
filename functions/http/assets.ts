// A page's static files, built by esbuild (infra/web-assets.ts) and handed to the app that
// serves it: built at start locally, embedded in the Lambda bundle at build time. The onboarding
// function serves the employee's page, the admin function the admin console.

import type { Context } from 'hono';
import { errorBody } from './error-response.ts';

export interface WebAsset {
  body: string;
  contentType: string;
}

export interface WebAssets {
  /** The page's HTML, referring to the assets by their content-hashed names. */
  html: string;
  /** Keyed by file name under the page's assets path, e.g. `app-3f2a9c1b.js`. */
  files: Record<string, WebAsset>;
}

/** The page itself: never cached, so a new deployment's asset names are picked up at once. */
export function servePage(c: Context, assets: WebAssets): Response {
  c.header('Cache-Control', 'no-cache');
  return c.html(assets.html);
}

/** One asset by name: content-hashed, so cached for ever. */
export function serveAsset(c: Context, assets: WebAssets, name: string): Response {
  // Own keys only: `constructor` or `__proto__` must not find Object's properties.
  const file = Object.hasOwn(assets.files, name) ? assets.files[name] : undefined;
  if (!file) return c.json(errorBody('not_found', 'No such asset.'), 404);
  c.header('Content-Type', file.contentType);
  c.header('Cache-Control', 'public, max-age=31536000, immutable');
  return c.body(file.body);
}
