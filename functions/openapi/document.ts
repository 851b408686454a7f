// The OpenAPI 3.1 description of both functions, generated from their route tables
// (admin/routes.ts, onboarding/routes.ts): the same schemas validate the requests, so the
// document cannot drift from what the code accepts. The Lambda build runs this and embeds the
// result (openapi/embedded.ts), so neither this module nor the JSON Schema converter is in the
// admin bundle; locally and in tests the app is handed this function itself.

import { toJsonSchema } from '@valibot/to-json-schema';
import type * as v from 'valibot';
import { SCOPES } from '../admin/api-keys.ts';
import { ADMIN_ROUTES } from '../admin/routes.ts';
import type { ResponseSpec, RouteSpec, RouteTable } from '../http/route.ts';
import { ONBOARDING_ROUTES } from '../onboarding/routes.ts';
import { errorResponse } from '../schemas.ts';

/**
 * A JSON Schema for one place in the document (OpenAPI 3.1 is JSON Schema 2020-12 already).
 * Checks JSON Schema cannot say (code1 and code2 together and different) are left out.
 */
function schema(s: v.GenericSchema, io: 'input' | 'output' = 'output'): Record<string, unknown> {
  const { $schema: _, ...rest } = toJsonSchema(s, {
    target: 'draft-2020-12',
    typeMode: io,
    errorMode: 'ignore',
  });
  return rest;
}

export type OpenApiDocument = Record<string, unknown>;

let built: OpenApiDocument | undefined;

/** The document without `servers`, which the route adds from PUBLIC_BASE_URL. */
export function openApiDocument(): OpenApiDocument {
  built ??= build();
  return built;
}

function build(): OpenApiDocument {
  const paths: Record<string, Record<string, unknown>> = {};
  for (const table of [ADMIN_ROUTES, ONBOARDING_ROUTES]) {
    for (const route of Object.values(table.routes)) {
      if (route.undocumented) continue;
      paths[route.path] ??= {};
      (paths[route.path] as Record<string, unknown>)[route.method.toLowerCase()] = operation(
        route,
        table,
      );
    }
  }
  return {
    openapi: '3.1.0',
    info: {
      title: 'MFA onboarding for AWS IAM users',
      version: '1',
      description:
        'HR tooling issues onboarding links (`/v1/invitations`); employees enroll a virtual MFA device through the page at `/onboard` (the enrollment API); admins list users without MFA. Errors are always `{"error":{"code","message"}}`.',
    },
    components: {
      securitySchemes: {
        apiKey: {
          type: 'http',
          scheme: 'bearer',
          description: `An API key (\`mfaob_…\`) with the scopes the route needs: ${SCOPES.join(', ')}.`,
        },
        invitation: {
          type: 'http',
          scheme: 'bearer',
          description: 'The invitation token from the fragment of the onboarding link.',
        },
      },
    },
    paths,
  };
}

function operation(route: RouteSpec, table: RouteTable): Record<string, unknown> {
  const { params, query, json } = route.request ?? {};
  const parameters = [
    ...Object.entries(params?.entries ?? {}).map(([name, s]) => ({
      name,
      in: 'path',
      required: true,
      schema: schema(s, 'input'),
    })),
    ...Object.entries(query?.entries ?? {}).map(([name, s]) => ({
      name,
      in: 'query',
      required: s.type !== 'optional',
      schema: schema(s, 'input'),
    })),
  ];
  // The answers every route of its kind can give, then the route's own (which win).
  const implied: Record<number, ResponseSpec> = {};
  if (route.auth === 'invitation')
    implied[401] = { description: 'Unknown, malformed, expired, revoked or used invitation' };
  else if (route.auth !== 'public') {
    implied[401] = { description: 'Missing or unknown API key' };
    if (route.auth.apiKey !== null)
      implied[403] = { description: `The key lacks ${route.auth.apiKey}` };
  }
  if (json) implied[413] = { description: `The body is over ${table.maxBodyBytes} bytes` };
  const responses = Object.fromEntries(
    Object.entries({ ...implied, ...route.responses }).map(([status, response]) => [
      status,
      documentedResponse(Number(status), response),
    ]),
  );
  return {
    summary: route.summary,
    ...(route.description ? { description: route.description } : {}),
    ...(route.auth === 'public'
      ? {}
      : {
          security: [
            route.auth === 'invitation'
              ? { invitation: [] }
              : // No scope listed: any valid key.
                { apiKey: route.auth.apiKey === null ? [] : [route.auth.apiKey] },
          ],
        }),
    ...(parameters.length > 0 ? { parameters } : {}),
    ...(json
      ? {
          requestBody: {
            required: true,
            content: { 'application/json': { schema: schema(json, 'input') } },
          },
        }
      : {}),
    responses,
  };
}

/** Every 4xx and 5xx answer carries the error envelope. */
function documentedResponse(status: number, response: ResponseSpec): Record<string, unknown> {
  const body = response.json ?? (status >= 400 ? errorResponse : undefined);
  const content: Record<string, unknown> = {
    ...(body ? { 'application/json': { schema: schema(body) } } : {}),
    ...Object.fromEntries(
      Object.entries(response.other ?? {}).map(([type, s]) => [type, { schema: s }]),
    ),
  };
  return {
    description: response.description,
    ...(Object.keys(content).length > 0 ? { content } : {}),
  };
}
