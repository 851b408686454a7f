// Fault injection, seen through the real AWS SDK over HTTP: added latency, throttling as IAM
// answers it (Throttling / 400 / "Rate exceeded"), ServiceFailure 500s, dropped connections,
// scripted one-off faults, and call counters that count every attempt, retries included.

import {
  CreateUserCommand,
  GetUserCommand,
  IAMClient,
  ListGroupsCommand,
  ListUsersCommand,
} from '@aws-sdk/client-iam';
import { describe, expect, it } from 'vitest';
import type { FaultConfig } from '../../local/emulator/faults.ts';
import { clientConfig, sdkError, useEmulator } from '../support/emulator.ts';

const emu = useEmulator();

const setFaults = (config: FaultConfig) => emu.control('PUT', '/faults', config);

/** Runs n calls at once and sorts the outcomes. */
async function burst(n: number, call: () => Promise<unknown>) {
  const results = await Promise.allSettled(Array.from({ length: n }, call));
  const ok = results.filter((r) => r.status === 'fulfilled').length;
  const errors = results.flatMap((r) =>
    r.status === 'rejected' ? [r.reason as Awaited<ReturnType<typeof sdkError>>] : [],
  );
  return { ok, errors };
}

describe('the fault configuration', () => {
  it('is empty by default and round-trips through PUT and GET /_emulator/faults', async () => {
    expect(await emu.control('GET', '/faults')).toEqual({ scripted: [] });
    const config: FaultConfig = {
      latencyMs: 25,
      actionLatencyMs: { ListUsers: 10 },
      throttle: { ratePerSecond: 50, burst: 100 },
      actionThrottle: { CreateUser: { ratePerSecond: 5 } },
      failureRate: 0,
      dropRate: 0,
      scripted: [{ action: 'CreateUser', fault: 'drop-after', count: 2 }],
    };
    expect(await setFaults(config)).toEqual(config);
    expect(await emu.control('GET', '/faults')).toEqual(config);
  });

  it('is cleared by a reset', async () => {
    await setFaults({ latencyMs: 5, failureRate: 1 });
    await emu.control('POST', '/reset');
    expect(await emu.control('GET', '/faults')).toEqual({ scripted: [] });
    await expect(emu.iam.send(new ListUsersCommand({}))).resolves.toBeDefined();
  });
});

describe('added latency', () => {
  it('delays every call by at least latencyMs, and the call still succeeds', async () => {
    await setFaults({ latencyMs: 200 });
    const started = performance.now();
    const out = await emu.iam.send(new ListUsersCommand({}));
    const elapsed = performance.now() - started;
    expect(out.Users).toEqual([]);
    // Only a lower bound: timers may fire a millisecond early, and machines may be slow.
    expect(elapsed).toBeGreaterThanOrEqual(195);
    expect((await emu.calls()).byAction).toEqual({ ListUsers: 1 });
  });

  it('adds per-action latency on top of the global latency', async () => {
    await setFaults({ actionLatencyMs: { GetUser: 150 } });
    await emu.iam.send(new CreateUserCommand({ UserName: 'slow' }));
    const started = performance.now();
    await emu.iam.send(new GetUserCommand({ UserName: 'slow' }));
    expect(performance.now() - started).toBeGreaterThanOrEqual(145);
    expect((await emu.calls()).byAction).toEqual({ CreateUser: 1, GetUser: 1 });
  });
});

describe('throttling', () => {
  it('answers calls beyond the bucket with Throttling, HTTP 400, "Rate exceeded"', async () => {
    await setFaults({ throttle: { ratePerSecond: 2, burst: 2 } });
    const { ok, errors } = await burst(6, () => emu.iam.send(new ListUsersCommand({})));

    expect(ok).toBeGreaterThanOrEqual(2); // the burst
    expect(errors.length).toBeGreaterThanOrEqual(1);
    for (const error of errors) {
      expect(error.name).toBe('Throttling');
      expect(error.message).toBe('Rate exceeded');
      expect(error.$fault).toBe('client');
      expect(error.$metadata.httpStatusCode).toBe(400);
    }
    // Throttled calls were received and counted like any other.
    expect((await emu.calls()).byAction).toEqual({ ListUsers: 6 });
  });

  it('refills the bucket over time', async () => {
    // One token every 250 ms: the second call, sent at once, finds the bucket empty.
    await setFaults({ throttle: { ratePerSecond: 4, burst: 1 } });
    await emu.iam.send(new ListUsersCommand({}));
    expect((await sdkError(emu.iam.send(new ListUsersCommand({})))).name).toBe('Throttling');
    await new Promise((resolve) => setTimeout(resolve, 300));
    await expect(emu.iam.send(new ListUsersCommand({}))).resolves.toBeDefined();
  });

  it('with a per-action bucket, throttles only that action', async () => {
    await setFaults({ actionThrottle: { ListUsers: { ratePerSecond: 1, burst: 1 } } });
    const users = await burst(4, () => emu.iam.send(new ListUsersCommand({})));
    const groups = await burst(4, () => emu.iam.send(new ListGroupsCommand({})));

    expect(users.ok).toBeGreaterThanOrEqual(1);
    expect(users.errors.length).toBeGreaterThanOrEqual(1);
    expect(users.errors.every((e) => e.name === 'Throttling')).toBe(true);
    expect(groups).toEqual({ ok: 4, errors: [] });
  });
});

