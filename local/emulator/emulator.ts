// The emulator without its HTTP server: account state, settings, faults, call counters and the
// dispatch of one Query-protocol request to its operation handler.

import { randomUUID } from 'node:crypto';
import { readFile, writeFile } from 'node:fs/promises';
import { AwsError } from './errors.ts';
import {
  CallCounter,
  type FaultConfig,
  type FaultDecision,
  FaultInjector,
  OutcomeCounter,
} from './faults.ts';
import { iamOperations } from './ops/iam.ts';
import { stsOperations } from './ops/sts.ts';
import type { Caller, EmulatorSettings, OpTable } from './ops/types.ts';
import { Params } from './params.ts';
import { applySeed, type SeedSpec, type SeedSummary } from './seed.ts';
import { SesService, type SesSettings } from './ses/service.ts';
import {
  type AccountState,
  type AccountStateJson,
  createAccountState,
  DEFAULT_ACCOUNT_ID,
  stateFromJson,
  stateToJson,
} from './state.ts';
import { el, escapeXml } from './xml.ts';

export const IAM_VERSION = '2010-05-08';
export const STS_VERSION = '2011-06-15';
const NAMESPACES: Record<string, string> = {
  [IAM_VERSION]: 'https://iam.amazonaws.com/doc/2010-05-08/',
  [STS_VERSION]: 'https://sts.amazonaws.com/doc/2011-06-15/',
};

export const DEFAULT_SETTINGS: EmulatorSettings = {
  totpWindowSteps: 2,
  credentialReportBuildMs: 500,
  credentialReportReuseMs: 4 * 60 * 60 * 1000,
  credentialReportExpiryMs: 4 * 60 * 60 * 1000,
};

export interface EmulatorOptions {
  accountId?: string;
  settings?: Partial<EmulatorSettings>;
  faults?: FaultConfig;
  /** Where save()/load() keep the state as JSON. */
  stateFile?: string;
  /** SES settings at start and after reset (ses/service.ts). */
  ses?: Partial<SesSettings>;
}

export interface QueryRequest {
  /** Decoded form members (and query-string members for GET). */
  params: URLSearchParams;
  /** The `Authorization` header, to tell who signed the request. */
  authorization?: string;
}

export interface QueryResponse {
  status: number;
  requestId: string;
  body: string;
  /** The service-side work is done, but the connection should be dropped (a lost response). */
  drop?: 'before' | 'after';
}

export class Emulator {
  state: AccountState;
  settings: EmulatorSettings;
  readonly faults: FaultInjector;
  /** SES v2: email identities and the mail it accepted (ses/). */
  readonly ses: SesService;
  readonly calls = new CallCounter();
  readonly outcomes = new OutcomeCounter();
  /** Temporary credentials issued by STS, by access key id. */
  readonly sessions = new Map<string, Caller>();
  /** Added to the wall clock: lets tests move time forward (report ages, TOTP steps). */
  clockOffsetMs = 0;
  readonly stateFile?: string;

  constructor(private readonly options: EmulatorOptions = {}) {
    this.state = createAccountState(options.accountId ?? DEFAULT_ACCOUNT_ID);
    this.settings = { ...DEFAULT_SETTINGS, ...options.settings };
    this.faults = new FaultInjector(options.faults);
    this.ses = new SesService(options.ses);
    this.stateFile = options.stateFile;
  }

  now(): Date {
    return new Date(Date.now() + this.clockOffsetMs);
  }

  /** Back to an empty account, default settings, no faults, zero counters, real time. */
  reset(): void {
    this.state = createAccountState(this.options.accountId ?? DEFAULT_ACCOUNT_ID, this.now());
    this.settings = { ...DEFAULT_SETTINGS, ...this.options.settings };
    this.faults.configure({});
    this.calls.reset();
    this.outcomes.reset();
    this.ses.reset();
    this.sessions.clear();
    this.clockOffsetMs = 0;
  }

  seed(spec: SeedSpec): SeedSummary {
    return applySeed(this.state, spec, this.now());
  }

  async save(file = this.stateFile): Promise<string> {
    if (!file) throw new Error('no state file configured');
    await writeFile(file, JSON.stringify(stateToJson(this.state)), 'utf8');
    return file;
  }

  async load(file = this.stateFile): Promise<string> {
    if (!file) throw new Error('no state file configured');
    this.state = stateFromJson(JSON.parse(await readFile(file, 'utf8')) as AccountStateJson);
    this.sessions.clear();
    return file;
  }

