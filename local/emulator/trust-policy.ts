// Whether a role's trust policy lets a caller assume it (docs/iam-facts.md §7 "Trust
// policies", "MFA in trust policies"). Only what the product's flows need is understood: Allow
// and Deny statements on `sts:AssumeRole`, AWS principals (everyone, an account, a user, a role,
// a role session) and the MFA condition keys. Anything else makes a statement match nobody, so an unsupported
// policy fails closed (a Deny the emulator cannot read is ignored: UNCONFIRMED edge, noted in
// the facts page).
//
// Evaluation as IAM's: an explicit Deny that matches wins, then any matching Allow; otherwise
// the request is denied.

export interface TrustRequest {
  /** The partition of the role's account: an ARN of another partition names nobody here. */
  partition: string;
  /** The caller's account id. */
  account: string;
  /** ARNs that name the caller: the user's ARN, or a session's ARN and its role's ARN. */
  arns: string[];
  /**
   * `aws:MultiFactorAuthPresent`: true when MFA was used, false for temporary credentials
   * without MFA, undefined (the key is absent) for long-term keys without MFA (UG
   * `reference_policies_condition-keys.md`).
   */
  mfaPresent: boolean | undefined;
  /** `aws:MultiFactorAuthAge` in seconds; undefined when no MFA was used. */
  mfaAgeSeconds: number | undefined;
}

type Json = unknown;

const ACTION = 'sts:assumerole';

export function trustAllows(document: string, request: TrustRequest): boolean {
  let policy: Json;
  try {
    policy = JSON.parse(document);
  } catch {
    return false;
  }
  const statements = asList(isObject(policy) ? policy.Statement : undefined).filter(isObject);
  const matching = statements.filter((s) => statementMatches(s, request));
  if (matching.some((s) => s.Effect === 'Deny')) return false;
  return matching.some((s) => s.Effect === 'Allow');
}

function statementMatches(statement: Record<string, Json>, request: TrustRequest): boolean {
  if ('NotAction' in statement || 'NotPrincipal' in statement) return false;
  const actions = asList(statement.Action);
  if (!actions.some((a) => typeof a === 'string' && globMatches(a.toLowerCase(), ACTION)))
    return false;
  return (
    principalMatches(statement.Principal, request) && conditionHolds(statement.Condition, request)
  );
}

function principalMatches(principal: Json, request: TrustRequest): boolean {
  if (principal === '*') return true;
  if (!isObject(principal)) return false;
  return asList(principal.AWS).some((value) => {
    if (typeof value !== 'string') return false;
    if (value === '*') return true;
    // The account: its id, or its root ARN, trusts every principal of that account.
    const m = /^(?:arn:([^:]+):iam::)?(\d{12})(?::root)?$/.exec(value);
    if (m) return m[2] === request.account && (m[1] ?? request.partition) === request.partition;
    return request.arns.includes(value);
  });
}

function conditionHolds(condition: Json, request: TrustRequest): boolean {
  if (condition === undefined) return true;
  if (!isObject(condition)) return false;
  return Object.entries(condition).every(([operator, block]) => {
    if (!isObject(block)) return false;
    return Object.entries(block).every(([key, values]) =>
      operatorHolds(operator, key.toLowerCase(), asList(values), request),
    );
  });
}

const NUMERIC: Record<string, (a: number, b: number) => boolean> = {
  NumericEquals: (a, b) => a === b,
  NumericNotEquals: (a, b) => a !== b,
  NumericLessThan: (a, b) => a < b,
  NumericLessThanEquals: (a, b) => a <= b,
  NumericGreaterThan: (a, b) => a > b,
  NumericGreaterThanEquals: (a, b) => a >= b,
};

/** One condition operator on one key: any of the values matches (OR), IfExists as IAM's. */
function operatorHolds(
  operator: string,
  key: string,
  values: Json[],
  request: TrustRequest,
): boolean {
  const ifExists = operator.endsWith('IfExists');
  const base = ifExists ? operator.slice(0, -'IfExists'.length) : operator;
  if (base === 'Bool' && key === 'aws:multifactorauthpresent') {
    if (request.mfaPresent === undefined) return ifExists;
    const actual = String(request.mfaPresent);
    return values.some((v) => String(v).toLowerCase() === actual);
  }
  const compare = NUMERIC[base];
  if (compare && key === 'aws:multifactorauthage') {
    if (request.mfaAgeSeconds === undefined) return ifExists;
    const age = request.mfaAgeSeconds;
    return values.some((v) => {
      const n = Number(v);
      return Number.isFinite(n) && compare(age, n);
    });
  }
  return false;
}

/** IAM action wildcards: `*` any run of characters, `?` one character. */
function globMatches(pattern: string, text: string): boolean {
  const re = pattern
    .replace(/[.+^${}()|[\]\\]/g, '\\$&')
    .replaceAll('*', '.*')
    .replaceAll('?', '.');
  return new RegExp(`^${re}$`).test(text);
}

function asList(value: Json): Json[] {
  if (value === undefined) return [];
  return Array.isArray(value) ? value : [value];
}

function isObject(value: Json): value is Record<string, Json> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
