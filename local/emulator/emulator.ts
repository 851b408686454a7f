// The emulator without its HTTP server: account state, settings, faults, call counters and the
// dispatch of one Query-protocol request to its operation handler.
//
// One account state per AWS partition (partition.ts), as in AWS, where an aws-cn account is a
// separate account: a request acts on the state of the partition of its signing region, and
// its access key (long-term or from STS) is one that partition issued. `state` is the aws one.

import { randomUUID } from 'node:crypto';
import { readFile, writeFile } from 'node:fs/promises';
import { ChatInbox } from './chat.ts';
import { credentialScope } from './credential-scope.ts';
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
import { type Partition, partitionOfRequest } from './partition.ts';
import { applySeed, type SeedSpec, type SeedSummary } from './seed.ts';
import { SesService, type SesSettings } from './ses/service.ts';
import {
  type AccountState,
  createAccountState,
  DEFAULT_ACCOUNT_ID,
  type EmulatorStateJson,
  partitionsFromJson,
  partitionsToJson,
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
  /** Account ids of other partitions; default: `accountId`. */
  accountIds?: Partial<Record<Partition, string>>;
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
  settings: EmulatorSettings;
  readonly faults: FaultInjector;
  /** SES v2: email identities and the mail it accepted (ses/). */
  readonly ses: SesService;
  /** What was posted to the chat webhook (chat.ts). */
  readonly chat = new ChatInbox();
  /** IAM/STS/SES calls, whatever their partition; `callsIn` counts one partition's. */
  readonly calls = new CallCounter();
  private readonly callsByPartition = new Map<Partition, CallCounter>();
  readonly outcomes = new OutcomeCounter();
  /** Added to the wall clock: lets tests move time forward (report ages, TOTP steps). */
  clockOffsetMs = 0;
  readonly stateFile?: string;
  /** Account states by partition, made on first use; aws always exists. */
  private readonly states = new Map<Partition, AccountState>();
  /** Temporary credentials issued by STS, by partition and access key id. */
  private readonly sessions = new Map<Partition, Map<string, Caller>>();

  constructor(private readonly options: EmulatorOptions = {}) {
    this.states.set('aws', this.newState('aws', new Date()));
    this.settings = { ...DEFAULT_SETTINGS, ...options.settings };
    this.faults = new FaultInjector(options.faults);
    this.ses = new SesService(options.ses);
    this.stateFile = options.stateFile;
  }

  /** The account of the `aws` partition (the one of every request signed outside cn-/us-gov-). */
  get state(): AccountState {
    return this.stateOf('aws');
  }

  set state(state: AccountState) {
    if (state.partition !== 'aws')
      throw new Error(`emulator.state is aws's, not ${state.partition}'s`);
    this.states.set('aws', state);
  }

  /** The account of a partition, created empty the first time it is asked for. */
  stateOf(partition: Partition): AccountState {
    let state = this.states.get(partition);
    if (!state) {
      state = this.newState(partition, this.now());
      this.states.set(partition, state);
    }
    return state;
  }

  /** Partitions that have an account state so far (aws first). */
  partitions(): Partition[] {
    return [...this.states.keys()];
  }

  private newState(partition: Partition, now: Date): AccountState {
    const accountId =
      this.options.accountIds?.[partition] ?? this.options.accountId ?? DEFAULT_ACCOUNT_ID;
    return createAccountState(accountId, now, partition);
  }

  private sessionsOf(partition: Partition): Map<string, Caller> {
    let sessions = this.sessions.get(partition);
    if (!sessions) {
      sessions = new Map();
      this.sessions.set(partition, sessions);
    }
    return sessions;
  }

  /** IAM and STS calls signed for a region of this partition. */
  callsIn(partition: Partition): CallCounter {
    let calls = this.callsByPartition.get(partition);
    if (!calls) {
      calls = new CallCounter();
      this.callsByPartition.set(partition, calls);
    }
    return calls;
  }

  /** Zeroes the call counters, every partition's included. */
  resetCalls(): void {
    this.calls.reset();
    this.callsByPartition.clear();
  }

  now(): Date {
    return new Date(Date.now() + this.clockOffsetMs);
  }

  /** Back to empty accounts in every partition, default settings, no faults, zero counters, real time. */
  reset(): void {
    this.states.clear();
    this.states.set('aws', this.newState('aws', this.now()));
    this.settings = { ...DEFAULT_SETTINGS, ...this.options.settings };
    this.faults.configure({});
    this.resetCalls();
    this.outcomes.reset();
    this.ses.reset();
    this.chat.clear();
    this.sessions.clear();
    this.clockOffsetMs = 0;
  }

  seed(spec: SeedSpec, partition: Partition = 'aws'): SeedSummary {
    return applySeed(this.stateOf(partition), spec, this.now());
  }

  /** Writes every partition's account (EmulatorStateJson: aws's at the top, as ever). */
  async save(file = this.stateFile): Promise<string> {
    if (!file) throw new Error('no state file configured');
    const others = [...this.states.values()].filter((state) => state.partition !== 'aws');
    await writeFile(file, JSON.stringify(partitionsToJson(this.state, others)), 'utf8');
    return file;
  }

  /** Replaces every partition's account with the file's; one without `partitions` is aws's only. */
  async load(file = this.stateFile): Promise<string> {
    if (!file) throw new Error('no state file configured');
    const loaded = partitionsFromJson(
      JSON.parse(await readFile(file, 'utf8')) as EmulatorStateJson,
    );
    this.states.clear();
    for (const state of loaded) this.states.set(state.partition, state);
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
    const partition = partitionOfRequest(request.authorization);
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
    this.callsIn(partition).record(action);

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
      const caller = this.callerOf(partition, request.authorization);
      const result = await handler({
        state: this.stateOf(partition),
        params: new Params(params, table === stsOperations ? 'sts' : 'iam'),
        now: this.now(),
        caller,
        settings: this.settings,
        sessions: this.sessionsOf(partition),
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
  private callerOf(partition: Partition, authorization: string | undefined): Caller {
    const keyId = credentialScope(authorization)?.accessKeyId;
    if (keyId) {
      const session = this.sessionsOf(partition).get(keyId);
      if (session) return session;
      const state = this.stateOf(partition);
      const key = state.accessKeys.get(keyId);
      const user = key?.user === undefined ? undefined : state.users.get(key.user);
      // AWS refuses a deactivated key as it does an unknown one (docs/iam-facts.md §3
      // "Access keys"), and a key of another partition is unknown in this one (§10);
      // keys no partition knows still act as root here, so tests need no setup.
      if (key?.status === 'Inactive' || (!key && this.issuedElsewhere(partition, keyId))) {
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

  /** Whether another partition issued this key id (an access key or STS credentials). */
  private issuedElsewhere(partition: Partition, keyId: string): boolean {
    for (const [other, state] of this.states) {
      if (other !== partition && state.accessKeys.has(keyId)) return true;
    }
    for (const [other, sessions] of this.sessions) {
      if (other !== partition && sessions.has(keyId)) return true;
    }
    return false;
  }
}

function outcomeOf(response: QueryResponse): string {
  if (response.drop === 'before') return 'ConnectionDropped';
  if (response.status === 200) return 'OK';
  return /<Code>([^<]*)<\/Code>/.exec(response.body)?.[1] ?? String(response.status);
}

function versionFromScope(authorization: string | undefined): string | undefined {
  const service = credentialScope(authorization)?.service;
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
