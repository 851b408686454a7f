// STS: GetCallerIdentity, GetSessionToken and AssumeRole (docs/iam-facts.md §7).
//
// Temporary credentials are registered in `ctx.sessions`, so a later call signed with the
// returned AccessKeyId has the same caller (GetSessionToken: the IAM user or root who asked;
// AssumeRole: the role session). Session tokens, secrets and expiry are not checked.
//
// Facts used, beyond the reference:
// - STS validation messages echo the value, unlike IAM's current ones [AWS-recorded, LocalStack
//   tests/aws/services/sts/test_sts.snapshot.json]: "1 validation error detected: Value
//   'Session1:2' at 'roleSessionName' failed to satisfy constraint: Member must satisfy regular
//   expression pattern: [\w+=,.@-]*". A malformed RoleArn gives "<arn> is invalid" for ARNs
//   missing a partition, service, enough colons or a resource [same recording].
// - "Roles may not be assumed by root accounts." AccessDenied (kubeflow/testing#961).
// - "Cannot call GetSessionToken with session credentials" AccessDenied (aws/aws-sdk-net#1704,
//   aws/aws-sdk-js#3670).
// - "The requested DurationSeconds exceeds the 1 hour session limit for roles assumed by role
//   chaining." ValidationError, also when the caller holds GetSessionToken credentials
//   (aws/eks-anywhere#9485, mmmorris1975/aws-runas#11).
// - MFA failures are AccessDenied 403:
//   GetSessionToken: "MultiFactorAuthentication failed, unable to validate MFA code.  Please
//   verify your MFA serial number is valid and associated with this user." — with TWO spaces
//   after "code.", as printed in aws/aws-cli#6325, broamski/aws-mfa#25 and 99designs/aws-vault#676.
//   AssumeRole: "MultiFactorAuthentication failed with invalid MFA one time pass code."
//   (aws/aws-cli#2279, also for a code replayed in a loop). Only one of SerialNumber/TokenCode:
//   "MultiFactorAuthentication failed, must provide both MFA serial number and one time pass
//   code." (y13i/sgviz#9, AssumeRole).
// - GetSessionToken for root: "Sessions for AWS account owners are restricted to a maximum of
//   3,600 seconds … If the duration is longer than one hour, the session … defaults to one hour"
//   (API reference), so a longer request is shortened, not rejected.
//
// - Roles of this account (ops/roles.ts) are assumed only when they exist under that exact ARN
//   and their trust policy allows the caller (trust-policy.ts); otherwise, and for a
//   well-formed ARN that is not a role, the AccessDenied "User: <caller> is not authorized to
//   perform: sts:AssumeRole on resource: <arn>" (mmmorris1975/aws-runas#1, aws/aws-cli#6001). The MFA
//   keys of the trust policy come from this request's SerialNumber/TokenCode or from a session
//   made with MFA (GetSessionToken with a code, or a role session assumed with one): UG
//   `id_credentials_mfa_configure-api-require.md`. DurationSeconds above the role's
//   MaxSessionDuration: ValidationError "The requested DurationSeconds exceeds the
//   MaxSessionDuration set for this role." (kreuzwerker/awsu#27,
//   aws-azure-login/aws-azure-login#93).
//
// - Every ARN made here has the partition of the account state the request acts on (the
//   partition of its signing region, emulator.ts); no role can be assumed across partitions
//   (GovCloud UG, govcloud-iam: no role delegates between a GovCloud and a standard account).
//
// UNCONFIRMED choices:
// - The emulator holds one account per partition: a role ARN of any other account of the same
//   partition is assumed with no trust check, for up to 43200 s, with the same AROA id for the
//   same ARN (per account state). A role ARN of another partition is refused with the
//   "not authorized" AccessDenied.
// - The trust check comes after the MFA code check, and the MaxSessionDuration check after it.
// - The "must provide both" message is used for GetSessionToken too.
// - An unknown device, another user's device, a FIDO device, a wrong code and a replayed code
//   (a step at or before the device's last accepted step) all give the operation's MFA message.
// - PackedPolicySize is never returned; session policies and tags are validated, then ignored.

