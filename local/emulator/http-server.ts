// The emulator's HTTP face: the IAM/STS Query protocol on POST (and GET) to any path, plus a
// JSON control API under /_emulator/ for tests, benchmarks and `npm start`:
//   GET  /_emulator/health            account id
//   GET  /_emulator/calls             calls per action      DELETE: zero the counters
//   GET  /_emulator/outcomes          how calls ended, per action and code   DELETE: zero them
//   GET  /_emulator/faults            fault configuration   PUT: replace it (FaultConfig JSON)
//   GET  /_emulator/settings          TOTP window, report timings   PATCH: change some
//   PUT  /_emulator/clock             {"offsetMs"} or {"advanceMs"}: move the emulator's clock
//   POST /_emulator/seed              SeedSpec JSON: bulk users, groups, devices
//   POST /_emulator/reset             empty accounts (every partition), default settings, no faults
//   POST /_emulator/save | /load      the JSON state file given at start (every partition)
//   GET  /_emulator/state             the whole state as JSON (a test tool: it includes seeds)
//   POST /_emulator/chat              a chat webhook (Slack-compatible) for the digest: chat.ts
//   GET  /_emulator/chat              {"posts": [...]} what was posted   DELETE: forget them
// health, seed and state act on one partition's account: `?partition=aws-cn` or `aws-us-gov`,
// default `aws` (partition.ts); calls with `?partition=` counts that partition's IAM/STS calls.

import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Emulator, type EmulatorOptions } from './emulator.ts';
import type { FaultConfig } from './faults.ts';
import type { EmulatorSettings } from './ops/types.ts';
import { isPartition, PARTITIONS, type Partition } from './partition.ts';
import type { SeedSpec } from './seed.ts';
import { isSesPath, serveSes } from './ses/http.ts';
import { stateToJson } from './state.ts';

export interface StartOptions extends EmulatorOptions {
  port?: number;
  host?: string;
  /** Load the state file at start when it exists. */
  loadState?: boolean;
}

export interface RunningEmulator {
  url: string;
  port: number;
  emulator: Emulator;
  stop(): Promise<void>;
}

const MAX_BODY_BYTES = 10 * 1024 * 1024;

export async function startEmulator(options: StartOptions = {}): Promise<RunningEmulator> {
  const emulator = new Emulator(options);
  if (options.loadState && options.stateFile) {
    try {
      await emulator.load();
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
    }
  }
  const server = createServer((req, res) => {
    serve(emulator, req, res).catch((error: unknown) => {
      console.error('emulator: request failed', error);
      if (!res.headersSent) res.writeHead(500).end();
      else res.destroy();
    });
  });
  server.keepAliveTimeout = 5_000;
  const host = options.host ?? '127.0.0.1';
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, host, resolve);
  });
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://${host.includes(':') ? `[${host}]` : host}:${port}`,
    port,
    emulator,
    stop: () => closeServer(server),
  };
}

async function serve(emulator: Emulator, req: IncomingMessage, res: ServerResponse): Promise<void> {
  const url = new URL(req.url ?? '/', 'http://emulator');
  // SES v2 (REST-JSON under /v2/email/) and its mailbox (/_emulator/mail*): ses/http.ts.
  if (isSesPath(url.pathname)) return serveSes(emulator, url, req, res);
  if (url.pathname.startsWith('/_emulator/')) return control(emulator, url, req, res);

  const body = await readBody(req);
  if (body === undefined) return sendJson(res, 413, { error: 'body too large' });
  const params = new URLSearchParams(req.method === 'GET' ? url.search : body);
  const response = await emulator.handle({ params, authorization: req.headers.authorization });
  if (response.drop) {
    // A dropped connection: the client sees a socket reset (ECONNRESET), as after a network fault.
    req.socket.resetAndDestroy();
    return;
  }
  res.writeHead(response.status, {
    'content-type': 'text/xml',
    'x-amzn-RequestId': response.requestId,
    'content-length': Buffer.byteLength(response.body),
  });
  res.end(response.body);
}

