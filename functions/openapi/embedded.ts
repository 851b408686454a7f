// The OpenAPI document inside the admin Lambda bundle: the build (infra/build.ts) runs
// openApiDocument() and injects the result as __OPENAPI__, so the function serves it without
// carrying the generator or the JSON Schema converter.

import type { OpenApiDocument } from './document.ts';

declare const __OPENAPI__: OpenApiDocument | undefined;

export function embeddedOpenApiDocument(): OpenApiDocument {
  if (typeof __OPENAPI__ === 'undefined') {
    throw new Error(
      'The OpenAPI document was not embedded: build the function with `npm run build`.',
    );
  }
  return __OPENAPI__;
}
