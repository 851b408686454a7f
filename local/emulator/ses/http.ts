// The emulator's SES v2 face, mounted by http-server.ts on the paths `isSesPath` claims:
//   /v2/email/...                  the SES v2 REST-JSON API (restJson1), see ROUTES below
//   GET    /_emulator/mail          {"messages": [...]} accepted mail, oldest first
//   DELETE /_emulator/mail          empty the mailbox
//   GET    /_emulator/mailbox       the mailbox as a page for people (?id= selects a message)
//   GET    /_emulator/ses/settings  SesSettings        PATCH: change some
//   POST   /_emulator/ses/identities/{name}/verify   the owner clicked AWS's verification link
// SES actions go through the emulator's fault injection and call counters like IAM's.

import { randomUUID } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Emulator } from '../emulator.ts';
import { readBody } from '../http-server.ts';
import { signingRegion } from '../partition.ts';
import { badRequest, SesError, sesFault } from './errors.ts';
import { mailboxPage } from './mailbox-page.ts';
import type { EmailIdentity, SesService, SesSettings } from './service.ts';

export function isSesPath(pathname: string): boolean {
  return (
    pathname.startsWith('/v2/email/') ||
    pathname === '/_emulator/mail' ||
    pathname === '/_emulator/mailbox' ||
    pathname.startsWith('/_emulator/ses/')
  );
}

interface SesCall {
  ses: SesService;
  body: unknown;
  query: URLSearchParams;
  /** The `{EmailIdentity}` path label, decoded. */
  label: string;
  region: string;
  now: Date;
}

type Handler = (call: SesCall) => unknown;

/** Method, path pattern, action name, handler; the paths are the SES v2 model's. */
const ROUTES: [string, RegExp, string, Handler][] = [
  ['POST', /^\/v2\/email\/outbound-emails$/, 'SendEmail', sendEmail],
  ['POST', /^\/v2\/email\/identities$/, 'CreateEmailIdentity', createEmailIdentity],
  // Newer models list with POST /list-identities; older ones (botocore) GET /identities.
  ['POST', /^\/v2\/email\/list-identities$/, 'ListEmailIdentities', listEmailIdentities],
  ['GET', /^\/v2\/email\/identities$/, 'ListEmailIdentities', listEmailIdentities],
  ['GET', /^\/v2\/email\/identities\/([^/]+)$/, 'GetEmailIdentity', getEmailIdentity],
  ['DELETE', /^\/v2\/email\/identities\/([^/]+)$/, 'DeleteEmailIdentity', deleteEmailIdentity],
];

export async function serveSes(
  emulator: Emulator,
  url: URL,
  req: IncomingMessage,
  res: ServerResponse,
): Promise<void> {
  const raw = await readBody(req);
  if (raw === undefined) return sendJson(res, 413, { error: 'body too large' });
  if (url.pathname.startsWith('/_emulator/')) return control(emulator, url, req, res, raw);

  const requestId = randomUUID();
  const route = ROUTES.find(([method, path]) => method === req.method && path.test(url.pathname));
  if (!route) {
    return sendError(
      res,
      requestId,
      new SesError(
        'UnknownOperationException',
        404,
        `No SES v2 operation at ${req.method} ${url.pathname}`,
      ),
    );
  }
  const [, path, action, handler] = route;
  emulator.calls.record(action);
  const outcome = await answer(emulator, action, async () => {
    let body: unknown = {};
    try {
      body = raw ? JSON.parse(raw) : {};
    } catch {
      throw new SesError('SerializationException', 400, 'Request body is not valid JSON.');
    }
    return handler({
      ses: emulator.ses,
      body,
      query: url.searchParams,
      label: decodeURIComponent(path.exec(url.pathname)?.[1] ?? ''),
      // SES names the region in some refusals; unsigned requests are us-east-1's.
      region: signingRegion(req.headers.authorization) ?? 'us-east-1',
      now: emulator.now(),
    });
  });
  // As for IAM: a lost response whose work was done counts as OK (faults.ts OutcomeCounter).
  emulator.outcomes.record(
    action,
    outcome.kind === 'error'
      ? outcome.error.code
      : outcome.kind === 'drop' && !outcome.done
        ? 'ConnectionDropped'
        : 'OK',
  );
  if (outcome.kind === 'drop') {
    // As for IAM: the client sees a socket reset, whether or not the work was done.
    req.socket.resetAndDestroy();
    return;
  }
  if (outcome.kind === 'error') return sendError(res, requestId, outcome.error);
  const json = JSON.stringify(outcome.value ?? {});
  res.writeHead(200, {
    'content-type': 'application/json',
    'x-amzn-RequestId': requestId,
    'content-length': Buffer.byteLength(json),
  });
  res.end(json);
}

