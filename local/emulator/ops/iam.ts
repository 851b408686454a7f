// Every IAM action the emulator answers, by name.

import { accessKeyOperations } from './access-keys.ts';
import { accountOperations } from './account.ts';
import { authorizationDetailsOperations } from './authorization-details.ts';
import { credentialReportOperations } from './credential-report.ts';
import { groupOperations } from './groups.ts';
import { mfaOperations } from './mfa.ts';
import { roleOperations } from './roles.ts';
import type { OpTable } from './types.ts';
import { userOperations } from './users.ts';

export const iamOperations: OpTable = {
  ...userOperations,
  ...accessKeyOperations,
  ...groupOperations,
  ...roleOperations,
  ...mfaOperations,
  ...credentialReportOperations,
  ...accountOperations,
  ...authorizationDetailsOperations,
};
