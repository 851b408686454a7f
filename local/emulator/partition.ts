// AWS partitions: which one a request is in (from its SigV4 signing region) and what each one
// allows. Each partition is a separate world with its own accounts (docs/iam-facts.md §10
// "Partitions"); the emulator keeps one account state per partition.

import { credentialScope } from './credential-scope.ts';
import type { MfaKind } from './state.ts';

export type Partition = 'aws' | 'aws-cn' | 'aws-us-gov';

export const PARTITIONS: readonly Partition[] = ['aws', 'aws-cn', 'aws-us-gov'];

export function isPartition(value: unknown): value is Partition {
  return typeof value === 'string' && (PARTITIONS as readonly string[]).includes(value);
}

// As the SDK's partitions.json decides: a region listed by a partition (its `-global`
// pseudo-region included), else the first regionRegex that matches, else `aws`. Partitions the
// emulator does not model (aws-iso*, aws-eusc) fall back to `aws`.
const REGION_PATTERNS: [RegExp, Partition][] = [
  [/^(cn-\w+-\d+|aws-cn-global)$/, 'aws-cn'],
  [/^(us-gov-\w+-\d+|aws-us-gov-global)$/, 'aws-us-gov'],
];

export function partitionOfRegion(region: string | undefined): Partition {
  if (region === undefined) return 'aws';
  return REGION_PATTERNS.find(([pattern]) => pattern.test(region))?.[1] ?? 'aws';
}

/** The region a request was signed for, if it was signed. */
export function signingRegion(authorization: string | undefined): string | undefined {
  return credentialScope(authorization)?.region;
}

export function partitionOfRequest(authorization: string | undefined): Partition {
  return partitionOfRegion(signingRegion(authorization));
}

/**
 * MFA device types each partition supports: the China Regions have virtual MFA only (no
 * hardware tokens, no FIDO); GovCloud has all three (docs/iam-facts.md §10).
 */
export const MFA_KINDS_BY_PARTITION: Record<Partition, readonly MfaKind[]> = {
  aws: ['virtual', 'hardware', 'fido'],
  'aws-cn': ['virtual'],
  'aws-us-gov': ['virtual', 'hardware', 'fido'],
};