describe('random service failures', () => {
  it('with failureRate 1, answers every call with ServiceFailure 500, a server fault', async () => {
    await setFaults({ failureRate: 1 });
    const error = await sdkError(emu.iam.send(new ListUsersCommand({})));
    expect(error.$metadata.httpStatusCode).toBe(500);
    expect(error.$fault).toBe('server');
    expect(error.name).toBe('ServiceFailureException'); // the modeled error class
    expect(error.Code).toBe('ServiceFailure'); // the wire code
    expect(error.message).toBe('Service encountered an internal error.');
  });

  it('does no work for a failed call', async () => {
    await setFaults({ failureRate: 1 });
    await sdkError(emu.iam.send(new CreateUserCommand({ UserName: 'never' })));
    await setFaults({});
    const error = await sdkError(emu.iam.send(new GetUserCommand({ UserName: 'never' })));
    expect(error.$metadata.httpStatusCode).toBe(404);
  });
});

describe('dropped connections', () => {
  it('with dropRate 1, resets the connection: the SDK call rejects with a network error', async () => {
    await setFaults({ dropRate: 1 });
    const error = (await sdkError(
      emu.iam.send(new CreateUserCommand({ UserName: 'dropped' })),
    )) as {
      code?: string;
    };
    expect(error.code).toBe('ECONNRESET');
    // A drop happens before any work is done.
    await setFaults({});
    expect((await emu.iam.send(new ListUsersCommand({}))).Users).toEqual([]);
  });
});

describe('scripted faults', () => {
  it('drop-after does the work, then loses the response', async () => {
    await setFaults({ scripted: [{ action: 'CreateUser', fault: 'drop-after' }] });
    const error = (await sdkError(
      emu.iam.send(new CreateUserCommand({ UserName: 'half-done' })),
    )) as {
      code?: string;
    };
    expect(error.code).toBe('ECONNRESET');

    const { User } = await emu.iam.send(new GetUserCommand({ UserName: 'half-done' }));
    expect(User?.UserName).toBe('half-done');
    // A blind retry of the lost call now meets the work already done.
    const retry = await sdkError(emu.iam.send(new CreateUserCommand({ UserName: 'half-done' })));
    expect(retry.name).toBe('EntityAlreadyExistsException');
  });

  it('drop-before loses the request: nothing is done', async () => {
    await setFaults({ scripted: [{ action: 'CreateUser', fault: 'drop-before' }] });
    await sdkError(emu.iam.send(new CreateUserCommand({ UserName: 'lost' })));
    expect((await sdkError(emu.iam.send(new GetUserCommand({ UserName: 'lost' })))).name).toBe(
      'NoSuchEntityException',
    );
  });

  it('error answers with the given code and status once, then the action works again', async () => {
    await setFaults({
      scripted: [
        {
          action: 'CreateUser',
          fault: 'error',
          code: 'EntityTemporarilyUnmodifiable',
          status: 409,
        },
      ],
    });
    // Other actions are not affected by a fault scripted for CreateUser.
    await expect(emu.iam.send(new ListUsersCommand({}))).resolves.toBeDefined();

    const error = await sdkError(emu.iam.send(new CreateUserCommand({ UserName: 'later' })));
    expect(error.name).toBe('EntityTemporarilyUnmodifiableException');
    expect(error.$metadata.httpStatusCode).toBe(409);
    expect(error.$fault).toBe('client');
    expect(error.message).toBe('The entity is temporarily unmodifiable. Please retry later.');

    expect(await emu.control('GET', '/faults')).toEqual({ scripted: [] });
    const { User } = await emu.iam.send(new CreateUserCommand({ UserName: 'later' }));
    expect(User?.UserName).toBe('later');
  });

  it('count applies a fault to that many calls; without an action, to any action', async () => {
    await setFaults({
      scripted: [{ fault: 'error', code: 'ServiceUnavailable', status: 503, count: 2 }],
    });
    expect((await sdkError(emu.iam.send(new ListUsersCommand({})))).$metadata.httpStatusCode).toBe(
      503,
    );
    expect((await sdkError(emu.iam.send(new ListGroupsCommand({})))).$metadata.httpStatusCode).toBe(
      503,
    );
    await expect(emu.iam.send(new ListUsersCommand({}))).resolves.toBeDefined();
  });
});

