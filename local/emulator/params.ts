// Reads and validates the form-encoded members of one Query-protocol request, IAM's or STS's.
// The SDK does no client-side validation (docs/iam-facts.md §1.1), so every length, pattern and
// range of the service model is enforced here. Like AWS, all violations of a request are
// reported together: "2 validation errors detected: Value at 'userName' failed to satisfy
// constraint: …; …". The two services word a violation differently: STS echoes the value
// ("Value 'Session1:2' at 'roleSessionName' …", docs/iam-facts.md §7), IAM does not.

import { validationError } from './errors.ts';

export interface StringShape {
  min?: number;
  max?: number;
  /** Whole-string pattern, as written in the service model (and in messages). */
  pattern?: string;
  /** The pattern as a JS regex, for a model pattern that is not valid JS (`\u10000`). */
  regex?: RegExp;
}

export interface IntShape {
  min: number;
  max: number;
}

// Shapes of the botocore IAM model (docs/iam-facts.md §2).
const NAME = '[\\w+=,.@-]+';
export const shapes = {
  userName: { min: 1, max: 64, pattern: NAME },
  existingUserName: { min: 1, max: 128, pattern: NAME },
  groupName: { min: 1, max: 128, pattern: NAME },
  // No max in the model; the 256-char serial number bounds it. We cap the name at 226 so the
  // serial for the default path stays within 256 (UNCONFIRMED exact limit).
  virtualMfaDeviceName: { min: 1, max: 226, pattern: NAME },
  serialNumber: { min: 9, max: 256, pattern: '[\\w+=/:,.@-]+' },
  accessKeyId: { min: 16, max: 128, pattern: '[\\w]+' },
  roleName: { min: 1, max: 64, pattern: NAME },
  roleDescription: {
    min: 0,
    max: 1000,
    pattern: '[\\u0009\\u000A\\u000D\\u0020-\\u007E\\u00A1-\\u00FF]*',
  },
  authenticationCode: { min: 6, max: 6, pattern: '[\\d]+' },
  pathPrefix: { min: 1, max: 512, pattern: '\\u002F[\\u0021-\\u007F]*' },
  marker: { min: 1, max: 320, pattern: '[\\u0020-\\u00FF]+' },
  password: { min: 1, max: 128, pattern: '[\\u0009\\u000A\\u000D\\u0020-\\u00FF]+' },
  policyName: { min: 1, max: 128, pattern: NAME },
  policyDocument: { min: 1, max: 131072, pattern: '[\\u0009\\u000A\\u000D\\u0020-\\u00FF]+' },
  accountAlias: { min: 3, max: 63, pattern: '^[a-z0-9]([a-z0-9]|-(?!-)){1,61}[a-z0-9]$' },
  arn: { min: 20, max: 2048 },
  tagKey: { min: 1, max: 128, pattern: '[\\p{L}\\p{Z}\\p{N}_.:/=+\\-@]+' },
  tagValue: { min: 0, max: 256, pattern: '[\\p{L}\\p{Z}\\p{N}_.:/=+\\-@]*' },
} satisfies Record<string, StringShape>;

// Shapes of the botocore STS model (docs/iam-facts.md §7). Some share a member name with an IAM
// shape but not its pattern (`serialNumber` allows the empty string here).
export const stsShapes = {
  arn: {
    min: 20,
    max: 2048,
    pattern:
      '[\\u0009\\u000A\\u000D\\u0020-\\u007E\\u0085\\u00A0-\\uD7FF\\uE000-\\uFFFD\\u10000-\\u10FFFF]+',
    regex: /^[\t\n\r\u0020-\u007E\u0085\u00A0-\uD7FF\uE000-\uFFFD\u{10000}-\u{10FFFF}]+$/u,
  },
  roleSessionName: { min: 2, max: 64, pattern: '[\\w+=,.@-]*' },
  externalId: { min: 2, max: 1224, pattern: '[\\w+=,.@:\\/-]*' },
  serialNumber: { min: 9, max: 256, pattern: '[\\w+=/:,.@-]*' },
  tokenCode: { min: 6, max: 6, pattern: '[\\d]*' },
  sourceIdentity: { min: 2, max: 64, pattern: '[\\w+=,.@-]*' },
  policy: { min: 1, max: 2048, pattern: '[\\u0009\\u000A\\u000D\\u0020-\\u00FF]+' },
  tagKey: shapes.tagKey,
  tagValue: shapes.tagValue,
} satisfies Record<string, StringShape>;

export const maxItemsShape: IntShape = { min: 1, max: 1000 };

