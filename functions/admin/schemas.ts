// The admin API's request and response shapes, defined once: the route table (routes.ts)
// validates requests with them and documents both; the domain's result types are inferred from
// them, so a handler cannot answer what the document does not promise.

import * as v from 'valibot';
import { EMAIL_ADDRESS_PATTERN, MAX_INVITATION_TTL_HOURS } from '../config.ts';
import { isoDateTime, mfaDevice, userName } from '../schemas.ts';

const emailAddress = v.pipe(
  v.string(),
  v.trim(),
  v.maxLength(320),
  v.regex(EMAIL_ADDRESS_PATTERN, 'must be an email address'),
);

/** Where the service sends the link itself, instead of answering with it. */
export const delivery = v.pipe(
  v.union([v.literal('email'), v.strictObject({ email: emailAddress })]),
  v.description(
    'Email the link from SENDER_EMAIL (Amazon SES) instead of answering with it: `"email"` sends it to the address in the user\'s EMAIL_TAG_KEY tag (default `email`), `{"email": "<address>"}` to that address. The answer then carries `delivered` and no `url`',
  ),
);

export const invitationRequest = v.strictObject({
  userName,
  delivery: v.optional(delivery),
  ttlHours: v.optional(
    v.pipe(
      v.number(),
      v.safeInteger(),
      v.minValue(1),
      v.maxValue(MAX_INVITATION_TTL_HOURS),
      v.description(
        `Hours the link stays valid (default from INVITATION_TTL_HOURS, at most ${MAX_INVITATION_TTL_HOURS})`,
      ),
    ),
  ),
});

// Responses are strict too: the document promises exactly these fields.
export const invitationResponse = v.strictObject({
  userName,
  url: v.pipe(
    v.string(),
    v.description(
      'The onboarding link; the token is in the fragment. Send it to the employee only.',
    ),
  ),
  expiresAt: isoDateTime(),
  finishOnly: v.pipe(
    v.boolean(),
    v.description(
      'true when the user already has the MFA device this service enabled but is not in the force-MFA group: the link only finishes that step',
    ),
  ),
});

const delivered = v.pipe(
  v.strictObject({
    channel: v.literal('email'),
    to: v.pipe(
      v.string(),
      v.description(
        'The address the link was sent to, masked: its first character, ***, the domain',
      ),
    ),
  }),
  v.description('The link was emailed (accepted by Amazon SES); the answer does not carry it'),
);

/** The answer when the service emailed the link: everything but the link. */
export const deliveredInvitationResponse = v.strictObject({
  userName,
  expiresAt: isoDateTime(),
  finishOnly: invitationResponse.entries.finishOnly,
  delivered,
});

/** POST /v1/invitations answers with the link, or, with `"delivery"`, without it. */
export const issueInvitationResponse = v.union([invitationResponse, deliveredInvitationResponse]);

export const userPathParams = v.object({ userName });

export const userStatusResponse = v.strictObject({
  userName,
  arn: v.string(),
  mfaEnabled: v.boolean(),
  mfaDevices: v.array(mfaDevice),
  inForceMfaGroup: v.boolean(),
  enrollment: v.pipe(
    v.picklist(['not_enrolled', 'invited', 'needs_group_step', 'mfa_outside_group', 'enrolled']),
    v.description(
      'not_enrolled: no MFA and no usable link; invited: no MFA, a link is pending; needs_group_step: MFA enabled by this service but not in the force-MFA group (a new link finishes it); mfa_outside_group: MFA enabled elsewhere, not in the group; enrolled: MFA and in the group',
    ),
  ),
  invitation: v.pipe(
    v.nullable(
      v.strictObject({
        state: v.picklist(['pending', 'expired', 'locked']),
        expiresAt: isoDateTime(),
        attemptsRemaining: v.pipe(v.number(), v.integer(), v.minValue(0)),
      }),
    ),
    v.description('The latest invitation, if one is on the user (pending, expired or locked)'),
  ),
  exemption: v.pipe(
    v.nullable(v.strictObject({ reason: v.string(), until: v.nullable(isoDateTime()) })),
    v.description('The current exemption from MFA (null: none, or it has ended)'),
  ),
});

export const complianceQuery = v.strictObject({
  format: v.optional(v.picklist(['json', 'csv']), 'json'),
  pathPrefix: v.optional(
    v.pipe(
      v.string(),
      v.maxLength(512),
      v.regex(/^\/[\u0021-\u007F]*$/, 'must be an IAM path prefix starting with /'),
    ),
  ),
  consoleOnly: v.optional(
    v.pipe(
      v.picklist(['true', 'false']),
      v.description('Only users with (or possibly with) a console password'),
      v.transform((s) => s === 'true'),
    ),
  ),
  createdBefore: v.optional(
    v.pipe(
      isoDateTime({ offset: true }),
      v.description('Leave out users created at or after this time (a grace period for new hires)'),
    ),
  ),
});

