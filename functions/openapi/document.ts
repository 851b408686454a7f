// The OpenAPI 3.1 description of both functions, generated from the valibot schemas that
// validate their requests, so the document cannot drift from what the code accepts. Only
// GET /openapi.json needs it: the admin app imports this module (and the JSON Schema converter)
// on that request, not at cold start.

import { toJsonSchema } from '@valibot/to-json-schema';
import type * as v from 'valibot';
import {
  complianceQuery,
  complianceResponse,
  errorResponse,
  invitationRequest,
  invitationResponse,
  userName,
  userStatusResponse,
} from '../admin/schemas.ts';
import type { Config } from '../config.ts';
import {
  activationRequest,
  activationResponse,
  enrollmentStatusResponse,
  newDeviceResponse,
} from '../enrollment/schemas.ts';
import { ADMIN_MAX_BODY_BYTES, ONBOARDING_MAX_BODY_BYTES } from '../http/body-limit.ts';

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

const json = (s: v.GenericSchema, description: string) => ({
  description,
  content: { 'application/json': { schema: schema(s) } },
});

const error = (description: string) => json(errorResponse, description);

const security = (scheme: 'invitation' | 'apiKey', scope?: string) => [
  { [scheme]: scope ? [scope] : [] },
];

const cache = new Map<string, Record<string, unknown>>();

export function openApiDocument(config: Pick<Config, 'publicBaseUrl'>): Record<string, unknown> {
  let document = cache.get(config.publicBaseUrl);
  if (!document) {
    document = build(config);
    cache.set(config.publicBaseUrl, document);
  }
  return document;
}