import { randomBytes } from 'node:crypto';
import { AwsError, accessDenied, validationError } from '../errors.ts';
import { stsShapes } from '../params.ts';
import { type AccountState, newId, rootArn } from '../state.ts';
import { matchCode } from '../totp.ts';
import { type TrustRequest, trustAllows } from '../trust-policy.ts';
import { el, isoSeconds, type XmlNode } from '../xml.ts';
import type { Caller, OpContext, OpTable } from './types.ts';

// ---- callers, credentials and MFA ----------------------------------------------------------

const ROOT_SESSION_MAX_SECONDS = 3600;
const CHAINED_SESSION_MAX_SECONDS = 3600;

const MFA_BOTH_REQUIRED =
  'MultiFactorAuthentication failed, must provide both MFA serial number and one time pass code.';
const SESSION_TOKEN_MFA_FAILED =
  'MultiFactorAuthentication failed, unable to validate MFA code.  Please verify your MFA serial number is valid and associated with this user.';
const ASSUME_ROLE_MFA_FAILED =
  'MultiFactorAuthentication failed with invalid MFA one time pass code.';

/** Callers created by this module for temporary credentials (root sessions included). */
const sessionCallers = new WeakSet<Caller>();

/** AROA ids by role ARN, per account state, so a role keeps its id across AssumeRole calls. */
const roleIds = new WeakMap<AccountState, Map<string, string>>();

function roleIdFor(state: AccountState, roleArn: string): string {
  let ids = roleIds.get(state);
  if (!ids) {
    ids = new Map();
    roleIds.set(state, ids);
  }
  let id = ids.get(roleArn);
  if (!id) {
    id = newId('AROA');
    ids.set(roleArn, id);
  }
  return id;
}

interface ParsedArn {
  partition: string;
  service: string;
  region: string;
  account: string;
  resource: string;
}

/** `arn:partition:service:region:account:resource`, each of partition, service, resource non-empty. */
function parseArn(arn: string): ParsedArn | undefined {
  const m = /^arn:([^:]+):([^:]+):([^:]*):([^:]*):(.+)$/s.exec(arn);
  if (!m) return undefined;
  const [, partition, service, region, account, resource] = m as unknown as [
    string,
    string,
    string,
    string,
    string,
    string,
  ];
  return { partition, service, region, account, resource };
}

function roleNameOf(arn: ParsedArn): string | undefined {
  if (arn.service !== 'iam' || arn.region !== '' || !/^\d{12}$/.test(arn.account)) return undefined;
  const m = /^role\/(?:[\u0021-\u007E]*\/)?([\w+=,.@-]+)$/.exec(arn.resource);
  return m?.[1];
}

function assumedRoleArn(roleArn: string, sessionName: string): string {
  const arn = parseArn(roleArn) as ParsedArn;
  return `arn:${arn.partition}:sts::${arn.account}:assumed-role/${roleNameOf(arn)}/${sessionName}`;
}

function callerIdentity(ctx: OpContext): { userId: string; arn: string; account: string } {
  const { caller, state } = ctx;
  switch (caller.kind) {
    case 'user':
      return { userId: caller.user.userId, arn: caller.user.arn, account: state.accountId };
    case 'assumed-role': {
      const arn = parseArn(caller.roleArn) as ParsedArn;
      return {
        userId: `${caller.roleId}:${caller.sessionName}`,
        arn: assumedRoleArn(caller.roleArn, caller.sessionName),
        account: arn.account,
      };
    }
    default:
      return { userId: state.accountId, arn: rootArn(state), account: state.accountId };
  }
}

/**
 * Checks a code against a TOTP device assigned to `owner` (a lower-cased user name; undefined
 * for root and role sessions, which have no devices here). On success the step is remembered,
 * so the same code cannot be used again.
 */