const live = { source: v.literal('live'), at: isoDateTime() };

const evidence = v.picklist(['live', 'credential-report', 'virtual-only']);
const count = v.pipe(v.number(), v.safeInteger(), v.minValue(0));

export const exemptionRequest = v.strictObject({
  reason: v.pipe(
    v.string(),
    v.trim(),
    v.minLength(1),
    v.maxLength(200),
    v.description('Why the user needs no MFA (1–200 characters, any language)'),
  ),
  until: v.optional(
    v.pipe(
      isoDateTime({ offset: true }),
      v.description('When the exemption ends (absent: until removed)'),
    ),
  ),
});

export const exemption = v.strictObject({
  userName,
  reason: v.string(),
  until: v.nullable(isoDateTime()),
});

export const mfaResetRequest = v.strictObject({
  reason: v.pipe(
    v.string(),
    v.trim(),
    v.minLength(1),
    v.maxLength(200),
    v.description(
      'Why the devices are taken off (1–200 characters, any language; e.g. the help-desk ticket). Only its length is logged',
    ),
  ),
});

export const mfaResetResponse = v.strictObject({
  ...invitationResponse.entries,
  deactivated: v.pipe(
    v.array(v.string()),
    v.description(
      'Serial numbers of the devices this call took off the user (empty on a repeat: they were gone)',
    ),
  ),
});

export const complianceResponse = v.strictObject({
  accountId: v.string(),
  generatedAt: isoDateTime(),
  totalUsers: v.pipe(
    v.number(),
    v.safeInteger(),
    v.description('Users scanned (under pathPrefix), with or without MFA'),
  ),
  sources: v.pipe(
    v.strictObject({
      users: v.pipe(
        v.strictObject(live),
        v.description(
          "ListUsers: the users, their create dates and passwordLastUsed; each user's tags (exemptions, invitations) and groups from GetAccountAuthorizationDetails at the same time",
        ),
      ),
      virtualMfaDevices: v.strictObject(live),
      forceMfaGroup: v.strictObject({ ...live, groupName: v.string(), exists: v.boolean() }),
      otherMfaDevicesAndConsoleAccess: v.variant('source', [
        v.strictObject({ source: v.literal('credential-report'), generatedAt: isoDateTime() }),
        v.strictObject({ source: v.literal('unavailable'), reason: v.string() }),
      ]),
      perUserChecks: v.strictObject({
        source: v.literal('live'),
        users: v.pipe(v.number(), v.safeInteger()),
        skipped: v.pipe(v.number(), v.safeInteger()),
      }),
    }),
    v.description('Where each figure came from and how fresh it is'),
  ),
  summary: v.pipe(
    v.strictObject({
      totalUsers: count,
      withMfa: count,
      withoutMfa: v.pipe(count, v.description('Without MFA and not exempt (the rows of users)')),
      withoutMfaConsole: v.pipe(
        count,
        v.description('Of withoutMfa, those with (or possibly with) a console password'),
      ),
      consoleUsers: v.pipe(
        count,
        v.description(
          'Users with (or possibly with) a console password, MFA or not: withoutMfaConsole / consoleUsers is the share of console users without MFA',
        ),
      ),
      exempt: v.pipe(count, v.description('Users with a current exemption, MFA or not')),
      pendingInvitations: count,
      expiredInvitations: count,
      mfaOutsideForceMfaGroup: v.pipe(
        count,
        v.description('Users with MFA who are not in the force-MFA group'),
      ),
    }),
    v.description('Counts over the users under pathPrefix, before consoleOnly/createdBefore'),
  ),
  exempt: v.pipe(
    v.array(exemption),
    v.description('Users with a current exemption; they are not in users'),
  ),
  mfaOutsideForceMfaGroup: v.pipe(
    v.array(v.strictObject({ userName, arn: v.string(), path: v.string() })),
    v.description(
      'Users with MFA who are not in the force-MFA group: nothing makes them use it (the summary counts them)',
    ),
  ),
  users: v.array(
    v.strictObject({
      userName,
      arn: v.string(),
      path: v.string(),
      createDate: isoDateTime(),
      passwordLastUsed: v.nullable(isoDateTime()),
      consoleAccess: v.nullable(v.boolean()),
      inForceMfaGroup: v.boolean(),
      invitation: v.pipe(
        v.nullable(
          v.strictObject({ state: v.picklist(['pending', 'expired']), expiresAt: isoDateTime() }),
        ),
        v.description('The latest onboarding link on the user, if any (locked counts as expired)'),
      ),
      evidence: v.pipe(
        evidence,
        v.description(
          'live: no device of any kind (per-user check); credential-report: no virtual device (live) and no other device in the credential report; virtual-only: no virtual device (live), other kinds not checked',
        ),
      ),
    }),
  ),
});

