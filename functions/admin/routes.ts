// The admin function's routes, each defined once: app.ts mounts them, /openapi.json documents
// them, and tests hold serverless.yml and the local server to them (see http/route.ts).

import { ADMIN_MAX_BODY_BYTES } from '../http/body-limit.ts';
import type { RouteSpec, RouteTable } from '../http/route.ts';
import type { Scope } from './api-keys.ts';
import {
  bulkInvitationRequest,
  bulkInvitationResponse,
  complianceQuery,
  complianceResponse,
  enforcementRequest,
  enforcementResponse,
  exemption,
  exemptionRequest,
  historyQuery,
  historyResponse,
  invitationRequest,
  issueInvitationResponse,
  meResponse,
  mfaResetRequest,
  mfaResetResponse,
  userPathParams,
  userStatusResponse,
} from './schemas.ts';

const NOT_MANAGED = 'No such user, or one outside the configured path (answered alike)';
const BUSY = 'IAM is throttling; retry after Retry-After seconds';
const DELIVERY =
  'With `"delivery"`, the service emails the link from SENDER_EMAIL (Amazon SES; Japanese, then English) and answers without it: `delivered` says where it went (masked). The address is settled before anything is written; a link SES would not take (or took too long to) is revoked again before the answer, unless a newer link replaced it meanwhile.';

