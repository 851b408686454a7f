// Validation of STS requests, in STS's message format (which, unlike IAM's, echoes the value).

import { validationError } from '../errors.ts';
import { memberName } from '../params.ts';

export interface StsShape {
  min?: number;
  max?: number;
  /** The pattern as the model writes it (for the message). */
  pattern?: string;
  /** The same pattern as a whole-string JS regex. */
  regex?: RegExp;
}

export const stsShapes = {
  arn: {
    min: 20,
    max: 2048,
    pattern:
      '[\\u0009\\u000A\\u000D\\u0020-\\u007E\\u0085\\u00A0-\\uD7FF\\uE000-\\uFFFD\\u10000-\\u10FFFF]+',
    regex: /^[\t\n\r\u0020-\u007E\u0085\u00A0-\uD7FF\uE000-\uFFFD\u{10000}-\u{10FFFF}]+$/u,
  },
  roleSessionName: { min: 2, max: 64, pattern: '[\\w+=,.@-]*', regex: /^[\w+=,.@-]*$/ },
  externalId: { min: 2, max: 1224, pattern: '[\\w+=,.@:\\/-]*', regex: /^[\w+=,.@:/-]*$/ },
  serialNumber: { min: 9, max: 256, pattern: '[\\w+=/:,.@-]*', regex: /^[\w+=/:,.@-]*$/ },
  tokenCode: { min: 6, max: 6, pattern: '[\\d]*', regex: /^\d*$/ },
  sourceIdentity: { min: 2, max: 64, pattern: '[\\w+=,.@-]*', regex: /^[\w+=,.@-]*$/ },
  policy: {
    min: 1,
    max: 2048,
    pattern: '[\\u0009\\u000A\\u000D\\u0020-\\u00FF]+',
    regex: /^[\t\n\r\u0020-\u00FF]+$/,
  },
  tagKey: {
    min: 1,
    max: 128,
    pattern: '[\\p{L}\\p{Z}\\p{N}_.:/=+\\-@]+',
    regex: /^[\p{L}\p{Z}\p{N}_.:/=+\-@]+$/u,
  },
  tagValue: {
    min: 0,
    max: 256,
    pattern: '[\\p{L}\\p{Z}\\p{N}_.:/=+\\-@]*',
    regex: /^[\p{L}\p{Z}\p{N}_.:/=+\-@]*$/u,
  },
} satisfies Record<string, StsShape>;

/** Reads STS members and collects violations in STS's wording, which quotes the value. */
export class StsInput {
  private readonly problems: string[] = [];

  constructor(private readonly raw: URLSearchParams) {}

  string(name: string, shape: StsShape, required: true): string;
  string(name: string, shape: StsShape, required?: false): string | undefined;
  string(name: string, shape: StsShape, required = false): string | undefined {
    const value = this.raw.get(name);
    if (value === null) {
      if (required) this.nullProblem(memberName(name));
      return required ? '' : undefined;
    }
    this.check(memberName(name), value, shape);
    return value;
  }

  int(name: string, min: number, max: number): number | undefined {
    const value = this.raw.get(name);
    if (value === null) return undefined;
    const at = `Value '${value}' at '${memberName(name)}' failed to satisfy constraint:`;
    if (!/^-?\d+$/.test(value)) {
      this.problems.push(`${at} Member must be a number`);
      return undefined;
    }
    const n = Number(value);
    if (n < min) this.problems.push(`${at} Member must have value greater than or equal to ${min}`);
    if (n > max) this.problems.push(`${at} Member must have value less than or equal to ${max}`);
    return n;
  }

  /** `Name.member.N` (strings) or `Name.member.N.field` (structures), in index order. */
  members(name: string, field?: string): { index: number; value: string }[] {
    const re = new RegExp(`^${name}\\.member\\.(\\d+)${field === undefined ? '' : `\\.${field}`}$`);
    const out: { index: number; value: string }[] = [];
    for (const [k, v] of this.raw) {
      const m = re.exec(k);
      if (m) out.push({ index: Number(m[1]), value: v });
    }
    return out.sort((a, b) => a.index - b.index);
  }

  stringList(name: string, shape: StsShape, maxMembers?: number, field?: string): string[] {
    const items = this.members(name, field);
    const suffix = field === undefined ? '' : `.${field}`;
    for (const { index, value } of items) {
      this.check(`${memberName(name)}.${index}.member${suffix}`, value, shape);
    }
    this.count(name, items.length, maxMembers);
    return items.map((i) => i.value);
  }

  tags(name = 'Tags', maxMembers = 50): { key: string; value: string }[] {
    const byIndex = new Map<number, { key?: string; value?: string }>();
    for (const { index, value } of this.members(name, 'Key')) byIndex.set(index, { key: value });
    for (const { index, value } of this.members(name, 'Value')) {
      byIndex.set(index, { ...byIndex.get(index), value });
    }
    const member = memberName(name);
    const tags = [...byIndex.entries()]
      .sort(([a], [b]) => a - b)
      .map(([index, { key, value }]) => {
        const at = `${member}.${index}.member`;
        if (key === undefined) this.nullProblem(`${at}.key`);
        else this.check(`${at}.key`, key, stsShapes.tagKey);
        if (value === undefined) this.nullProblem(`${at}.value`);
        else this.check(`${at}.value`, value, stsShapes.tagValue);
        return { key: key ?? '', value: value ?? '' };
      });
    this.count(name, tags.length, maxMembers);
    return tags;
  }

  done(): void {
    const n = this.problems.length;
    if (n > 0) {
      throw validationError(
        `${n} validation error${n === 1 ? '' : 's'} detected: ${this.problems.join('; ')}`,
      );
    }
  }

  private nullProblem(member: string): void {
    this.problems.push(
      `Value null at '${member}' failed to satisfy constraint: Member must not be null`,
    );
  }

  private count(name: string, count: number, max: number | undefined): void {
    if (max !== undefined && count > max) {
      // How AWS renders a list value here is not recorded; the value is left out.
      this.problems.push(
        `Value at '${memberName(name)}' failed to satisfy constraint: Member must have length less than or equal to ${max}`,
      );
    }
  }

  private check(member: string, value: string, shape: StsShape): void {
    const at = `Value '${value}' at '${member}' failed to satisfy constraint:`;
    const length = [...value].length;
    if (shape.min !== undefined && length < shape.min) {
      this.problems.push(`${at} Member must have length greater than or equal to ${shape.min}`);
    }
    if (shape.max !== undefined && length > shape.max) {
      this.problems.push(`${at} Member must have length less than or equal to ${shape.max}`);
    }
    if (shape.regex !== undefined && length > 0 && !shape.regex.test(value)) {
      this.problems.push(`${at} Member must satisfy regular expression pattern: ${shape.pattern}`);
    }
  }
}