function build(config: Pick<Config, 'publicBaseUrl'>): Record<string, unknown> {
  const userNameParam = {
    name: 'userName',
    in: 'path',
    required: true,
    schema: schema(userName, 'input'),
  };
  const queryParams = Object.entries(complianceQuery.entries).map(([name, s]) => ({
    name,
    in: 'query',
    required: false,
    schema: schema(s, 'input'),
  }));
  return {
    openapi: '3.1.0',
    info: {
      title: 'MFA onboarding for AWS IAM users',
      version: '1',
      description:
        'HR tooling issues onboarding links (`/v1/invitations`); employees enroll a virtual MFA device through the page at `/onboard` (the enrollment API); admins list users without MFA. Errors are always `{"error":{"code","message"}}`.',
    },
    servers: [{ url: config.publicBaseUrl }],
    components: {
      securitySchemes: {
        apiKey: {
          type: 'http',
          scheme: 'bearer',
          description:
            'An API key (`mfaob_…`) with the scopes the route needs: invitations:write, users:read, compliance:read.',
        },
        invitation: {
          type: 'http',
          scheme: 'bearer',
          description: 'The invitation token from the fragment of the onboarding link.',
        },
      },
    },
    paths: {
      '/v1/invitations': {
        post: {
          summary: 'Issue an onboarding link (revokes any earlier link for the user)',
          security: security('apiKey', 'invitations:write'),
          requestBody: {
            required: true,
            content: { 'application/json': { schema: schema(invitationRequest, 'input') } },
          },
          responses: {
            201: json(
              invitationResponse,
              'The link (finishOnly: it only finishes the force-MFA group step of an enrollment this service began)',
            ),
            400: error('Bad input'),
            401: error('Missing or unknown API key'),
            403: error('The key lacks invitations:write'),
            404: error('No such user, or one outside the configured path (answered alike)'),
            409: error(
              'already_enrolled (the user has MFA), or too_many_tags (no room under IAM 50 tags per user)',
            ),
            413: error(`The body is over ${ADMIN_MAX_BODY_BYTES} bytes`),
            503: error('IAM is throttling; retry after Retry-After seconds'),
          },
        },
      },
      '/v1/invitations/{userName}': {
        delete: {
          summary: "Revoke a user's pending onboarding link (idempotent)",
          security: security('apiKey', 'invitations:write'),
          parameters: [userNameParam],
          responses: {
            204: {
              description: 'Revoked (and its unassigned device deleted), or there was none',
            },
            400: error('Bad user name'),
            401: error('Missing or unknown API key'),
            403: error('The key lacks invitations:write'),
            404: error('No such user, or one outside the configured path (answered alike)'),
            503: error('IAM is throttling; retry after Retry-After seconds'),
          },
        },
      },
      '/v1/users/{userName}': {
        get: {
          summary: "A user's MFA status",
          security: security('apiKey', 'users:read'),
          parameters: [userNameParam],
          responses: {
            200: json(userStatusResponse, 'The status'),
            400: error('Bad user name'),
            401: error('Missing or unknown API key'),
            403: error('The key lacks users:read'),
            404: error('No such user, or one outside the configured path (answered alike)'),
            503: error('IAM is throttling; retry after Retry-After seconds'),
          },
        },
      },
      '/v1/compliance/users-without-mfa': {
        get: {
          summary: 'IAM users with no MFA device of any kind, live',
          description:
            'Reads IAM live at list page size 1000 and the credential report (at most 4 hours old) for non-virtual devices and console access; `sources` says which figure came from where. `format=csv` returns the same rows as CSV (RFC 4180; cells starting with = + - @ are prefixed with an apostrophe).',
          security: security('apiKey', 'compliance:read'),
          parameters: queryParams,
          responses: {
            200: {
              description: 'The report',
              content: {
                'application/json': { schema: schema(complianceResponse) },
                'text/csv': { schema: { type: 'string' } },
              },
            },
            400: error('Bad query'),
            401: error('Missing or unknown API key'),
            403: error('The key lacks compliance:read'),
            503: error('IAM is throttling; retry after Retry-After seconds'),
          },
        },
      },
      '/healthz': { get: { summary: 'Liveness', responses: { 200: { description: 'OK' } } } },
      '/openapi.json': {
        get: { summary: 'This document', responses: { 200: { description: 'OpenAPI 3.1' } } },
      },
      '/onboard': {
        get: {
          summary: 'The onboarding page (the invitation token travels in the URL fragment)',
          responses: {
            200: { description: 'HTML', content: { 'text/html': { schema: { type: 'string' } } } },
          },
        },
      },
      '/api/enrollment': {
        get: {
          summary: "The invited user's enrollment status (never changes state)",
          security: security('invitation'),
          responses: {
            200: json(enrollmentStatusResponse, 'The status'),
            401: error('Unknown, malformed, expired, revoked or used invitation'),
          },
        },
      },
      '/api/enrollment/device': {
        post: {
          summary: 'Create a virtual MFA device (replaces an unassigned one made earlier)',
          security: security('invitation'),
          responses: {
            201: json(newDeviceResponse, 'The device, with its seed (Cache-Control: no-store)'),
            401: error('Invalid invitation'),
            409: error('already_enrolled, or a concurrent setup'),
            429: error('too_many_attempts: the link is locked'),
            503: error('IAM is throttling'),
          },
        },
      },
      '/api/enrollment/activate': {
        post: {
          summary:
            'Enable the device with two consecutive codes, join the force-MFA group, spend the invitation',
          security: security('invitation'),
          requestBody: {
            required: true,
            content: { 'application/json': { schema: schema(activationRequest, 'input') } },
          },
          responses: {
            200: json(activationResponse, 'Enrolled, with next steps'),
            400: error('Bad input'),
            401: error('Invalid invitation'),
            404: error('The user was deleted'),
            409: error('Conflict (device missing or in use)'),
            413: error(`The body is over ${ONBOARDING_MAX_BODY_BYTES} bytes`),
            422: error('invalid_code; attemptsRemaining says how many tries are left'),
            429: error('too_many_attempts: the link is locked'),
            503: error('IAM is throttling'),
          },
        },
      },
    },
  };
}
