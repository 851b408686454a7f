// The onboarding function's routes, each defined once: app.ts mounts them, /openapi.json
// documents them, and tests hold serverless.yml and the local server to them (see
// http/route.ts). The enrollment API's bearer token is the invitation itself.

import {
  activationRequest,
  activationResponse,
  enrollmentStatusResponse,
  newDeviceResponse,
} from '../enrollment/schemas.ts';
import { ONBOARDING_MAX_BODY_BYTES } from '../http/body-limit.ts';
import type { RouteSpec, RouteTable } from '../http/route.ts';

const BUSY = 'IAM is throttling; retry after Retry-After seconds';
const LOCKED = 'too_many_attempts: the link is locked';

export const onboardingRoutes = {
  root: {
    method: 'GET',
    path: '/',
    summary: 'Redirects to the onboarding page',
    auth: 'public',
    responses: { 302: { description: 'To /onboard' } },
    undocumented: true,
  },
  page: {
    method: 'GET',
    path: '/onboard',
    summary: 'The onboarding page (the invitation token travels in the URL fragment)',
    auth: 'public',
    responses: { 200: { description: 'HTML', other: { 'text/html': { type: 'string' } } } },
  },
  asset: {
    method: 'GET',
    path: '/assets/{file}',
    summary: "The page's scripts, styles and fonts (content-hashed names)",
    auth: 'public',
    responses: { 200: { description: 'The file' }, 404: { description: 'No such asset' } },
    undocumented: true,
  },
  enrollmentStatus: {
    method: 'GET',
    path: '/api/enrollment',
    summary: "The invited user's enrollment status (never changes state)",
    auth: 'invitation',
    responses: {
      200: { description: 'The status', json: enrollmentStatusResponse },
      503: { description: BUSY },
    },
  },
  createDevice: {
    method: 'POST',
    path: '/api/enrollment/device',
    summary: 'Create a virtual MFA device (replaces an unassigned one made earlier)',
    auth: 'invitation',
    responses: {
      201: {
        description: 'The device, with its seed (Cache-Control: no-store)',
        json: newDeviceResponse,
      },
      409: {
        description:
          'already_enrolled, finish_only (the link only finishes the group step), too_many_tags, or a concurrent setup',
      },
      429: { description: LOCKED },
      503: { description: BUSY },
    },
  },
  activate: {
    method: 'POST',
    path: '/api/enrollment/activate',
    summary:
      'Enable the device with two consecutive codes, join the force-MFA group, spend the invitation',
    auth: 'invitation',
    request: { json: activationRequest },
    responses: {
      200: { description: 'Enrolled, with next steps', json: activationResponse },
      400: { description: 'Bad input' },
      404: { description: 'The user was deleted' },
      409: { description: 'Conflict (device missing or in use, or finish_only)' },
      422: { description: 'invalid_code; attemptsRemaining says how many tries are left' },
      429: { description: LOCKED },
      503: { description: BUSY },
    },
  },
} satisfies Record<string, RouteSpec>;

export const ONBOARDING_ROUTES: RouteTable = {
  function: 'onboarding',
  maxBodyBytes: ONBOARDING_MAX_BODY_BYTES,
  routes: onboardingRoutes,
};
