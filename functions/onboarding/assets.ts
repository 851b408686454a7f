// The onboarding page's static files, built by esbuild (infra/web-assets.ts) and handed to the
// app: locally built at start, embedded in the Lambda bundle at build time.

export interface WebAsset {
  body: string;
  contentType: string;
}

export interface WebAssets {
  /** The page's HTML, referring to the assets by their content-hashed names. */
  html: string;
  /** Keyed by file name under /assets/, e.g. `app-3f2a9c1b.js`. */
  files: Record<string, WebAsset>;
}
