// Deterministic interleavings for race and mid-request tests: hooks that run inside the
// in-process emulator just before it handles a given IAM action. They wrap the emulator's
// `handle` method for the current test only (the emulator's source is untouched) and are
// removed after each test.
//
//   hooks.before('EnableMFADevice', () => deleteUser(...))   // "the user is deleted mid-request"
//   hooks.barrier('EnableMFADevice', 2)                      // "both submits reach IAM together"

import { afterEach } from 'vitest';
import type { Emulator, QueryRequest, QueryResponse } from '../../local/emulator/emulator.ts';
import type { EmulatorFixture } from './emulator.ts';

export interface EmulatorHooks {
  /** Runs `fn` (once) just before the emulator handles the next call of `action`. */
  before(action: string, fn: () => unknown): void;
  /**
   * Holds calls of `action` until `parties` of them have arrived, then lets them all through,
   * in the order they arrived.
   */
  barrier(action: string, parties: number): void;
}

type Hook = (action: string) => Promise<void> | undefined;

export function useEmulatorHooks(emulator: EmulatorFixture): EmulatorHooks {
  const hooks: Hook[] = [];
  let wrapped: Emulator | undefined;

  const install = () => {
    const target = emulator.running.emulator;
    if (wrapped === target) return;
    const original = target.handle.bind(target);
    target.handle = async (request: QueryRequest): Promise<QueryResponse> => {
      const action = request.params.get('Action') ?? '';
      for (const hook of [...hooks]) {
        const pending = hook(action);
        if (pending) await pending;
      }
      return original(request);
    };
    wrapped = target;
  };
  const remove = (hook: Hook) => {
    const index = hooks.indexOf(hook);
    if (index !== -1) hooks.splice(index, 1);
  };

  afterEach(() => {
    hooks.length = 0;
    // Back to the class's own method.
    if (wrapped) Reflect.deleteProperty(wrapped, 'handle');
    wrapped = undefined;
  });

  return {
    before(action, fn) {
      install();
      const hook: Hook = (a) => {
        if (a !== action) return undefined;
        remove(hook);
        return Promise.resolve(fn()).then(() => undefined);
      };
      hooks.push(hook);
    },
    barrier(action, parties) {
      install();
      let arrived = 0;
      let release = () => {};
      const released = new Promise<void>((resolve) => {
        release = resolve;
      });
      const hook: Hook = (a) => {
        if (a !== action) return undefined;
        arrived += 1;
        if (arrived === parties) {
          remove(hook);
          release();
        }
        return released;
      };
      hooks.push(hook);
    },
  };
}
