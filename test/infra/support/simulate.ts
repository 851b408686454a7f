// A thin wrapper over @cloud-copilot/iam-simulate (AGPL: a devDependency for these tests only,
// never imported from functions/ or bundled, which test/infra/bundles.test.ts checks).

import { runSimulation } from '@cloud-copilot/iam-simulate';

export type Decision = 'Allowed' | 'ExplicitlyDenied' | 'ImplicitlyDenied';

export interface Principal {
  arn: string;
  identityPolicies: unknown[];
  permissionsBoundary?: unknown;
  /** Context every request of this principal carries (aws:username, MFA…). */
  context?: Record<string, string | string[]>;
}

export interface Request {
  action: string;
  resource: string;
  context?: Record<string, string | string[]>;
}

export const ACCOUNT_ID = '123456789012';

export async function decide(principal: Principal, request: Request): Promise<Decision> {
  const result = await runSimulation(
    {
      request: {
        principal: principal.arn,
        action: request.action,
        resource: { resource: request.resource, accountId: ACCOUNT_ID },
        contextVariables: { ...principal.context, ...request.context },
      },
      identityPolicies: principal.identityPolicies.map((policy, i) => ({
        name: `policy-${i}`,
        policy,
      })),
      permissionBoundaryPolicies: principal.permissionsBoundary
        ? [{ name: 'boundary', policy: principal.permissionsBoundary }]
        : undefined,
      serviceControlPolicies: [],
      resourceControlPolicies: [],
    },
    {},
  );
  if (result.resultType === 'error') {
    throw new Error(
      `simulation of ${request.action} on ${request.resource} failed: ${JSON.stringify(result.errors)}`,
    );
  }
  return result.overallResult as Decision;
}

/** Every action and resource the AWS-managed AdministratorAccess policy allows. */
export const ADMINISTRATOR_ACCESS = {
  Version: '2012-10-17',
  Statement: [{ Effect: 'Allow', Action: '*', Resource: '*' }],
};
