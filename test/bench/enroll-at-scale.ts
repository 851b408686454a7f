// 200 new hires enrolling at once through the service's real HTTP API (the local stack: one
// HTTP server hosting both apps, the emulator behind it), while IAM is throttled at 20 calls/s
// and fails or drops some calls. Each employee behaves like the page (web/app.ts) plus a
// patient human: status, device, activation, waiting and retrying on 503s and network errors.
// Prints how many finished, how long it took, every HTTP answer, every IAM call and its fate,
// and the final state read back from IAM once the faults are cleared. Never asserts.
//
//   npm run bench -- --only scale

import {
  IAMClient,
  ListMFADevicesCommand,
  paginateGetGroup,
  paginateListUserTags,
  paginateListVirtualMFADevices,
} from '@aws-sdk/client-iam';
import { newApiKey } from '../../functions/admin/api-keys.ts';
import { ATTEMPT_TAG_PREFIX } from '../../functions/config.ts';
import { startLocalStack } from '../../local/dev-stack.ts';
import type { Emulator } from '../../local/emulator/emulator.ts';
import { consecutiveCodes } from '../support/totp.ts';

const HIRES = 200;
const THROTTLE_RPS = 20;
const FAILURE_RATE = 0.05;
const DROP_RATE = 0.02;
/** Employees still not done this long after the start give up (counted as unfinished). */
const RUN_LIMIT_MS = 10 * 60_000;
/** An employee waits min(Retry-After, this) seconds plus up to JITTER_MS after a 503. */
const RETRY_AFTER_CAP_S = 2;
const JITTER_MS = 1_000;
/** After a network error or another 5xx: this plus up to JITTER_MS. */
const NETWORK_RETRY_MS = 1_000;
/** The browser's patience for one answer. */
const REQUEST_TIMEOUT_MS = 60_000;
/** A demo user enrolled alone, with no faults, first: the flow's undisturbed cost. */
const BASELINE_USER = 'new-hire';
const ROUTES = [
  'GET /api/enrollment',
  'POST /api/enrollment/device',
  'POST /api/enrollment/activate',
];

type Step = 'status' | 'device' | 'activate';

interface Answer {
  status: number; // 0: network error
  code?: string;
  retryAfter?: string | null;
  body: Record<string, unknown>;
  networkError?: string;
}

interface Outcome {
  name: string;
  done: boolean;
  ms: number;
  requests: number;
  /** Why an unfinished employee stopped. */
  reason?: string;
}

const ms = (start: number) => Math.round(performance.now() - start);
const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));
const jitter = () => Math.random() * JITTER_MS;
const percentile = (values: number[], p: number) => {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted.length === 0
    ? Number.NaN
    : (sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)] as number);
};
const secs = (ms: number) => `${(ms / 1000).toFixed(1)} s`;
const sum = (values: Iterable<number>) => [...values].reduce((a, b) => a + b, 0);
const list = (counts: Map<string, number> | Record<string, number>) =>
  [...(counts instanceof Map ? counts.entries() : Object.entries(counts))]
    .sort(([a], [b]) => a.localeCompare(b))
    .map(([k, n]) => `${k} ${n}`)
    .join(', ');
const bump = (map: Map<string, number>, key: string, by = 1) =>
  map.set(key, (map.get(key) ?? 0) + by);

/**
 * The most code attempts each user's invitation had counted against it at any moment: after every
 * TagUser or UntagUser the emulator answers, the user's attempt keys are counted in the emulator's
 * state (a request takes its key back when its check was never made, so writes alone overcount).
 */
function trackAttempts(em: Emulator): { peakAttempts: Map<string, number>; stop: () => void } {
  const peakAttempts = new Map<string, number>();
  const original = em.handle;
  em.handle = async (request) => {
    const response = await original.call(em, request);
    const action = request.params.get('Action');
    if ((action === 'TagUser' || action === 'UntagUser') && response.status === 200) {
      const name = request.params.get('UserName') ?? '?';
      const user = em.state.users.get(name.toLowerCase());
      const attempts = (user?.tags ?? []).filter((t) =>
        t.key.startsWith(ATTEMPT_TAG_PREFIX),
      ).length;
      peakAttempts.set(name, Math.max(peakAttempts.get(name) ?? 0, attempts));
    }
    return response;
  };
  return { peakAttempts, stop: () => Reflect.deleteProperty(em, 'handle') };
}