type Outcome =
  | { kind: 'ok'; value: unknown }
  | { kind: 'error'; error: SesError }
  | { kind: 'drop'; done: boolean };

/** Fault injection first (as for IAM), then the handler; SES errors become outcomes. */
async function answer(
  emulator: Emulator,
  action: string,
  run: () => Promise<unknown>,
): Promise<Outcome> {
  const latency = emulator.faults.latencyFor(action);
  if (latency > 0) await new Promise((resolve) => setTimeout(resolve, latency));
  const decision = emulator.faults.decide(action);
  if (decision.kind === 'error') return { kind: 'error', error: sesFault(decision.error, action) };
  if (decision.kind === 'drop-before') return { kind: 'drop', done: false };
  try {
    const value = await run();
    return decision.kind === 'drop-after' ? { kind: 'drop', done: true } : { kind: 'ok', value };
  } catch (error) {
    if (error instanceof SesError) return { kind: 'error', error };
    console.error(`emulator: ${action} failed unexpectedly`, error);
    return {
      kind: 'error',
      error: new SesError('InternalServiceErrorException', 500, 'Internal service error.'),
    };
  }
}

function sendEmail({ ses, body, region, now }: SesCall) {
  return { MessageId: ses.send(body, region, now).id };
}

function createEmailIdentity({ ses, body }: SesCall) {
  const input = (body ?? {}) as { EmailIdentity?: unknown; Tags?: unknown };
  const identity = ses.createIdentity(input.EmailIdentity, input.Tags);
  return {
    IdentityType: identity.type,
    VerifiedForSendingStatus: identity.verified,
    ...(identity.type === 'DOMAIN' ? { DkimAttributes: dkimAttributes(identity) } : {}),
  };
}

function getEmailIdentity({ ses, label }: SesCall) {
  const identity = ses.getIdentity(label);
  return {
    IdentityType: identity.type,
    FeedbackForwardingStatus: true,
    VerifiedForSendingStatus: identity.verified,
    DkimAttributes: dkimAttributes(identity),
    MailFromAttributes: { BehaviorOnMxFailure: 'USE_DEFAULT_VALUE' },
    Policies: {},
    Tags: identity.tags,
    VerificationStatus: verificationStatus(identity),
    VerificationInfo: {},
  };
}

function deleteEmailIdentity({ ses, label }: SesCall) {
  ses.deleteIdentity(label);
  return {};
}

/** Pages of PageSize (default and maximum 1000); NextToken is the offset of the next page. */
function listEmailIdentities({ ses, body, query }: SesCall) {
  const input = (body ?? {}) as { PageSize?: unknown; NextToken?: unknown };
  const pageSize = Number(input.PageSize ?? query.get('PageSize') ?? 1000);
  const token = input.NextToken ?? query.get('NextToken') ?? undefined;
  const start =
    token === undefined ? 0 : Number(Buffer.from(String(token), 'base64url').toString());
  if (!Number.isInteger(pageSize) || pageSize < 1 || pageSize > 1000) {
    throw badRequest('PageSize must be between 1 and 1000.');
  }
  if (!Number.isInteger(start) || start < 0) {
    throw badRequest('Invalid NextToken.');
  }
  const all = ses.listIdentities();
  const page = all.slice(start, start + pageSize);
  const next = start + pageSize < all.length ? start + pageSize : undefined;
  return {
    EmailIdentities: page.map((identity) => ({
      IdentityType: identity.type,
      IdentityName: identity.name,
      SendingEnabled: identity.verified,
      VerificationStatus: verificationStatus(identity),
    })),
    ...(next === undefined ? {} : { NextToken: Buffer.from(String(next)).toString('base64url') }),
  };
}

