// `npm run api-key -- --name hr --scopes invitations:write,users:read`
// Prints a new API key (give it to the caller; it is not stored) and the API_KEYS entry that
// holds only its hash. Several entries may be configured at once, for rotation.

import { parseArgs } from 'node:util';
import { newApiKey, SCOPES, type Scope } from '../functions/admin/api-keys.ts';

/** What each scope lets a key do (the routes are in GET /openapi.json). */
const SCOPE_HELP: Record<Scope, string> = {
  'invitations:write': 'issue (one or up to 200) and revoke onboarding links (/v1/invitations*)',
  'users:read': "read one user's MFA status (GET /v1/users/{name})",
  'compliance:read': 'the report of users without MFA (GET /v1/compliance/*)',
  'exemptions:write': 'exempt a user from MFA, or end it (PUT, DELETE /v1/users/{name}/exemption)',
  'enforcement:write': 'add users to the force-MFA group (POST /v1/force-mfa-group/members)',
  'mfa:reset':
    "take a user's MFA devices off and issue a new link (POST /v1/users/{name}/mfa-reset)",
};

function main(): number {
  let values: { name?: string; scopes?: string; help?: boolean };
  try {
    ({ values } = parseArgs({
      options: {
        name: { type: 'string' },
        scopes: { type: 'string' },
        help: { type: 'boolean', short: 'h' },
      },
    }));
  } catch (error) {
    console.error((error as Error).message);
    return 2;
  }
  if (values.help) {
    console.log(
      [
        `Usage: npm run api-key -- --name <name> [--scopes ${SCOPES.join(',')}]`,
        '',
        'Prints a new API key and the API_KEYS entry holding its hash. Scopes (default: all):',
        ...SCOPES.map((scope) => `  ${scope.padEnd(18)} ${SCOPE_HELP[scope]}`),
      ].join('\n'),
    );
    return 0;
  }
  const name = values.name ?? '';
  if (!/^[\w.@-]{1,64}$/.test(name)) {
    console.error('--name is required: 1-64 of letters, digits and _.@-');
    return 2;
  }
  const scopes = (values.scopes ?? SCOPES.join(',')).split(',').map((s) => s.trim());
  const unknown = scopes.filter((s) => !(SCOPES as readonly string[]).includes(s));
  if (unknown.length > 0) {
    console.error(`Unknown scope(s): ${unknown.join(', ')}. Known: ${SCOPES.join(', ')}`);
    return 2;
  }
  const { key, sha256 } = newApiKey();
  const entry = { name, scopes: scopes as Scope[], sha256 };
  console.log(
    [
      `API key for "${name}" (${scopes.join(', ')}). Shown once; store it in the caller's secret store:`,
      `  ${key}`,
      '',
      'Add this entry to the API_KEYS setting (a JSON array; keep other entries while rotating):',
      `  ${JSON.stringify(entry)}`,
    ].join('\n'),
  );
  return 0;
}

process.exitCode = main();
