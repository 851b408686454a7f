// The service's own overhead over HTTP, with no faults and no added IAM latency: requests/s
// and latency of the page and of the status API (which calls the emulator), side by side with
// a bare Hono app answering bodies of the same sizes. autocannon fires from a worker thread;
// the service, the emulator and the bare app share this process (on a 2-CPU box they also
// share the CPUs with the load generator). Prints a table, never asserts.
//
//   npm run bench -- --only overhead

import type { AddressInfo } from 'node:net';
import { serve } from '@hono/node-server';
import autocannon from 'autocannon';
import { Hono } from 'hono';
import { newApiKey } from '../../functions/admin/api-keys.ts';
import { startLocalStack } from '../../local/dev-stack.ts';

const CONNECTIONS = 10;
const DURATION_S = 10;

interface Row {
  label: string;
  bytes: number;
  result: autocannon.Result;
  iamCallsPerRequest?: number;
}

async function cannon(url: string, headers: Record<string, string> = {}) {
  return autocannon({
    url,
    headers,
    connections: CONNECTIONS,
    duration: DURATION_S,
    workers: 1,
  });
}

export async function overhead(): Promise<void> {
  const apiKey = newApiKey().key;
  const stack = await startLocalStack({
    env: { PORT: '0', API_KEY: apiKey },
    write: () => {},
    seedDemo: true,
  });
  const em = stack.emulator?.emulator;
  if (!em) throw new Error('the overhead benchmark needs the embedded emulator');
  em.faults.configure({});

  const invitation = await stack.issueInvitation('tanaka.hanako');
  const token = invitation.url.split('#')[1] as string;
  const auth = { authorization: `Bearer ${token}` };

  // Bodies for the bare app: exactly what the service answers.
  const page = await (await fetch(`${stack.url}/onboard`)).text();
  const statusRes = await fetch(`${stack.url}/api/enrollment`, { headers: auth });
  const statusJson = await statusRes.text();
  if (statusRes.status !== 200) throw new Error(`GET /api/enrollment: HTTP ${statusRes.status}`);
  const statusBody = JSON.parse(statusJson) as Record<string, unknown>;

  const bare = new Hono();
  bare.get('/json', (c) => c.json(statusBody));
  bare.get('/html', (c) => c.html(page));
  const bareServer = serve({ fetch: bare.fetch, port: 0, hostname: '127.0.0.1' });
  await new Promise<void>((resolve, reject) => {
    bareServer.once('listening', resolve);
    bareServer.once('error', reject);
  });
  const bareUrl = `http://127.0.0.1:${(bareServer.address() as AddressInfo).port}`;

  console.log(
    `\nThe service's own overhead (autocannon: ${CONNECTIONS} connections, ${DURATION_S} s each, one worker thread; ` +
      'no faults, no added IAM latency; service, emulator and bare app in this process):',
  );
  const rows: Row[] = [];
  rows.push({
    label: '(a) GET /onboard (the page)',
    bytes: Buffer.byteLength(page),
    result: await cannon(`${stack.url}/onboard`),
  });
  em.calls.reset();
  const status = await cannon(`${stack.url}/api/enrollment`, auth);
  const statusCalls = em.calls.snapshot();
  rows.push({
    label: '(b) GET /api/enrollment (IAM calls)',
    bytes: Buffer.byteLength(statusJson),
    result: status,
    iamCallsPerRequest: statusCalls.total / Math.max(1, status.requests.total),
  });
  rows.push({
    label: '(c) bare Hono, same JSON',
    bytes: Buffer.byteLength(statusJson),
    result: await cannon(`${bareUrl}/json`),
  });
  rows.push({
    label: '(d) bare Hono, same HTML',
    bytes: Buffer.byteLength(page),
    result: await cannon(`${bareUrl}/html`),
  });

  const cols = ['body', 'req/s', 'mean ms*', 'p50 ms', 'p99 ms', 'non-2xx', 'errors'];
  console.log(`  ${''.padEnd(38)}${cols.map((h) => h.padStart(9)).join('')}`);
  for (const { label, bytes, result } of rows) {
    const cells = [
      `${(bytes / 1024).toFixed(1)} KB`,
      result.requests.average.toFixed(0),
      ((CONNECTIONS / result.requests.average) * 1000).toFixed(2),
      String(result.latency.p50),
      String(result.latency.p99),
      String(result.non2xx),
      String(result.errors + result.timeouts),
    ];
    console.log(`  ${label.padEnd(38)}${cells.map((c) => c.padStart(9)).join('')}`);
  }
  console.log(
    "  * connections ÷ req/s (Little's law): autocannon's own latencies are whole milliseconds.",
  );
  const [a, b, c, d] = rows.map((r) => r.result.requests.average) as [
    number,
    number,
    number,
    number,
  ];
  console.log(
    `  Ratios: page ${(d / a).toFixed(1)}× slower than bare HTML; status ${(c / b).toFixed(1)}× slower than bare JSON ` +
      `(${rows[1]?.iamCallsPerRequest?.toFixed(2)} IAM calls per request: ${Object.entries(
        statusCalls.byAction,
      )
        .map(([action, n]) => `${action} ${n}`)
        .join(', ')})`,
  );

  await new Promise<void>((resolve) => bareServer.close(() => resolve()));
  await stack.stop();
}