export const adminRoutes = {
  issueInvitation: {
    method: 'POST',
    path: '/v1/invitations',
    summary: 'Issue an onboarding link (revokes any earlier link for the user), or email it',
    description: `Answers with the link, for HR to hand to the employee. ${DELIVERY}`,
    auth: { apiKey: 'invitations:write' },
    request: { json: invitationRequest },
    responses: {
      201: {
        description:
          'The link (finishOnly: it only finishes the force-MFA group step of an enrollment this service began); with `"delivery"`, no link but `delivered`',
        json: issueInvitationResponse,
      },
      400: { description: 'Bad input' },
      404: { description: NOT_MANAGED },
      409: {
        description:
          'already_enrolled (the user has MFA), or too_many_tags (no room under IAM 50 tags per user)',
      },
      422: {
        description:
          'no_email_address: `"delivery": "email"` for a user without an email address in its EMAIL_TAG_KEY tag (nothing was written)',
      },
      502: {
        description:
          'email_rejected: Amazon SES refused the message (sender not verified, sending paused, ...); the new link was revoked. A repeat is refused alike until the SES setup is fixed',
      },
      503: {
        description: `${BUSY}; or email_unavailable: Amazon SES stayed busy (the new link was revoked; retry after Retry-After seconds)`,
      },
      504: {
        description:
          'email_unconfirmed: Amazon SES did not confirm the email in time, so it may have been sent; the new link stays valid. Sending again replaces it with a new link and mail',
      },
    },
  },
  bulkInvitations: {
    method: 'POST',
    path: '/v1/invitations/bulk',
    summary: 'Issue onboarding links for up to 200 users',
    description:
      'Each user is answered as `POST /v1/invitations` would answer it, in request order: 201 with its link (`finishOnly` as there), 404 unknown or outside the path, 409 `already_enrolled` or `too_many_tags`, 503 when IAM stayed busy for that user (the others go on; send that user again). Reads the account in a few listings, then writes about one IAM call per user. With `"delivery": "email"` each link is emailed to the address in that user\'s EMAIL_TAG_KEY tag and its result carries `delivered` instead of `url`; per user, 422 `no_email_address` (nothing written for that user), 502 `email_rejected` or 503 `email_unavailable` (that user\'s new link revoked again), 504 `email_unconfirmed` (SES may have sent it: the link stays), the others go on. An error the service did not expect is that user\'s 500 `internal_error` (its link, if written, taken back when delivering), never the whole request\'s.',
    auth: { apiKey: 'invitations:write' },
    request: { json: bulkInvitationRequest },
    responses: {
      200: { description: 'Per-user results', json: bulkInvitationResponse },
      400: { description: 'Bad input (1–200 distinct user names, ttlHours as for one link)' },
      503: { description: BUSY },
    },
  },
  revokeInvitation: {
    method: 'DELETE',
    path: '/v1/invitations/{userName}',
    summary: "Revoke a user's pending onboarding link (idempotent)",
    auth: { apiKey: 'invitations:write' },
    request: { params: userPathParams },
    responses: {
      204: { description: 'Revoked (and its unassigned device deleted), or there was none' },
      400: { description: 'Bad user name' },
      404: { description: NOT_MANAGED },
      503: { description: BUSY },
    },
  },
  userStatus: {
    method: 'GET',
    path: '/v1/users/{userName}',
    summary: "A user's MFA status",
    auth: { apiKey: 'users:read' },
    request: { params: userPathParams },
    responses: {
      200: { description: 'The status', json: userStatusResponse },
      400: { description: 'Bad user name' },
      404: { description: NOT_MANAGED },
      503: { description: BUSY },
    },
  },
  setExemption: {
    method: 'PUT',
    path: '/v1/users/{userName}/exemption',
    summary: 'Exempt a user from MFA (replaces any earlier exemption)',
    description:
      'For users that cannot have MFA (service, break-glass, machine users): the compliance report lists them under `exempt`, not as lacking MFA, and enforcement leaves them out of the force-MFA group. Stored in IAM user tags (at most 3), audited in the log.',
    auth: { apiKey: 'exemptions:write' },
    request: { params: userPathParams, json: exemptionRequest },
    responses: {
      200: { description: 'The exemption', json: exemption },
      400: { description: 'Bad input (a reason of 1–200 characters; until in the future)' },
      404: { description: NOT_MANAGED },
      409: { description: 'too_many_tags (no room under IAM 50 tags per user)' },
      503: { description: BUSY },
    },
  },
  removeExemption: {
    method: 'DELETE',
    path: '/v1/users/{userName}/exemption',
    summary: "End a user's exemption from MFA (idempotent)",
    auth: { apiKey: 'exemptions:write' },
    request: { params: userPathParams },
    responses: {
      204: { description: 'Removed, or there was none' },
      400: { description: 'Bad user name' },
      404: { description: NOT_MANAGED },
      503: { description: BUSY },
    },
  },
  resetMfa: {
    method: 'POST',
    path: '/v1/users/{userName}/mfa-reset',
    summary: "Replace a user's lost MFA device: take every device off and issue a new link",
    description:
      "Revokes the current link, deactivates every MFA device of the user (the one this service made is deleted; a virtual device made elsewhere stays, unassigned), adds the user to the force-MFA group (until they enroll again they can do nothing but set up MFA) and issues a new onboarding link as `POST /v1/invitations` does. Idempotent: a repeat deactivates nothing more and answers with a new link (the earlier one stops working). Audited in the log (the key, the user, the serials, the reason's length).",
    auth: { apiKey: 'mfa:reset' },
    request: { params: userPathParams, json: mfaResetRequest },
    responses: {
      201: { description: 'The devices taken off, and the new link', json: mfaResetResponse },
      400: { description: 'Bad input (a reason of 1–200 characters)' },
      404: { description: NOT_MANAGED },
      409: {
        description:
          'exempt (in the force-MFA group it could do nothing: end the exemption first), force_mfa_group_missing, mfa_reenabled (a device kept being enabled meanwhile; retry), too_many_tags',
      },
      503: { description: BUSY },
    },
  },
  usersWithoutMfa: {
    method: 'GET',
    path: '/v1/compliance/users-without-mfa',
    summary: 'IAM users with no MFA device of any kind, live',
    description:
      "Reads IAM live at list page size 1000 (users; every user's tags and groups, via GetAccountAuthorizationDetails, for exemptions, invitations and force-MFA membership; virtual MFA devices) and the credential report (at most 4 hours old) for non-virtual devices and console access; `sources` says which figure came from where. `summary` counts the users under pathPrefix; exempt users are listed in `exempt`, not in `users`. `format=csv` returns the same rows as CSV (RFC 4180; cells starting with = + - @ are prefixed with an apostrophe), with the invitation's state and expiry as the last two columns.",
    auth: { apiKey: 'compliance:read' },
    request: { query: complianceQuery },
    responses: {
      200: {
        description: 'The report',
        json: complianceResponse,
        other: { 'text/csv': { type: 'string' } },
      },
      400: { description: 'Bad query' },
      503: { description: BUSY },
    },
  },
  complianceHistory: {
    method: 'GET',
    path: '/v1/compliance/history',
    summary: 'MFA over the last N days, rebuilt from IAM alone',
    description:
      "Per UTC day, oldest first and the last today: how many of today's users existed (CreateDate) and how many had MFA by then (the earliest EnableDate of their current devices). No database: IAM keeps no deleted users or replaced devices, so `limitations` says what the figures cannot include. A handful of IAM calls, whatever `days`.",
    auth: { apiKey: 'compliance:read' },
    request: { query: historyQuery },
    responses: {
      200: { description: 'The trend', json: historyResponse },
      400: { description: 'Bad query' },
      503: { description: BUSY },
    },
  },
  enforceMfaGroup: {
    method: 'POST',
    path: '/v1/force-mfa-group/members',
    summary: 'Add users to the force-MFA group (up to 200)',
    description:
      "Adds each user outside the force-MFA group, with or without MFA, so its policy allows them nothing but MFA setup until they sign in with MFA. One result per user, in request order: 200 `added` or `already_member`; 404 unknown or outside the path; 409 `exempt` (an exempt user would be locked out) or `too_many_groups`; 503 when IAM stayed busy for that user (the others go on); 500 `internal_error` for an error the service did not expect, that user's alone. Reads the account in a few calls, then one AddUserToGroup per user added.",
    auth: { apiKey: 'enforcement:write' },
    request: { json: enforcementRequest },
    responses: {
      200: { description: 'Per-user results', json: enforcementResponse },
      400: { description: 'Bad input (1–200 distinct user names)' },
      409: { description: 'force_mfa_group_missing: the group does not exist' },
      503: { description: BUSY },
    },
  },
  me: {
    method: 'GET',
    path: '/v1/me',
    summary: "The presented API key's name and scopes",
    description:
      'Any valid key may call it: the admin console uses it to offer only what the key may do. Calls no IAM.',
    auth: { apiKey: null },
    responses: { 200: { description: 'The key', json: meResponse } },
  },
  health: {
    method: 'GET',
    path: '/healthz',
    summary: 'Liveness',
    auth: 'public',
    responses: { 200: { description: 'OK' } },
  },
  openApi: {
    method: 'GET',
    path: '/openapi.json',
    summary: 'This document',
    auth: 'public',
    responses: { 200: { description: 'OpenAPI 3.1' } },
  },
  consolePage: {
    method: 'GET',
    path: '/admin',
    summary: 'The admin console (signs in with an API key, kept in the browser tab only)',
    auth: 'public',
    responses: { 200: { description: 'HTML', other: { 'text/html': { type: 'string' } } } },
  },
  consoleAsset: {
    method: 'GET',
    path: '/admin/assets/{file}',
    summary: "The console's scripts, styles and icon (content-hashed names)",
    auth: 'public',
    responses: { 200: { description: 'The file' }, 404: { description: 'No such asset' } },
    undocumented: true,
  },
} satisfies Record<string, RouteSpec<Scope>>;

export const ADMIN_ROUTES: RouteTable = {
  function: 'admin',
  maxBodyBytes: ADMIN_MAX_BODY_BYTES,
  routes: adminRoutes,
};