  /** Runs one request through fault injection and its operation handler. */
  async handle(request: QueryRequest): Promise<QueryResponse> {
    const response = await this.answer(request);
    const action = request.params.get('Action');
    if (action) this.outcomes.record(action, outcomeOf(response));
    return response;
  }

  private async answer(request: QueryRequest): Promise<QueryResponse> {
    const requestId = randomUUID();
    const { params } = request;
    const version = params.get('Version') ?? versionFromScope(request.authorization) ?? IAM_VERSION;
    const action = params.get('Action');
    const namespace = NAMESPACES[version] ?? NAMESPACES[IAM_VERSION] ?? '';
    const fail = (error: AwsError): QueryResponse => ({
      status: error.status,
      requestId,
      body: errorXml(error, requestId, namespace),
    });

    if (!action) return fail(new AwsError('MissingAction', 400, 'Missing Action'));
    this.calls.record(action);

    const latency = this.faults.latencyFor(action);
    if (latency > 0) await sleep(latency);
    const decision: FaultDecision = this.faults.decide(action);
    if (decision.kind === 'error') return fail(decision.error);
    if (decision.kind === 'drop-before') return { status: 0, requestId, body: '', drop: 'before' };

    const table: OpTable | undefined =
      version === IAM_VERSION ? iamOperations : version === STS_VERSION ? stsOperations : undefined;
    if (!table) {
      return fail(
        new AwsError(
          'InvalidAction',
          400,
          `Could not find operation ${action} for version ${version}`,
        ),
      );
    }
    const handler = Object.hasOwn(table, action) ? table[action] : undefined;
    if (!handler) {
      return fail(
        new AwsError(
          'InvalidAction',
          400,
          `Could not find operation ${action} for version ${version}`,
        ),
      );
    }

    try {
      const caller = this.callerOf(request.authorization);
      const result = await handler({
        state: this.state,
        params: new Params(params, table === stsOperations ? 'sts' : 'iam'),
        now: this.now(),
        caller,
        settings: this.settings,
        sessions: this.sessions,
      });
      const body =
        `<${action}Response xmlns="${namespace}">` +
        (result === undefined ? '' : el(`${action}Result`, result.length === 0 ? [''] : result)) +
        `<ResponseMetadata><RequestId>${requestId}</RequestId></ResponseMetadata>` +
        `</${action}Response>`;
      return {
        status: 200,
        requestId,
        body,
        drop: decision.kind === 'drop-after' ? 'after' : undefined,
      };
    } catch (error) {
      if (error instanceof AwsError) return fail(error);
      console.error(`emulator: ${action} failed unexpectedly`, error);
      return fail(new AwsError('InternalFailure', 500, 'An internal error occurred.'));
    }
  }

  /** The access key id in the SigV4 `Credential=` scope names the caller. */
  private callerOf(authorization: string | undefined): Caller {
    const keyId = /Credential=([^/,\s]+)\//.exec(authorization ?? '')?.[1];
    if (keyId) {
      const session = this.sessions.get(keyId);
      if (session) return session;
      const key = this.state.accessKeys.get(keyId);
      const user = key?.user === undefined ? undefined : this.state.users.get(key.user);
      // AWS refuses a deactivated key as it does an unknown one (docs/iam-facts.md §3
      // "Access keys"); unknown keys still act as root here, so tests need no setup.
      if (key?.status === 'Inactive') {
        throw new AwsError(
          'InvalidClientTokenId',
          403,
          'The security token included in the request is invalid.',
        );
      }
      if (key && user) return { kind: 'user', user, key };
    }
    return { kind: 'root' };
  }
}

function outcomeOf(response: QueryResponse): string {
  if (response.drop === 'before') return 'ConnectionDropped';
  if (response.status === 200) return 'OK';
  return /<Code>([^<]*)<\/Code>/.exec(response.body)?.[1] ?? String(response.status);
}

function versionFromScope(authorization: string | undefined): string | undefined {
  const service = /Credential=[^/]+\/\d{8}\/[^/]+\/([^/]+)\//.exec(authorization ?? '')?.[1];
  if (service === 'sts') return STS_VERSION;
  if (service === 'iam') return IAM_VERSION;
  return undefined;
}

function errorXml(error: AwsError, requestId: string, namespace: string): string {
  const message = error.hasMessage ? `<Message>${escapeXml(error.message)}</Message>` : '';
  return (
    `<ErrorResponse xmlns="${namespace}">` +
    `<Error><Type>${error.type}</Type><Code>${escapeXml(error.code)}</Code>${message}</Error>` +
    `<RequestId>${requestId}</RequestId>` +
    '</ErrorResponse>'
  );
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