function mfaAccepted(
  ctx: OpContext,
  owner: string | undefined,
  serial: string,
  code: string,
): boolean {
  if (owner === undefined) return false;
  const device = ctx.state.mfaDevices.get(serial.toLowerCase());
  if (!device || device.user !== owner || device.seed === undefined) return false;
  const step = matchCode(
    device.seed,
    code,
    ctx.now,
    ctx.settings.totpWindowSteps,
    device.lastUsedStep,
  );
  if (step === undefined) return false;
  device.lastUsedStep = step;
  return true;
}

function ownerOf(caller: Caller): string | undefined {
  return caller.kind === 'user' ? caller.user.userName.toLowerCase() : undefined;
}

/**
 * MFA members: neither (false: no MFA in this request), both (checked; true when accepted), or
 * only one (AccessDenied).
 */
function checkMfa(
  ctx: OpContext,
  serial: string | undefined,
  code: string | undefined,
  failure: string,
): boolean {
  if (serial === undefined && code === undefined) return false;
  if (serial === undefined || code === undefined) throw accessDenied(MFA_BOTH_REQUIRED);
  if (!mfaAccepted(ctx, ownerOf(ctx.caller), serial, code)) throw accessDenied(failure);
  return true;
}

/** The request as the role's trust policy sees it: who asks, and with what MFA. */
function trustRequest(ctx: OpContext, mfaInRequest: boolean): TrustRequest {
  const { caller, now } = ctx;
  const identity = callerIdentity(ctx);
  const arns = caller.kind === 'assumed-role' ? [identity.arn, caller.roleArn] : [identity.arn];
  const mfaAt = mfaInRequest ? now : caller.kind === 'root' ? undefined : caller.mfaAuthenticatedAt;
  return {
    partition: ctx.state.partition,
    account: identity.account,
    arns,
    // The key is absent for long-term keys without MFA, false for sessions without it.
    mfaPresent: mfaAt !== undefined ? true : isSession(caller) ? false : undefined,
    mfaAgeSeconds:
      mfaAt === undefined ? undefined : Math.floor((now.getTime() - mfaAt.getTime()) / 1000),
  };
}

/**
 * New temporary credentials (an ASIA key id of 20 characters, like real ones), registered so
 * that calls signed with them have the caller `callerFor(accessKeyId)`.
 */
function issueCredentials(
  ctx: OpContext,
  durationSeconds: number,
  callerFor: (accessKeyId: string) => Caller,
): XmlNode {
  const accessKeyId = newId('ASIA').slice(0, 20);
  const caller = callerFor(accessKeyId);
  sessionCallers.add(caller);
  ctx.sessions.set(accessKeyId, caller);
  return el('Credentials', [
    el('AccessKeyId', accessKeyId),
    el('SecretAccessKey', randomBytes(30).toString('base64')),
    el('SessionToken', randomBytes(300).toString('base64')),
    el('Expiration', isoSeconds(new Date(ctx.now.getTime() + durationSeconds * 1000))),
  ]);
}

function isSession(caller: Caller): boolean {
  return caller.kind === 'assumed-role' || sessionCallers.has(caller);
}

// ---- operations ----------------------------------------------------------------------------