const PATH_PATTERN = /^(\/|\/[\u0021-\u007E]+\/)$/;
const PATH_MESSAGE =
  'The specified value for path is invalid. It must begin and end with / and contain only alphanumeric characters and/or / characters.';

const compiled = new Map<string, RegExp>();
/** A shape's whole-string regex (its own, or its pattern compiled once); none without a pattern. */
function regexOf(shape: StringShape): RegExp | undefined {
  if (shape.regex !== undefined || shape.pattern === undefined) return shape.regex;
  let re = compiled.get(shape.pattern);
  if (!re) {
    const body = shape.pattern.replace(/^\^/, '').replace(/\$$/, '');
    re = new RegExp(`^(?:${body})$`, 'u');
    compiled.set(shape.pattern, re);
  }
  return re;
}

/** `UserName` → `userName`, the member name AWS puts in validation messages. */
export function memberName(param: string): string {
  return param.charAt(0).toLowerCase() + param.slice(1);
}

/** Whose wording the messages use: STS quotes the offending value, IAM (mostly) does not. */
export type Dialect = 'iam' | 'sts';

export class Params {
  private readonly problems: string[] = [];
  private pathProblem = false;

  constructor(
    readonly raw: URLSearchParams,
    private readonly dialect: Dialect = 'iam',
  ) {}

  has(name: string): boolean {
    return this.raw.has(name);
  }

  /** A string member; `undefined` when absent and optional. Check with `done()` before use. */
  string(name: string, shape: StringShape, required: true): string;
  string(name: string, shape: StringShape, required?: false): string | undefined;
  string(name: string, shape: StringShape, required = false): string | undefined {
    const value = this.raw.get(name);
    if (value === null) {
      if (required)
        this.problem(
          `Value null at '${memberName(name)}' failed to satisfy constraint: Member must not be null`,
        );
      return required ? '' : undefined;
    }
    this.checkString(memberName(name), value, shape);
    return value;
  }

  /** An IAM `path` member (default `/`), which has its own validation message. */
  path(name = 'Path'): string {
    const value = this.raw.get(name);
    if (value === null) return '/';
    if (value.length > 512) {
      this.problem(
        `Value at '${memberName(name)}' failed to satisfy constraint: Member must have length less than or equal to 512`,
      );
    } else if (!PATH_PATTERN.test(value)) {
      this.pathProblem = true;
    }
    return value;
  }

  int(name: string, shape: IntShape): number | undefined {
    const value = this.raw.get(name);
    if (value === null) return undefined;
    const member = memberName(name);
    if (!/^-?\d+$/.test(value)) {
      this.problem(`${this.typeSubject(member, value, 32)} Member must be a number`);
      return undefined;
    }
    const n = Number(value);
    const at = this.subject(member, value);
    if (n < shape.min)
      this.problem(`${at} Member must have value greater than or equal to ${shape.min}`);
    if (n > shape.max)
      this.problem(`${at} Member must have value less than or equal to ${shape.max}`);
    return n;
  }

  bool(name: string): boolean | undefined {
    const value = this.raw.get(name);
    if (value === null) return undefined;
    const lower = value.toLowerCase();
    if (lower !== 'true' && lower !== 'false') {
      this.problem(`${this.typeSubject(memberName(name), value, 32)} Member must be a boolean`);
      return undefined;
    }
    return lower === 'true';
  }

  enumValue<T extends string>(name: string, allowed: readonly T[], required: true): T;
  enumValue<T extends string>(name: string, allowed: readonly T[], required?: false): T | undefined;
  enumValue<T extends string>(
    name: string,
    allowed: readonly T[],
    required = false,
  ): T | undefined {
    const value = this.raw.get(name);
    if (value === null) {
      if (required)
        this.problem(
          `Value null at '${memberName(name)}' failed to satisfy constraint: Member must not be null`,
        );
      // Only read after done(), which throws when a required member is missing.
      return required ? allowed[0] : undefined;
    }
    if (!(allowed as readonly string[]).includes(value)) {
      this.problem(
        `${this.typeSubject(memberName(name), value, 64)} Member must satisfy enum value set: [${allowed.join(', ')}]`,
      );
      return undefined;
    }
    return value as T;
  }

  /**
   * `Name.member.N` string lists, or with `field` the string `Name.member.N.field` of a list of
   * structures (STS's `PolicyArns.member.N.arn`). `Name=` (the SDK's empty list) reads as [].
   */
  stringList(name: string, shape: StringShape, maxMembers?: number, field?: string): string[] {
    const suffix = field === undefined ? '' : `.${field}`;
    const items = this.members(name, field).map(([index, value]) => {
      this.checkString(`${memberName(name)}.${index}.member${suffix}`, value, shape);
      return value;
    });
    this.checkCount(name, items.length, maxMembers);
    return items;
  }