export async function enrollAtScale(): Promise<void> {
  const apiKey = newApiKey().key;
  const errorLines: string[] = [];
  const stack = await startLocalStack({
    env: { PORT: '0', API_KEY: apiKey },
    // Silent, but the service's error lines (unexpected 500s) are kept as evidence.
    write: (line) => {
      if (line.includes('"level":"error"')) errorLines.push(line);
    },
    seedDemo: true,
  });
  const running = stack.emulator;
  if (!running) throw new Error('the scale benchmark needs the embedded emulator');
  const em = running.emulator;
  const names = Array.from({ length: HIRES }, (_, i) => `hire-${String(i + 1).padStart(3, '0')}`);
  em.seed({ users: names.map((name) => ({ name, password: true })) });

  console.log(
    `\n${HIRES} new hires enrolling at once, through the local stack's HTTP API (${stack.url}):`,
  );

  // ---- the links, issued by HR with no faults ----------------------------------------
  let t = performance.now();
  const tokens = new Map<string, string>();
  for (const userName of [BASELINE_USER, ...names]) {
    const res = await fetch(`${stack.url}/v1/invitations`, {
      method: 'POST',
      headers: { authorization: `Bearer ${apiKey}`, 'content-type': 'application/json' },
      body: JSON.stringify({ userName }),
    });
    const body = (await res.json()) as { url?: string };
    if (res.status !== 201 || !body.url)
      throw new Error(`POST /v1/invitations ${userName}: HTTP ${res.status}`);
    tokens.set(userName, body.url.split('#')[1] as string);
  }
  console.log(
    `  ${tokens.size} links issued (POST /v1/invitations, one at a time, no faults) in ${ms(t)} ms`,
  );

  // ---- one employee, as the page would behave ----------------------------------------
  /** route -> "503 service_unavailable" -> latencies (ms) */
  const answers = new Map<string, Map<string, number[]>>();
  const networkErrors = new Map<string, number>();
  let giveUpAt = Date.now() + RUN_LIMIT_MS;

  const send = async (
    token: string,
    method: 'GET' | 'POST',
    path: string,
    body?: unknown,
  ): Promise<Answer> => {
    let answer: Answer;
    const t0 = performance.now();
    try {
      const res = await fetch(`${stack.url}${path}`, {
        method,
        headers: {
          authorization: `Bearer ${token}`,
          ...(body === undefined ? {} : { 'content-type': 'application/json' }),
        },
        body: body === undefined ? undefined : JSON.stringify(body),
        signal: AbortSignal.timeout(REQUEST_TIMEOUT_MS),
      });
      const json = (await res.json().catch(() => ({}))) as Record<string, unknown>;
      const error = json.error as { code?: string } | undefined;
      answer = {
        status: res.status,
        code: error?.code,
        retryAfter: res.headers.get('retry-after'),
        body: json,
      };
    } catch (error) {
      const e = error as Error & { cause?: { code?: string; message?: string } };
      const detail = e.cause?.code ?? e.cause?.message ?? e.name;
      answer = { status: 0, body: {}, networkError: `${e.message} (${detail})` };
      bump(networkErrors, `${method} ${path}: ${answer.networkError}`);
    }
    const label = `${answer.status === 0 ? 'network error' : answer.status}${answer.code ? ` ${answer.code}` : ''}`;
    const route = answers.get(`${method} ${path}`) ?? new Map<string, number[]>();
    route.set(label, [...(route.get(label) ?? []), performance.now() - t0]);
    answers.set(`${method} ${path}`, route);
    return answer;
  };

  const employee = async (name: string): Promise<Outcome> => {
    const token = tokens.get(name) as string;
    const t0 = performance.now();
    let step: Step = 'status';
    let device: { serialNumber: string; secret: string } | undefined;
    /** Set when the status says the device is already enabled: activation finishes without codes. */
    let finishing: string | undefined;
    let requests = 0;
    let last = '';
    const outcome = (done: boolean, reason?: string): Outcome => ({
      name,
      done,
      ms: performance.now() - t0,
      requests,
      reason,
    });

    while (Date.now() < giveUpAt) {
      let answer: Answer;
      if (step === 'status') {
        answer = await send(token, 'GET', '/api/enrollment');
      } else if (step === 'device') {
        answer = await send(token, 'POST', '/api/enrollment/device');
      } else if (finishing) {
        answer = await send(token, 'POST', '/api/enrollment/activate', {
          serialNumber: finishing,
        });
      } else {
        const d = device as { serialNumber: string; secret: string };
        answer = await send(token, 'POST', '/api/enrollment/activate', {
          serialNumber: d.serialNumber,
          ...consecutiveCodes(d.secret),
        });
      }
      requests++;
      const { status, code, body } = answer;
      if (status < 200 || status >= 300)
        last = `${step} ${status === 0 ? answer.networkError : `${status} ${code ?? ''}`}`;

      if (status === 503) {
        const retryAfter = Number(answer.retryAfter);
        const waitS = Number.isFinite(retryAfter) && retryAfter > 0 ? retryAfter : 1;
        await sleep(Math.min(waitS, RETRY_AFTER_CAP_S) * 1000 + jitter());
        continue;
      }
      if (status === 0 || status >= 500) {
        await sleep(NETWORK_RETRY_MS + jitter());
        continue;
      }

      if (step === 'status') {
        if (status !== 200) return outcome(false, last);
        const devices = (body.mfaDevices ?? []) as { serialNumber: string }[];
        if (body.status === 'enrolled' && devices[0]) {
          // What the page does (finish()): the device is on, only the remaining steps are left.
          finishing = devices[0].serialNumber;
          step = 'activate';
        } else {
          step = 'device';
        }
      } else if (step === 'device') {
        if (status === 201) {
          device = { serialNumber: String(body.serialNumber), secret: String(body.secret) };
          finishing = undefined;
          step = 'activate';
        } else if (status === 409 && code === 'setup_in_progress') {
          // Try again.
        } else if (status === 409 && code === 'already_enrolled') {
          step = 'status'; // a reload: the page then finishes the remaining steps
        } else {
          return outcome(false, last);
        }
      } else {
        if (status === 200 && body.status === 'enrolled') return outcome(true);
        if (status === 409 && (code === 'device_missing' || code === 'setup_in_progress')) {
          step = 'device';
        } else if (status === 422 && code === 'invalid_code') {
          // New codes on the next round (the TOTP step may have rolled over).
          await sleep(jitter());
        } else if (
          (status === 409 && code === 'device_in_use') ||
          (status === 400 && (code === 'unknown_device' || code === 'codes_required'))
        ) {
          step = 'status'; // "reload the page to start again"
        } else {
          return outcome(false, last);
        }
      }
    }
    return outcome(false, `gave up after ${RUN_LIMIT_MS / 60_000} min (last: ${last || 'none'})`);
  };

  // ---- the baseline: one employee alone, no faults -----------------------------------
  em.calls.reset();
  const baseline = await employee(BASELINE_USER);
  const baselineCalls = em.calls.snapshot();
  console.log(
    `  Alone with no faults (${BASELINE_USER}): ${baseline.done ? 'enrolled' : `NOT enrolled (${baseline.reason})`}, ` +
      `${baseline.requests} requests, ${Math.round(baseline.ms)} ms, IAM calls ${baselineCalls.total}: ${list(baselineCalls.byAction)}`,
  );
  answers.clear();
  networkErrors.clear();

  // ---- everyone at once, under faults ------------------------------------------------
  em.calls.reset();
  em.outcomes.reset();
  const { peakAttempts, stop: stopCounting } = trackAttempts(em);
  em.faults.configure({
    throttle: { ratePerSecond: THROTTLE_RPS },
    failureRate: FAILURE_RATE,
    dropRate: DROP_RATE,
  });
  console.log(
    `  IAM conditions: throttled at ${THROTTLE_RPS} calls/s (one token bucket for all actions), ` +
      `${FAILURE_RATE * 100}% ServiceFailure, ${DROP_RATE * 100}% dropped connections`,
  );
  console.log(
    `  Employees: on 503 wait min(Retry-After, ${RETRY_AFTER_CAP_S}) s + 0–${JITTER_MS} ms jitter and retry the step; ` +
      `on a network error or another 5xx wait ${NETWORK_RETRY_MS} ms + jitter; give up ${RUN_LIMIT_MS / 60_000} min after the start`,
  );

  t = performance.now();
  giveUpAt = Date.now() + RUN_LIMIT_MS;
  const results = await Promise.all(names.map(employee));
  const wall = ms(t);
  stopCounting();
  em.faults.configure({});
  const calls = em.calls.snapshot();
  const outcomes = em.outcomes.snapshot(); // action -> outcome -> calls

  // ---- figures -----------------------------------------------------------------------
  const finished = results.filter((o) => o.done);
  const times = finished.map((o) => o.ms);
  console.log(
    `  Finished: ${finished.length} of ${HIRES}; wall time ${secs(wall)}; per finished employee ` +
      `p50 ${secs(percentile(times, 50))}, p99 ${secs(percentile(times, 99))}, max ${secs(Math.max(...times))}`,
  );
  const unfinished = results.filter((o) => !o.done);
  if (unfinished.length > 0) {
    const reasons = new Map<string, number>();
    for (const o of unfinished) bump(reasons, o.reason ?? 'unknown');
    console.log(`  Unfinished: ${unfinished.length}: ${list(reasons)}`);
    console.log(
      `    e.g. ${unfinished
        .slice(0, 5)
        .map((o) => o.name)
        .join(', ')}`,
    );
  }

  const perEmployee = results.map((o) => o.requests);
  console.log(
    `  HTTP answers (${sum(perEmployee)} requests; per employee p50 ${percentile(perEmployee, 50)}, ` +
      `max ${Math.max(...perEmployee)}), count (p50 / max latency):`,
  );
  for (const route of ROUTES) {
    const byLabel = answers.get(route);
    if (!byLabel) continue;
    const cells = [...byLabel.entries()]
      .sort(([a], [b]) => a.localeCompare(b))
      .map(
        ([label, lat]) =>
          `${label} ×${lat.length} (${secs(percentile(lat, 50))} / ${secs(Math.max(...lat))})`,
      );
    console.log(`    ${route.padEnd(30)} ${cells.join(', ')}`);
  }
  for (const [error, n] of networkErrors) console.log(`    network error ×${n}: ${error}`);
  if (errorLines.length > 0) {
    const events = new Map<string, number>();
    for (const line of errorLines) {
      const { event, errorName, errorCode, operation } = JSON.parse(line) as Record<string, string>;
      bump(events, [event, errorName, errorCode, operation].filter(Boolean).join(' '));
    }
    console.log(`  Service error log lines: ${errorLines.length}: ${list(events)}`);
  }

  console.log(`  IAM calls ${calls.total}: ${list(calls.byAction)}`);
  const byOutcome = new Map<string, Map<string, number>>(); // outcome -> action -> calls
  for (const [action, counts] of Object.entries(outcomes))
    for (const [outcome, n] of Object.entries(counts)) {
      const m = byOutcome.get(outcome) ?? new Map<string, number>();
      byOutcome.set(outcome, bump(m, action, n));
    }
  const totals = new Map([...byOutcome].map(([outcome, m]) => [outcome, sum(m.values())]));
  console.log(`  IAM call outcomes (the emulator's counters): ${list(totals)}`);
  for (const outcome of [...byOutcome.keys()].sort()) {
    if (outcome !== 'OK')
      console.log(`    ${outcome}: ${list(byOutcome.get(outcome) as Map<string, number>)}`);
  }
  const ok = totals.get('OK') ?? 0;
  const admitted = calls.total - (totals.get('Throttling') ?? 0);
  console.log(
    `  Throughput: ${(admitted / (wall / 1000)).toFixed(1)} calls/s got past the ${THROTTLE_RPS}/s throttle, ` +
      `${(calls.total / (wall / 1000)).toFixed(1)} calls/s sent; ${ok} succeeded = ${(ok / HIRES).toFixed(1)} per employee ` +
      `(alone: ${baselineCalls.total})`,
  );

  const peaks = names.map((n) => peakAttempts.get(n) ?? 0);
  console.log(
    `  Code attempts counted against an employee at the worst moment (all typed the right codes): ` +
      `p50 ${percentile(peaks, 50)}, p99 ${percentile(peaks, 99)}, max ${Math.max(...peaks)} ` +
      `(MAX_CODE_ATTEMPTS ${stack.config.maxCodeAttempts}); employees who reached half of it: ` +
      `${peaks.filter((n) => n >= stack.config.maxCodeAttempts / 2).length}`,
  );

  // ---- the final state, read from IAM with the real SDK, no faults ---------------------
  const iam = new IAMClient({
    endpoint: running.url,
    region: 'us-east-1',
    credentials: { accessKeyId: 'AKIABENCHMARK000002', secretAccessKey: 'bench' },
    maxAttempts: 1,
  });
  const hires = new Set(names);
  const inGroup = new Set<string>();
  for await (const page of paginateGetGroup({ client: iam }, { GroupName: 'force-mfa' }))
    for (const u of page.Users ?? [])
      if (u.UserName && hires.has(u.UserName)) inGroup.add(u.UserName);
  const unassigned: string[] = [];
  for await (const page of paginateListVirtualMFADevices(
    { client: iam },
    { AssignmentStatus: 'Unassigned' },
  ))
    for (const d of page.VirtualMFADevices ?? []) unassigned.push(d.SerialNumber ?? '?');
  const withMfa = new Set<string>();
  const multiple: string[] = [];
  const tagged = new Map<string, string[]>();
  await Promise.all(
    names.map(async (UserName) => {
      const devices = await iam.send(new ListMFADevicesCommand({ UserName }));
      const n = (devices.MFADevices ?? []).length;
      if (n > 0) withMfa.add(UserName);
      if (n > 1) multiple.push(UserName);
      const ours: string[] = [];
      for await (const page of paginateListUserTags({ client: iam }, { UserName }))
        for (const tag of page.Tags ?? [])
          if (tag.Key?.startsWith('mfa-onboarding:')) ours.push(tag.Key);
      if (ours.length > 0) tagged.set(UserName, ours);
    }),
  );
  iam.destroy();

  const tagKeys = new Map<string, number>();
  for (const keys of tagged.values()) for (const k of keys) bump(tagKeys, k);
  const eg = (users: string[]) => (users.length ? ` (e.g. ${users.slice(0, 3).join(', ')})` : '');
  console.log('  Final state in IAM (faults cleared, read with the SDK):');
  console.log(
    `    with an MFA device enabled: ${withMfa.size} of ${HIRES}${multiple.length ? `, ${multiple.length} with more than one` : ''}; ` +
      `in the force-mfa group: ${inGroup.size} of ${HIRES}; ` +
      `unassigned virtual MFA devices: ${unassigned.length}${eg(unassigned)}; ` +
      `with an mfa-onboarding: tag: ${tagged.size}${tagged.size ? ` (${list(tagKeys)})` : ''}`,
  );
  const finishedNames = new Set(finished.map((o) => o.name));
  const mismatches: [string, string[]][] = [
    ['MFA enabled but not in the group', [...withMfa].filter((n) => !inGroup.has(n))],
    ['in the group without MFA', [...inGroup].filter((n) => !withMfa.has(n))],
    ['enrolled, invitation tag left behind', [...withMfa].filter((n) => tagged.has(n))],
    [
      'enrolled in IAM, but the employee never saw "enrolled"',
      [...withMfa].filter((n) => inGroup.has(n) && !finishedNames.has(n)),
    ],
    [
      'told "enrolled", but not enrolled in IAM',
      [...finishedNames].filter((n) => !withMfa.has(n) || !inGroup.has(n)),
    ],
  ];
  for (const [label, users] of mismatches)
    if (users.length > 0) console.log(`    ${label}: ${users.length}${eg(users)}`);

  await stack.stop();
}
