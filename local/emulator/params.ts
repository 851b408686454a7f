// Reads and validates the form-encoded members of one Query-protocol request. The SDK does no
// client-side validation (docs/iam-facts.md §1.1), so every length, pattern and range of the
// service model is enforced here. Like AWS, all violations of a request are reported together:
// "2 validation errors detected: Value at 'userName' failed to satisfy constraint: …; …".

import { validationError } from './errors.ts';

export interface StringShape {
  min?: number;
  max?: number;
  /** Whole-string pattern, as written in the service model. */
  pattern?: string;
}

export interface IntShape {
  min: number;
  max: number;
}

// Shapes of the botocore IAM/STS models (docs/iam-facts.md §2, §7).
const NAME = '[\\w+=,.@-]+';
export const shapes = {
  userName: { min: 1, max: 64, pattern: NAME },
  existingUserName: { min: 1, max: 128, pattern: NAME },
  groupName: { min: 1, max: 128, pattern: NAME },
  // No max in the model; the 256-char serial number bounds it. We cap the name at 226 so the
  // serial for the default path stays within 256 (UNCONFIRMED exact limit).
  virtualMfaDeviceName: { min: 1, max: 226, pattern: NAME },
  serialNumber: { min: 9, max: 256, pattern: '[\\w+=/:,.@-]+' },
  authenticationCode: { min: 6, max: 6, pattern: '[\\d]+' },
  pathPrefix: { min: 1, max: 512, pattern: '\\u002F[\\u0021-\\u007F]*' },
  marker: { min: 1, max: 320, pattern: '[\\u0020-\\u00FF]+' },
  password: { min: 1, max: 128, pattern: '[\\u0009\\u000A\\u000D\\u0020-\\u00FF]+' },
  policyName: { min: 1, max: 128, pattern: NAME },
  policyDocument: { min: 1, max: 131072, pattern: '[\\u0009\\u000A\\u000D\\u0020-\\u00FF]+' },
  accountAlias: { min: 3, max: 63, pattern: '^[a-z0-9]([a-z0-9]|-(?!-)){1,61}[a-z0-9]$' },
  arn: { min: 20, max: 2048 },
  roleSessionName: { min: 2, max: 64, pattern: '[\\w+=,.@-]*' },
  externalId: { min: 2, max: 1224, pattern: '[\\w+=,.@:\\/-]*' },
  tagKey: { min: 1, max: 128, pattern: '[\\p{L}\\p{Z}\\p{N}_.:/=+\\-@]+' },
  tagValue: { min: 0, max: 256, pattern: '[\\p{L}\\p{Z}\\p{N}_.:/=+\\-@]*' },
} satisfies Record<string, StringShape>;

export const maxItemsShape: IntShape = { min: 1, max: 1000 };

const PATH_PATTERN = /^(\/|\/[\u0021-\u007E]+\/)$/;
const PATH_MESSAGE =
  'The specified value for path is invalid. It must begin and end with / and contain only alphanumeric characters and/or / characters.';

const compiled = new Map<string, RegExp>();
function matchesWhole(pattern: string, value: string): boolean {
  let re = compiled.get(pattern);
  if (!re) {
    const body = pattern.replace(/^\^/, '').replace(/\$$/, '');
    re = new RegExp(`^(?:${body})$`, 'u');
    compiled.set(pattern, re);
  }
  return re.test(value);
}

/** `UserName` → `userName`, the member name AWS puts in validation messages. */
export function memberName(param: string): string {
  return param.charAt(0).toLowerCase() + param.slice(1);
}

export class Params {
  private readonly problems: string[] = [];
  private pathProblem = false;

  constructor(readonly raw: URLSearchParams) {}

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
      this.problem(
        `Value '${value.slice(0, 32)}' at '${member}' failed to satisfy constraint: Member must be a number`,
      );
      return undefined;
    }
    const n = Number(value);
    if (n < shape.min)
      this.problem(
        `Value at '${member}' failed to satisfy constraint: Member must have value greater than or equal to ${shape.min}`,
      );
    if (n > shape.max)
      this.problem(
        `Value at '${member}' failed to satisfy constraint: Member must have value less than or equal to ${shape.max}`,
      );
    return n;
  }

  bool(name: string): boolean | undefined {
    const value = this.raw.get(name);
    if (value === null) return undefined;
    const lower = value.toLowerCase();
    if (lower !== 'true' && lower !== 'false') {
      this.problem(
        `Value '${value.slice(0, 32)}' at '${memberName(name)}' failed to satisfy constraint: Member must be a boolean`,
      );
      return undefined;
    }
    return lower === 'true';
  }

  enumValue<T extends string>(name: string, allowed: readonly T[]): T | undefined {
    const value = this.raw.get(name);
    if (value === null) return undefined;
    if (!(allowed as readonly string[]).includes(value)) {
      this.problem(
        `Value '${value.slice(0, 64)}' at '${memberName(name)}' failed to satisfy constraint: Member must satisfy enum value set: [${allowed.join(', ')}]`,
      );
      return undefined;
    }
    return value as T;
  }

  /** `Name.member.N` string lists. `Name=` (the SDK's empty list) reads as []. */
  stringList(name: string, shape: StringShape, maxMembers?: number): string[] {
    const items = this.members(name).map(([index, value]) => {
      this.checkString(`${memberName(name)}.${index}.member`, value, shape);
      return value;
    });
    this.checkCount(name, items.length, maxMembers);
    return items;
  }

  /** `Tags.member.N.Key` / `.Value` lists, validated against the tag shapes. */
  tags(name = 'Tags', maxMembers = 50): { key: string; value: string }[] {
    const byIndex = new Map<number, { key?: string; value?: string }>();
    const prefix = `${name}.member.`;
    for (const [k, v] of this.raw) {
      if (!k.startsWith(prefix)) continue;
      const m = /^(\d+)\.(Key|Value)$/.exec(k.slice(prefix.length));
      if (!m) continue;
      const index = Number(m[1]);
      const entry = byIndex.get(index) ?? {};
      if (m[2] === 'Key') entry.key = v;
      else entry.value = v;
      byIndex.set(index, entry);
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

  private members(name: string): [number, string][] {
    const prefix = `${name}.member.`;
    const out: [number, string][] = [];
    for (const [k, v] of this.raw) {
      if (k.startsWith(prefix) && /^\d+$/.test(k.slice(prefix.length))) {
        out.push([Number(k.slice(prefix.length)), v]);
      }
    }
    return out.sort(([a], [b]) => a - b);
  }

  private checkCount(name: string, count: number, max?: number): void {
    if (max !== undefined && count > max) {
      this.problem(
        `Value at '${memberName(name)}' failed to satisfy constraint: Member must have length less than or equal to ${max}`,
      );
    }
  }

  private checkString(member: string, value: string, shape: StringShape): void {
    const length = [...value].length;
    if (shape.min !== undefined && length < shape.min) {
      this.problem(
        `Value at '${member}' failed to satisfy constraint: Member must have length greater than or equal to ${shape.min}`,
      );
    }
    if (shape.max !== undefined && length > shape.max) {
      this.problem(
        `Value at '${member}' failed to satisfy constraint: Member must have length less than or equal to ${shape.max}`,
      );
    }
    if (shape.pattern !== undefined && length > 0 && !matchesWhole(shape.pattern, value)) {
      this.problem(
        `Value at '${member}' failed to satisfy constraint: Member must satisfy regular expression pattern: ${shape.pattern}`,
      );
    }
  }

  private problem(text: string): void {
    this.problems.push(text);
  }
}
