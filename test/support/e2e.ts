// What both browser tests share: the whole local stack with an SDK client for its emulator (to
// read IAM back), and the accessibility assertion over a page's current state.

import { IAMClient } from '@aws-sdk/client-iam';
import type { Page } from 'playwright-core';
import { expect } from 'vitest';
import { type LocalStack, startLocalStack } from '../../local/dev-stack.ts';
import { accessibilityViolations } from './browser.ts';

/** `npm start`'s stack on a free port, its log lines in `logs`, and IAM through the real SDK. */
export async function startE2eStack(
  logs: string[],
): Promise<{ stack: LocalStack; iam: IAMClient }> {
  const stack = await startLocalStack({ env: { PORT: '0' }, write: (line) => logs.push(line) });
  if (!stack.emulator) throw new Error('the local stack started without its emulator');
  const iam = new IAMClient({
    endpoint: stack.emulator.url,
    region: 'us-east-1',
    credentials: { accessKeyId: 'AKIAIOSFODNN7EXAMPLE', secretAccessKey: 'e2e-test' },
  });
  return { stack, iam };
}

/** No WCAG 2.0/2.1 A or AA violation in the page as it is now; `state` names it on failure. */
export async function expectAccessible(page: Page, state: string): Promise<void> {
  const violations = await accessibilityViolations(page);
  expect(violations, `${state}: ${JSON.stringify(violations, null, 2)}`).toEqual([]);
}
