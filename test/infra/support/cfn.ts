// Just enough of CloudFormation to read the packaged template's policies as IAM will see them:
// Ref, Fn::Sub (with `${!literal}`), Fn::GetAtt, Fn::If/Equals/Not, Fn::Join, Fn::Select/Split,
// evaluated for a test account, region and parameter values.

import type { CfnTemplate } from './packaged-stack.ts';

export interface Deployment {
  accountId: string;
  region: string;
  /** Default `aws`; set it with a region of that partition. */
  partition?: string;
  stage: string;
  /** Parameter values; parameters not given take the template's defaults. */
  parameters: Record<string, string>;
}

export const TEST_DEPLOYMENT: Deployment = {
  accountId: '123456789012',
  region: 'us-east-1',
  stage: 'dev',
  // A user path, so that "outside the path" means something.
  parameters: { UserPathPrefix: '/staff/', SenderEmail: 'onboarding@mail.example.com' },
};

export function resolver(template: CfnTemplate, deployment: Deployment = TEST_DEPLOYMENT) {
  const partition = deployment.partition ?? 'aws';
  const pseudo: Record<string, string> = {
    'AWS::AccountId': deployment.accountId,
    'AWS::Region': deployment.region,
    'AWS::Partition': partition,
    'AWS::URLSuffix': partition === 'aws-cn' ? 'amazonaws.com.cn' : 'amazonaws.com',
    'AWS::StackName': `mfa-onboarding-${deployment.stage}`,
  };
  const parameter = (name: string): string | undefined => {
    if (name in deployment.parameters) return deployment.parameters[name];
    const fallback = template.Parameters[name]?.Default;
    return fallback === undefined ? undefined : String(fallback);
  };

  const ref = (name: string): string => {
    const value = pseudo[name] ?? parameter(name);
    if (value !== undefined) return value;
    const resource = template.Resources[name];
    if (!resource) throw new Error(`Ref to unknown ${name}`);
    // What Ref returns for the resource types the policies name.
    if (resource.Type === 'AWS::IAM::Group') return String(resolve(resource.Properties.GroupName));
    if (resource.Type === 'AWS::IAM::ManagedPolicy')
      return `arn:${partition}:iam::${deployment.accountId}:policy/mfa-onboarding/${name}`;
    if (resource.Type === 'AWS::ApiGatewayV2::Api') return 'abcdef1234';
    // A role's name: the logical id here, as getAtt's ARN below has it.
    if (resource.Type === 'AWS::IAM::Role') return name;
    throw new Error(`Ref to ${resource.Type} is not modelled`);
  };

  const getAtt = (name: string, attribute: string): string => {
    const resource = template.Resources[name];
    if (resource?.Type === 'AWS::Logs::LogGroup' && attribute === 'Arn') {
      const group = String(resolve(resource.Properties.LogGroupName));
      return `arn:${partition}:logs:${deployment.region}:${deployment.accountId}:log-group:${group}:*`;
    }
    if (resource?.Type === 'AWS::IAM::Role' && attribute === 'Arn')
      return `arn:${partition}:iam::${deployment.accountId}:role/mfa-onboarding/${name}`;
    throw new Error(`Fn::GetAtt ${name}.${attribute} is not modelled`);
  };

  const condition = (name: string): boolean => {
    const value = resolve(template.Conditions[name]);
    if (typeof value !== 'boolean') throw new Error(`condition ${name} is not a boolean`);
    return value;
  };

  const sub = (text: string, vars: Record<string, unknown> = {}): string =>
    text.replace(/\$\{(!?)([^}]+)\}/g, (_, literal: string, name: string) => {
      if (literal) return `\${${name}}`;
      if (name in vars) return String(resolve(vars[name]));
      if (name.includes('.')) {
        const [resource = '', attribute = ''] = name.split('.');
        return getAtt(resource, attribute);
      }
      return ref(name);
    });

  function resolve(value: unknown): unknown {
    if (Array.isArray(value)) return value.map(resolve);
    if (!value || typeof value !== 'object') return value;
    const entries = Object.entries(value);
    const [key, arg] = entries[0] ?? [];
    if (entries.length === 1 && key !== undefined) {
      switch (key) {
        case 'Ref':
          return ref(arg as string);
        case 'Fn::Sub':
          return Array.isArray(arg)
            ? sub(arg[0] as string, arg[1] as Record<string, unknown>)
            : sub(arg as string);
        case 'Fn::GetAtt': {
          const [resource, attribute] = arg as [string, string];
          return getAtt(resource, attribute);
        }
        case 'Fn::Join': {
          const [separator, parts] = arg as [string, unknown[]];
          return parts.map(resolve).join(separator);
        }
        case 'Fn::If': {
          const [name, whenTrue, whenFalse] = arg as [string, unknown, unknown];
          return condition(name) ? resolve(whenTrue) : resolve(whenFalse);
        }
        case 'Fn::Equals': {
          const [a, b] = (arg as unknown[]).map(resolve);
          return a === b;
        }
        case 'Fn::Not':
          return !resolve((arg as unknown[])[0]);
        case 'Fn::Split': {
          const [separator, text] = arg as [string, unknown];
          return String(resolve(text)).split(separator);
        }
        case 'Fn::Select': {
          const [index, items] = arg as [number, unknown];
          const list = resolve(items);
          if (!Array.isArray(list) || list[index] === undefined)
            throw new Error(`Fn::Select ${index} out of range`);
          return list[index];
        }
      }
      if (key.startsWith('Fn::')) throw new Error(`${key} is not modelled`);
    }
    return Object.fromEntries(entries.map(([k, v]) => [k, resolve(v)]));
  }

  return { resolve, condition };
}