export type InvitationRequest = v.InferOutput<typeof invitationRequest>;
export type Delivery = v.InferOutput<typeof delivery>;
export type DeliveredInvitation = v.InferOutput<typeof deliveredInvitationResponse>;
export type IssueInvitationResponse = v.InferOutput<typeof issueInvitationResponse>;
export type UserStatus = v.InferOutput<typeof userStatusResponse>;
export type EnrollmentState = UserStatus['enrollment'];
export type ComplianceReport = v.InferOutput<typeof complianceResponse>;
export type UserWithoutMfa = ComplianceReport['users'][number];
export type Evidence = v.InferOutput<typeof evidence>;

export const historyQuery = v.strictObject({
  days: v.optional(
    v.pipe(
      v.string(),
      v.regex(/^[0-9]{1,3}$/, 'must be a whole number of days'),
      v.transform(Number),
      v.number(),
      v.minValue(1),
      v.maxValue(365),
      v.description('Days of history, today included (1–365)'),
    ),
    '90',
  ),
});

export const historyResponse = v.strictObject({
  points: v.pipe(
    v.array(
      v.strictObject({
        date: v.pipe(v.string(), v.isoDate(), v.description('A UTC day, YYYY-MM-DD')),
        users: count,
        withMfa: count,
      }),
    ),
    v.description(
      "Per day, oldest first and the last today: how many of today's users existed by the end of that day, and how many of them had an MFA device enabled",
    ),
  ),
  limitations: v.pipe(
    v.array(v.string()),
    v.description('What IAM alone cannot tell, so the figures leave out'),
  ),
});

const userNames = v.pipe(
  v.array(userName),
  v.minLength(1),
  v.maxLength(200),
  // IAM user names are unique ignoring case: Tanaka and tanaka are one user.
  v.check(
    (names) => new Set(names.map((n) => n.toLowerCase())).size === names.length,
    'must not repeat a user name',
  ),
);

export const bulkInvitationRequest = v.strictObject({
  userNames,
  // Only each user's own tag: one address for many personal links would hand them all to one
  // person.
  delivery: v.optional(
    v.pipe(
      v.literal('email'),
      v.description(
        "Email each user's link to the address in their EMAIL_TAG_KEY tag instead of answering with it; a user without one is refused (422 `no_email_address`), nothing written",
      ),
    ),
  ),
  ttlHours: invitationRequest.entries.ttlHours,
});

const problem = v.strictObject({ code: v.string(), message: v.string() });

export const bulkInvitationResponse = v.strictObject({
  results: v.pipe(
    v.array(
      v.strictObject({
        userName,
        status: v.picklist([201, 400, 404, 409, 422, 500, 502, 503, 504]),
        url: v.optional(invitationResponse.entries.url),
        expiresAt: v.optional(isoDateTime()),
        finishOnly: v.optional(v.boolean()),
        delivered: v.optional(delivered),
        error: v.optional(problem),
      }),
    ),
    v.description(
      'One result per requested user, in request order, each as the single route would answer it',
    ),
  ),
});

export const enforcementRequest = v.strictObject({ userNames });

export const enforcementResponse = v.strictObject({
  results: v.array(
    v.strictObject({
      userName,
      status: v.picklist([200, 404, 409, 500, 503]),
      outcome: v.optional(
        v.pipe(
          v.picklist(['added', 'already_member']),
          v.description('added: now in the force-MFA group; already_member: it was'),
        ),
      ),
      error: v.optional(problem),
    }),
  ),
});

export const meResponse = v.strictObject({
  name: v.pipe(v.string(), v.description("The API key's configured name")),
  scopes: v.array(v.string()),
});

export type HistoryResponse = v.InferOutput<typeof historyResponse>;
export type Exemption = v.InferOutput<typeof exemption>;
export type ExemptionRequest = v.InferOutput<typeof exemptionRequest>;
export type MfaResetResponse = v.InferOutput<typeof mfaResetResponse>;
export type BulkInvitationResponse = v.InferOutput<typeof bulkInvitationResponse>;
export type EnforcementResponse = v.InferOutput<typeof enforcementResponse>;
export type MeResponse = v.InferOutput<typeof meResponse>;