const verificationStatus = (identity: EmailIdentity) => (identity.verified ? 'SUCCESS' : 'PENDING');

function dkimAttributes(identity: EmailIdentity) {
  if (identity.type === 'EMAIL_ADDRESS') {
    return {
      SigningEnabled: false,
      Status: 'NOT_STARTED',
      SigningAttributesOrigin: 'AWS_SES',
      NextSigningKeyLength: 'RSA_1024_BIT',
    };
  }
  return {
    SigningEnabled: true,
    Status: identity.verified ? 'SUCCESS' : 'PENDING',
    Tokens: identity.dkimTokens,
    SigningAttributesOrigin: 'AWS_SES',
    NextSigningKeyLength: 'RSA_2048_BIT',
    CurrentSigningKeyLength: 'RSA_2048_BIT',
  };
}

async function control(
  emulator: Emulator,
  url: URL,
  req: IncomingMessage,
  res: ServerResponse,
  raw: string,
): Promise<void> {
  const { ses } = emulator;
  const route = `${req.method} ${url.pathname.slice('/_emulator'.length)}`;
  let input: unknown = {};
  try {
    input = raw ? JSON.parse(raw) : {};
  } catch {
    return sendJson(res, 400, { error: 'body must be JSON' });
  }
  try {
    if (route === 'GET /mail') return sendJson(res, 200, { messages: ses.messages() });
    if (route === 'DELETE /mail') {
      ses.clearMail();
      return sendJson(res, 200, { messages: [] });
    }
    if (route === 'GET /mailbox') {
      const page = mailboxPage(
        ses.messages(),
        url.searchParams.get('id') ?? undefined,
        emulator.chat.posts(),
      );
      res.writeHead(200, {
        'content-type': 'text/html; charset=utf-8',
        'content-length': Buffer.byteLength(page),
        // The page has no scripts; the mail's HTML sits in a sandboxed iframe besides.
        'content-security-policy':
          "default-src 'none'; style-src 'unsafe-inline'; img-src data:; frame-src 'self'",
        'x-content-type-options': 'nosniff',
      });
      res.end(page);
      return;
    }
    if (route === 'GET /ses/settings') return sendJson(res, 200, ses.settings);
    if (route === 'PATCH /ses/settings') {
      return sendJson(res, 200, ses.configure(input as Partial<SesSettings>));
    }
    const verify = /^POST \/ses\/identities\/([^/]+)\/verify$/.exec(route);
    if (verify) {
      const identity = ses.verify(decodeURIComponent(verify[1] as string));
      return sendJson(res, 200, { identity: identity.name, verified: identity.verified });
    }
    return sendJson(res, 404, { error: `no control route ${route}` });
  } catch (error) {
    return sendJson(res, error instanceof SesError && error.status === 404 ? 404 : 400, {
      error: error instanceof Error ? error.message : String(error),
    });
  }
}

function sendError(res: ServerResponse, requestId: string, error: SesError): void {
  const json = JSON.stringify({ message: error.message });
  res.writeHead(error.status, {
    'content-type': 'application/json',
    'x-amzn-ErrorType': error.code,
    'x-amzn-RequestId': requestId,
    'content-length': Buffer.byteLength(json),
  });
  res.end(json);
}

function sendJson(res: ServerResponse, status: number, value: unknown): void {
  const json = JSON.stringify(value);
  res.writeHead(status, {
    'content-type': 'application/json',
    'content-length': Buffer.byteLength(json),
  });
  res.end(json);
}
