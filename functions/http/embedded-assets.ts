// A page's assets inside its Lambda bundle: the build (infra/build.ts) runs buildWebAssets()
// for the function's page and injects the result as __WEB_ASSETS__, so the function serves them
// with no file access.

import type { WebAssets } from './assets.ts';

declare const __WEB_ASSETS__: WebAssets | undefined;

export function embeddedWebAssets(): WebAssets {
  if (typeof __WEB_ASSETS__ === 'undefined') {
    throw new Error('The web assets were not embedded: build the function with `npm run build`.');
  }
  return __WEB_ASSETS__;
}