  /**
   * A `Name.member.N` list of enum values (GetAccountAuthorizationDetails' `Filter`), each member
   * checked on its own and named by its index, as string-list members are.
   */
  enumList<T extends string>(name: string, allowed: readonly T[]): T[] {
    const values: T[] = [];
    for (const [index, value] of this.members(name)) {
      if ((allowed as readonly string[]).includes(value)) {
        values.push(value as T);
        continue;
      }
      this.problem(
        `${this.typeSubject(`${memberName(name)}.${index}.member`, value, 64)} Member must satisfy enum value set: [${allowed.join(', ')}]`,
      );
    }
    return values;
  }

  /** `Tags.member.N.Key` / `.Value` lists, validated against the tag shapes. */
  tags(name = 'Tags', maxMembers = 50): { key: string; value: string }[] {
    const byIndex = new Map<number, { key?: string; value?: string }>();
    for (const [index, key] of this.members(name, 'Key')) byIndex.set(index, { key });
    for (const [index, value] of this.members(name, 'Value')) {
      byIndex.set(index, { ...byIndex.get(index), value });
    }
    const member = memberName(name);
    const tags = [...byIndex.entries()]
      .sort(([a], [b]) => a - b)
      .map(([index, entry]) => {
        const at = `${member}.${index}.member`;
        if (entry.key === undefined)
          this.problem(
            `Value null at '${at}.key' failed to satisfy constraint: Member must not be null`,
          );
        else this.checkString(`${at}.key`, entry.key, shapes.tagKey);
        if (entry.value === undefined)
          this.problem(
            `Value null at '${at}.value' failed to satisfy constraint: Member must not be null`,
          );
        else this.checkString(`${at}.value`, entry.value, shapes.tagValue);
        return { key: entry.key ?? '', value: entry.value ?? '' };
      });
    this.checkCount(name, tags.length, maxMembers);
    return tags;
  }

  /** Throws the collected ValidationError, if any. Call once all members are read. */
  done(): void {
    if (this.problems.length > 0) {
      const n = this.problems.length;
      throw validationError(
        `${n} validation error${n === 1 ? '' : 's'} detected: ${this.problems.join('; ')}`,
      );
    }
    if (this.pathProblem) throw validationError(PATH_MESSAGE);
  }

  /** `Name.member.N` (or `Name.member.N.field`) members as [N, value], in index order. */
  private members(name: string, field?: string): [number, string][] {
    const prefix = `${name}.member.`;
    const suffix = field === undefined ? '' : `.${field}`;
    const out: [number, string][] = [];
    for (const [k, v] of this.raw) {
      if (!k.startsWith(prefix) || !k.endsWith(suffix)) continue;
      const index = k.slice(prefix.length, k.length - suffix.length);
      if (/^\d+$/.test(index)) out.push([Number(index), v]);
    }
    return out.sort(([a], [b]) => a - b);
  }

  private checkCount(name: string, count: number, max?: number): void {
    // How AWS renders a list value here is not recorded; STS's message leaves it out too.
    if (max !== undefined && count > max) {
      this.problem(
        `Value at '${memberName(name)}' failed to satisfy constraint: Member must have length less than or equal to ${max}`,
      );
    }
  }

  private checkString(member: string, value: string, shape: StringShape): void {
    const at = this.subject(member, value);
    const length = [...value].length;
    if (shape.min !== undefined && length < shape.min) {
      this.problem(`${at} Member must have length greater than or equal to ${shape.min}`);
    }
    if (shape.max !== undefined && length > shape.max) {
      this.problem(`${at} Member must have length less than or equal to ${shape.max}`);
    }
    const re = regexOf(shape);
    if (re !== undefined && length > 0 && !re.test(value)) {
      this.problem(
        `${at} Member must satisfy regular expression pattern: ${shape.pattern ?? re.source}`,
      );
    }
  }

  /** "Value at 'm' failed to satisfy constraint:", with the value quoted in STS's wording. */
  private subject(member: string, value: string): string {
    const quoted = this.dialect === 'sts' ? `'${value}' ` : '';
    return `Value ${quoted}at '${member}' failed to satisfy constraint:`;
  }

  /** The subject of a wrong-type message, which IAM too quotes, cut to `cut` characters. */
  private typeSubject(member: string, value: string, cut: number): string {
    const quoted = this.dialect === 'sts' ? value : value.slice(0, cut);
    return `Value '${quoted}' at '${member}' failed to satisfy constraint:`;
  }

  private problem(text: string): void {
    this.problems.push(text);
  }
}