async function control(
  emulator: Emulator,
  url: URL,
  req: IncomingMessage,
  res: ServerResponse,
): Promise<void> {
  const route = `${req.method} ${url.pathname.slice('/_emulator'.length)}`;
  const body = await readBody(req);
  if (route === 'POST /chat') return postChat(emulator, res, body);
  let input: unknown = {};
  try {
    input = body ? JSON.parse(body) : {};
  } catch {
    return sendJson(res, 400, { error: 'body must be JSON' });
  }
  try {
    const partition = partitionParam(url);
    switch (route) {
      case 'GET /health':
        return sendJson(res, 200, { ok: true, accountId: emulator.stateOf(partition).accountId });
      case 'GET /calls': {
        // Without ?partition=, every call, as before partitions existed.
        const calls = url.searchParams.has('partition')
          ? emulator.callsIn(partition)
          : emulator.calls;
        return sendJson(res, 200, calls.snapshot());
      }
      case 'DELETE /calls':
        emulator.resetCalls();
        return sendJson(res, 200, emulator.calls.snapshot());
      case 'GET /outcomes':
        return sendJson(res, 200, emulator.outcomes.snapshot());
      case 'DELETE /outcomes':
        emulator.outcomes.reset();
        return sendJson(res, 200, emulator.outcomes.snapshot());
      case 'GET /faults':
        return sendJson(res, 200, emulator.faults.current());
      case 'PUT /faults':
        emulator.faults.configure(input as FaultConfig);
        return sendJson(res, 200, emulator.faults.current());
      case 'GET /settings':
        return sendJson(res, 200, emulator.settings);
      case 'PATCH /settings':
        emulator.settings = { ...emulator.settings, ...(input as Partial<EmulatorSettings>) };
        return sendJson(res, 200, emulator.settings);
      case 'PUT /clock': {
        const { offsetMs, advanceMs } = input as { offsetMs?: number; advanceMs?: number };
        if (typeof offsetMs === 'number') emulator.clockOffsetMs = offsetMs;
        if (typeof advanceMs === 'number') emulator.clockOffsetMs += advanceMs;
        return sendJson(res, 200, {
          offsetMs: emulator.clockOffsetMs,
          now: emulator.now().toISOString(),
        });
      }
      case 'POST /seed':
        return sendJson(res, 200, emulator.seed(input as SeedSpec, partition));
      case 'POST /reset':
        emulator.reset();
        return sendJson(res, 200, { ok: true });
      case 'POST /save':
        return sendJson(res, 200, { saved: await emulator.save() });
      case 'POST /load':
        return sendJson(res, 200, { loaded: await emulator.load() });
      case 'GET /state':
        return sendJson(res, 200, stateToJson(emulator.stateOf(partition)));
      case 'GET /chat':
        return sendJson(res, 200, { posts: emulator.chat.posts() });
      case 'DELETE /chat':
        emulator.chat.clear();
        return sendJson(res, 200, { posts: [] });
      default:
        return sendJson(res, 404, { error: `no control route ${route}` });
    }
  } catch (error) {
    return sendJson(res, 400, { error: error instanceof Error ? error.message : String(error) });
  }
}

/** A webhook post (chat.ts), answered in plain text as a chat service answers it. */
function postChat(emulator: Emulator, res: ServerResponse, body: string | undefined): void {
  const error = body === undefined ? 'invalid_payload' : emulator.chat.post(body, emulator.now());
  res.writeHead(error ? 400 : 200, { 'content-type': 'text/plain' });
  res.end(error ?? 'ok');
}

/** `?partition=`, default aws; anything else is a 400 naming the partitions there are. */
function partitionParam(url: URL): Partition {
  const value = url.searchParams.get('partition') ?? 'aws';
  if (!isPartition(value)) {
    throw new Error(`unknown partition ${JSON.stringify(value)} (one of ${PARTITIONS.join(', ')})`);
  }
  return value;
}

function sendJson(res: ServerResponse, status: number, value: unknown): void {
  const body = JSON.stringify(value);
  res.writeHead(status, {
    'content-type': 'application/json',
    'content-length': Buffer.byteLength(body),
  });
  res.end(body);
}

export async function readBody(req: IncomingMessage): Promise<string | undefined> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    size += (chunk as Buffer).length;
    if (size > MAX_BODY_BYTES) return undefined;
    chunks.push(chunk as Buffer);
  }
  return Buffer.concat(chunks).toString('utf8');
}

function closeServer(server: Server): Promise<void> {
  return new Promise((resolve, reject) => {
    server.close((error) => (error ? reject(error) : resolve()));
    server.closeAllConnections();
  });
}
