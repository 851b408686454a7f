// AWS partitions: the commercial regions (`aws`), China (`aws-cn`) and GovCloud (`aws-us-gov`)
// are separate worlds with their own ARNs and console domains (docs/iam-facts.md, "Partitions").
// The service never writes a partition down: it reads it from an ARN IAM returned (the user's
// own) or, for settings checked at cold start, from the function's region.

export type Partition = 'aws' | 'aws-cn' | 'aws-us-gov';

const SIGN_IN_DOMAIN: Record<Partition, string> = {
  aws: 'signin.aws.amazon.com',
  'aws-cn': 'signin.amazonaws.cn',
  'aws-us-gov': 'signin.amazonaws-us-gov.com',
};

export function isPartition(value: string): value is Partition {
  return Object.hasOwn(SIGN_IN_DOMAIN, value);
}

/** The partition an ARN names (`arn:<partition>:…`); other partitions are not supported. */
export function partitionOfArn(arn: string): Partition {
  const partition = arn.split(':')[1] ?? '';
  if (!isPartition(partition)) throw new Error(`unsupported partition in ARN "${arn}"`);
  return partition;
}

/** The partition of a region, by the region name patterns of the SDK's partitions.json. */
export function partitionOfRegion(region: string): Partition {
  if (/^cn-\w+-\d+$/.test(region)) return 'aws-cn';
  if (/^us-gov-\w+-\d+$/.test(region)) return 'aws-us-gov';
  return 'aws';
}

/** The account's console sign-in page, by account alias or id. */
export function consoleSignInUrl(partition: Partition, accountLabel: string): string {
  return `https://${accountLabel}.${SIGN_IN_DOMAIN[partition]}/console`;
}

/** An IAM role ARN's parts: `arn:<partition>:iam::<account>:role/<path/>name`. */
export interface RoleArnParts {
  partition: Partition;
  accountId: string;
  /** The role's path without its leading `/`, followed by its name (`ops/Admin`). */
  pathAndName: string;
  roleName: string;
}

const ROLE_ARN = /^arn:([a-z-]+):iam::(\d{12}):role\/((?:[\u0021-\u007E]+\/)?([\w+=,.@-]{1,64}))$/;

export function parseRoleArn(arn: string): RoleArnParts | undefined {
  const match = ROLE_ARN.exec(arn);
  if (!match || !isPartition(match[1] as string)) return undefined;
  return {
    partition: match[1] as Partition,
    accountId: match[2] as string,
    pathAndName: match[3] as string,
    roleName: match[4] as string,
  };
}

/**
 * The console's switch-role link: it opens the Switch Role form filled in with the account, the
 * role (its path included) and the name the console shows while the role is in use.
 */
export function switchRoleUrl(role: RoleArnParts, displayName: string): string {
  const query = new URLSearchParams({
    account: role.accountId,
    roleName: role.pathAndName,
    displayName,
  });
  return `https://${SIGN_IN_DOMAIN[role.partition]}/switchrole?${query}`;
}
