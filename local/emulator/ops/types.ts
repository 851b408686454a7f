// The contract between the server and the operation handlers.

import type { Params } from '../params.ts';
import type { AccessKeyRecord, AccountState, UserRecord } from '../state.ts';
import type { XmlNode } from '../xml.ts';

export interface EmulatorSettings {
  /**
   * How many 30 s TOTP steps either side of now a consecutive code pair may start at.
   * AWS's real window is UNCONFIRMED (docs/iam-facts.md §4); 2 lets a person read two codes,
   * type them and submit, as the console allows.
   */
  totpWindowSteps: number;
  /** How long a credential report takes to build (STARTED/INPROGRESS until then). */
  credentialReportBuildMs: number;
  /** A credential report younger than this is reused by GenerateCredentialReport (UG: 4 h). */
  credentialReportReuseMs: number;
  /** After this age GetCredentialReport answers ReportExpired (UNCONFIRMED; we use 4 h). */
  credentialReportExpiryMs: number;
}

/**
 * Who signed the request: an IAM user (known access key), a role session, or root. Sessions
 * made with an MFA code remember when, for the MFA condition keys of trust policies.
 */
export type Caller =
  | { kind: 'root' }
  | { kind: 'user'; user: UserRecord; key: AccessKeyRecord; mfaAuthenticatedAt?: Date }
  | {
      kind: 'assumed-role';
      roleArn: string;
      sessionName: string;
      roleId: string;
      mfaAuthenticatedAt?: Date;
    };

export interface OpContext {
  state: AccountState;
  params: Params;
  now: Date;
  caller: Caller;
  settings: EmulatorSettings;
  /** Session credentials issued by STS, so a later call signed with them knows its caller. */
  sessions: Map<string, Caller>;
}

/** Returns the children of `<OpResult>`, or undefined for operations without output. */
export type OpHandler = (ctx: OpContext) => XmlNode[] | undefined | Promise<XmlNode[] | undefined>;

export type OpTable = Record<string, OpHandler>;