export const stsOperations: OpTable = {
  GetCallerIdentity(ctx) {
    ctx.params.done();
    const { userId, arn, account } = callerIdentity(ctx);
    return [el('UserId', userId), el('Account', account), el('Arn', arn)];
  },

  GetSessionToken(ctx) {
    const { params } = ctx;
    const requested = params.int('DurationSeconds', { min: 900, max: 129600 });
    const serial = params.string('SerialNumber', stsShapes.serialNumber);
    const code = params.string('TokenCode', stsShapes.tokenCode);
    params.done();

    const { caller } = ctx;
    if (isSession(caller))
      throw accessDenied('Cannot call GetSessionToken with session credentials');
    const mfa = checkMfa(ctx, serial, code, SESSION_TOKEN_MFA_FAILED);

    let duration = requested ?? 43200;
    if (caller.kind === 'root') duration = Math.min(duration, ROOT_SESSION_MAX_SECONDS);
    const credentials = issueCredentials(ctx, duration, (accessKeyId) =>
      caller.kind === 'user'
        ? {
            kind: 'user',
            user: caller.user,
            key: { accessKeyId, user: ownerOf(caller) },
            mfaAuthenticatedAt: mfa ? ctx.now : undefined,
          }
        : { kind: 'root' },
    );
    return [credentials];
  },

  AssumeRole(ctx) {
    const { params } = ctx;
    const roleArn = params.string('RoleArn', stsShapes.arn, true);
    const sessionName = params.string('RoleSessionName', stsShapes.roleSessionName, true);
    params.stringList('PolicyArns', stsShapes.arn, undefined, 'arn');
    params.string('Policy', stsShapes.policy);
    const duration = params.int('DurationSeconds', { min: 900, max: 43200 }) ?? 3600;
    const tags = params.tags();
    const transitiveKeys = params.stringList('TransitiveTagKeys', stsShapes.tagKey, 50);
    params.string('ExternalId', stsShapes.externalId);
    const serial = params.string('SerialNumber', stsShapes.serialNumber);
    const code = params.string('TokenCode', stsShapes.tokenCode);
    const sourceIdentity = params.string('SourceIdentity', stsShapes.sourceIdentity);
    params.done();

    const parsed = parseArn(roleArn);
    if (!parsed) throw validationError(`${roleArn} is invalid`);
    const { caller } = ctx;
    if (caller.kind === 'root') throw accessDenied('Roles may not be assumed by root accounts.');
    if (roleNameOf(parsed) === undefined || parsed.partition !== ctx.state.partition) {
      throw accessDenied(
        `User: ${callerIdentity(ctx).arn} is not authorized to perform: sts:AssumeRole on resource: ${roleArn}`,
      );
    }

    const seen = new Set<string>();
    for (const { key } of tags) {
      const lower = key.toLowerCase();
      if (seen.has(lower)) {
        throw new AwsError(
          'InvalidParameterValue',
          400,
          'Duplicate tag keys found. Please note that Tag keys are case insensitive.',
        );
      }
      seen.add(lower);
    }
    if (transitiveKeys.some((k) => !seen.has(k.toLowerCase()))) {
      throw new AwsError(
        'InvalidParameterValue',
        400,
        'The specified transitive tag key must be included in the requested tags.',
      );
    }
    if (isSession(caller) && duration > CHAINED_SESSION_MAX_SECONDS) {
      throw validationError(
        'The requested DurationSeconds exceeds the 1 hour session limit for roles assumed by role chaining.',
      );
    }
    const mfa = checkMfa(ctx, serial, code, ASSUME_ROLE_MFA_FAILED);
    const trust = trustRequest(ctx, mfa);

    let roleId: string;
    if (parsed.account === ctx.state.accountId) {
      // A role of this account must exist, under this very ARN, and trust the caller.
      const role = ctx.state.roles.get((roleNameOf(parsed) as string).toLowerCase());
      if (!role || role.arn !== roleArn || !trustAllows(role.assumeRolePolicyDocument, trust)) {
        throw accessDenied(
          `User: ${callerIdentity(ctx).arn} is not authorized to perform: sts:AssumeRole on resource: ${roleArn}`,
        );
      }
      if (duration > role.maxSessionDuration) {
        throw validationError(
          'The requested DurationSeconds exceeds the MaxSessionDuration set for this role.',
        );
      }
      roleId = role.roleId;
    } else {
      roleId = roleIdFor(ctx.state, roleArn);
    }
    const mfaAuthenticatedAt =
      trust.mfaAgeSeconds === undefined
        ? undefined
        : new Date(ctx.now.getTime() - trust.mfaAgeSeconds * 1000);
    const credentials = issueCredentials(ctx, duration, () => ({
      kind: 'assumed-role',
      roleArn,
      sessionName,
      roleId,
      mfaAuthenticatedAt,
    }));
    return [
      credentials,
      el('AssumedRoleUser', [
        el('AssumedRoleId', `${roleId}:${sessionName}`),
        el('Arn', assumedRoleArn(roleArn, sessionName)),
      ]),
      el('SourceIdentity', sourceIdentity),
    ];
  },
};