describe('call counters', () => {
  it('count calls per action at GET /_emulator/calls, and DELETE zeroes them', async () => {
    await emu.iam.send(new CreateUserCommand({ UserName: 'counted' }));
    await emu.iam.send(new GetUserCommand({ UserName: 'counted' }));
    await emu.iam.send(new GetUserCommand({ UserName: 'counted' }));
    await sdkError(emu.iam.send(new GetUserCommand({ UserName: 'missing' })));

    expect(await emu.calls()).toEqual({ total: 4, byAction: { CreateUser: 1, GetUser: 3 } });
    expect(await emu.control('DELETE', '/calls')).toEqual({ total: 0, byAction: {} });
    expect(await emu.calls()).toEqual({ total: 0, byAction: {} });
  });

  it('count every attempt: the SDK retries a ServiceFailure up to maxAttempts times', async () => {
    const retrying = new IAMClient({ ...clientConfig(emu.url), maxAttempts: 3 });
    try {
      await setFaults({ failureRate: 1 });
      const error = await sdkError(retrying.send(new ListUsersCommand({})));
      expect(error.$metadata.httpStatusCode).toBe(500);
      expect((error.$metadata as { attempts?: number }).attempts).toBe(3);
      expect(await emu.calls()).toEqual({ total: 3, byAction: { ListUsers: 3 } });
    } finally {
      retrying.destroy();
    }
  });

  it('show a retry the SDK hid: one scripted failure, then success, is two calls', async () => {
    const retrying = new IAMClient({ ...clientConfig(emu.url), maxAttempts: 3 });
    try {
      await setFaults({ scripted: [{ action: 'ListUsers', fault: 'error' }] });
      const out = await retrying.send(new ListUsersCommand({}));
      expect(out.$metadata.attempts).toBe(2);
      expect((await emu.calls()).byAction).toEqual({ ListUsers: 2 });
    } finally {
      retrying.destroy();
    }
  });
});

describe('scripted faults with skip, and the outcome counters', () => {
  it('lets `skip` matching calls through, then applies the fault', async () => {
    await setFaults({
      scripted: [{ action: 'GetUser', fault: 'error', code: 'ServiceFailure', skip: 2 }],
    });
    await emu.iam.send(new CreateUserCommand({ UserName: 'skipped' }));
    const get = () => emu.iam.send(new GetUserCommand({ UserName: 'skipped' }));

    await expect(get()).resolves.toBeDefined();
    await expect(get()).resolves.toBeDefined();
    expect((await sdkError(get())).name).toBe('ServiceFailureException');
    await expect(get()).resolves.toBeDefined();
  });

  it('counts how each call ended: OK, the error code, or a connection dropped before any work', async () => {
    await emu.control('DELETE', '/outcomes');
    await setFaults({
      scripted: [
        { action: 'GetUser', fault: 'drop-before' },
        { action: 'ListUsers', fault: 'drop-after' },
      ],
    });
    await sdkError(emu.iam.send(new GetUserCommand({ UserName: 'ghost' })));
    await sdkError(emu.iam.send(new GetUserCommand({ UserName: 'ghost' })));
    await sdkError(emu.iam.send(new ListUsersCommand({})));
    await emu.iam.send(new ListUsersCommand({}));

    expect(await emu.control('GET', '/outcomes')).toEqual({
      GetUser: { ConnectionDropped: 1, NoSuchEntity: 1 },
      // A lost response did the work: it is an OK that never reached the client.
      ListUsers: { OK: 2 },
    });
    expect(await emu.control('DELETE', '/outcomes')).toEqual({});
  });
});
