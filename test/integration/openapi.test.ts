// GET /openapi.json: an OpenAPI 3.1 document that names every route both functions serve, whose
// schemas describe requests as the validators enforce them and answers as the routes give them.

import { describe, expect, it } from 'vitest';
import { ADMIN_ROUTES } from '../../functions/admin/routes.ts';
import { createClients } from '../../functions/aws/clients.ts';
import { routeKey, routeKeys } from '../../functions/http/route.ts';
import { createOnboardingApp } from '../../functions/onboarding/app.ts';
import { ONBOARDING_ROUTES } from '../../functions/onboarding/routes.ts';
import { functionFor } from '../../local/dev-stack.ts';
import { useAdmin } from '../support/admin.ts';

type Schema = Record<string, unknown>;

/**
 * A small JSON Schema (2020-12) checker for the keywords the document uses. Returns the
 * problems found, empty when the value is valid.
 */
function check(schema: Schema, value: unknown, at = '$'): string[] {
  const problems: string[] = [];
  const typeOf = (v: unknown) =>
    v === null
      ? 'null'
      : Array.isArray(v)
        ? 'array'
        : typeof v === 'number' && Number.isInteger(v)
          ? 'integer'
          : typeof v;
  if (schema.anyOf) {
    const ok = (schema.anyOf as Schema[]).some((s) => check(s, value, at).length === 0);
    if (!ok) problems.push(`${at}: matches no anyOf branch`);
  }
  if (schema.oneOf) {
    const n = (schema.oneOf as Schema[]).filter((s) => check(s, value, at).length === 0).length;
    if (n !== 1) problems.push(`${at}: matches ${n} oneOf branches`);
  }
  if (schema.type !== undefined) {
    const types = ([] as string[]).concat(schema.type as string | string[]);
    const actual = typeOf(value);
    if (!types.includes(actual) && !(actual === 'integer' && types.includes('number')))
      return [`${at}: ${actual} is not ${types.join('|')}`];
  }
  if (schema.enum && !(schema.enum as unknown[]).includes(value))
    problems.push(`${at}: not one of ${JSON.stringify(schema.enum)}`);
  if ('const' in schema && schema.const !== value) problems.push(`${at}: not the constant`);
  if (typeof value === 'string') {
    if (typeof schema.minLength === 'number' && [...value].length < schema.minLength)
      problems.push(`${at}: shorter than ${schema.minLength}`);
    if (typeof schema.maxLength === 'number' && [...value].length > schema.maxLength)
      problems.push(`${at}: longer than ${schema.maxLength}`);
    if (typeof schema.pattern === 'string' && !new RegExp(schema.pattern, 'u').test(value))
      problems.push(`${at}: does not match ${schema.pattern}`);
  }
  if (typeof value === 'number') {
    if (typeof schema.minimum === 'number' && value < schema.minimum)
      problems.push(`${at}: below ${schema.minimum}`);
    if (typeof schema.maximum === 'number' && value > schema.maximum)
      problems.push(`${at}: above ${schema.maximum}`);
  }
  if (Array.isArray(value) && schema.items) {
    value.forEach((item, i) => {
      problems.push(...check(schema.items as Schema, item, `${at}[${i}]`));
    });
  }
  if (typeOf(value) === 'object') {
    const object = value as Record<string, unknown>;
    const properties = (schema.properties ?? {}) as Record<string, Schema>;
    for (const name of (schema.required ?? []) as string[])
      if (!(name in object)) problems.push(`${at}.${name}: required`);
    for (const [name, v] of Object.entries(object)) {
      if (properties[name]) problems.push(...check(properties[name], v, `${at}.${name}`));
      else if (schema.additionalProperties === false) problems.push(`${at}.${name}: not allowed`);
      else if (typeof schema.additionalProperties === 'object')
        problems.push(...check(schema.additionalProperties as Schema, v, `${at}.${name}`));
    }
  }
  return problems;
}

const valid = (schema: Schema, value: unknown) => check(schema, value).length === 0;

interface Operation {
  security?: Record<string, string[]>[];
  parameters?: { name: string; in: string; required?: boolean; schema: Schema }[];
  requestBody?: { required?: boolean; content: Record<string, { schema: Schema }> };
  responses: Record<string, { content?: Record<string, { schema: Schema }> }>;
}

interface Document {
  openapi: string;
  info: { title: string; version: string };
  servers: { url: string }[];
  components: { securitySchemes: Record<string, Record<string, string>> };
  paths: Record<string, Record<string, Operation>>;
}

// The route tables are the one definition; the document and both apps must follow them.
const TABLES = [ADMIN_ROUTES, ONBOARDING_ROUTES];
const DOCUMENTED_ROUTES = TABLES.flatMap((table) =>
  Object.values(table.routes)
    .filter((route) => !route.undocumented)
    .map(routeKey),
);

it('the route tables name the routes this service is known for', () => {
  expect(DOCUMENTED_ROUTES).toEqual(
    expect.arrayContaining([
      'POST /v1/invitations',
      'DELETE /v1/invitations/{userName}',
      'GET /v1/users/{userName}',
      'GET /v1/compliance/users-without-mfa',
      'GET /healthz',
      'GET /openapi.json',
      'GET /onboard',
      'GET /admin',
      'GET /api/enrollment',
      'POST /api/enrollment/device',
      'POST /api/enrollment/activate',
    ]),
  );
  expect(
    TABLES.flatMap(routeKeys)
      .filter((r) => !DOCUMENTED_ROUTES.includes(r))
      .sort(),
  ).toEqual(['GET /', 'GET /admin/assets/{file}', 'GET /assets/{file}']);
});

it('the local server sends each route to the function serverless.yml gives it', () => {
  for (const table of TABLES)
    for (const route of Object.values(table.routes)) {
      const path = route.path.replace(/\{\w+\}/g, 'tanaka.hanako');
      expect(functionFor(path), routeKey(route)).toBe(table.function);
    }
  // Paths no route has: one segment too many, or none at all.
  expect(functionFor('/v1/users/a/b')).toBe('onboarding');
  expect(functionFor('/v1/unknown')).toBe('onboarding');
});

describe('the OpenAPI document (GET /openapi.json)', () => {
  const f = useAdmin();
  const fetchDocument = async (): Promise<Document> => {
    const res = await f.request('GET', '/openapi.json');
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/^application\/json/);
    return (await res.json()) as Document;
  };
  const operation = (doc: Document, route: string): Operation => {
    const [method = '', path = ''] = route.split(' ');
    const op = doc.paths[path]?.[method.toLowerCase()];
    if (!op) throw new Error(`${route} is not documented`);
    return op;
  };
  const bodySchema = (doc: Document, route: string) =>
    operation(doc, route).requestBody?.content['application/json']?.schema as Schema;
  const responseSchema = (doc: Document, route: string, status: number) =>
    operation(doc, route).responses[status]?.content?.['application/json']?.schema as Schema;

  it('is OpenAPI 3.1 with a title, a version and the public server', async () => {
    const doc = await fetchDocument();
    expect(doc.openapi).toBe('3.1.0');
    expect(doc.info.title).toEqual(expect.any(String));
    expect(doc.info.version).toEqual(expect.any(String));
    expect(doc.servers).toEqual([{ url: 'https://onboarding.example.com' }]);
  });

  it('documents every route of both apps, with its method', async () => {
    const doc = await fetchDocument();
    const documented = Object.entries(doc.paths).flatMap(([path, ops]) =>
      Object.keys(ops).map((method) => `${method.toUpperCase()} ${path}`),
    );
    expect(documented.sort()).toEqual([...DOCUMENTED_ROUTES].sort());

    // Each app serves exactly its table's routes (the document leaves out the redirect from /
    // and the page's static files).
    const onboarding = createOnboardingApp({
      clients: createClients({ iamEndpoint: f.emulator.url }),
      config: f.config,
      assets: { html: '', files: {} },
    });
    const served = (app: { routes: { method: string; path: string }[] }) => [
      ...new Set(
        app.routes
          .filter((r) => r.method !== 'ALL')
          .map((r) => `${r.method} ${r.path.replace(/:(\w+)/g, '{$1}')}`),
      ),
    ];
    expect(served(f.app).sort()).toEqual(routeKeys(ADMIN_ROUTES).sort());
    expect(served(onboarding).sort()).toEqual(routeKeys(ONBOARDING_ROUTES).sort());
  });

  it('declares the security schemes and the scope each admin route needs', async () => {
    const doc = await fetchDocument();
    expect(doc.components.securitySchemes).toEqual({
      apiKey: expect.objectContaining({ type: 'http', scheme: 'bearer' }),
      invitation: expect.objectContaining({ type: 'http', scheme: 'bearer' }),
    });
    expect(operation(doc, 'POST /v1/invitations').security).toEqual([
      { apiKey: ['invitations:write'] },
    ]);
    expect(operation(doc, 'DELETE /v1/invitations/{userName}').security).toEqual([
      { apiKey: ['invitations:write'] },
    ]);
    expect(operation(doc, 'GET /v1/users/{userName}').security).toEqual([
      { apiKey: ['users:read'] },
    ]);
    expect(operation(doc, 'GET /v1/compliance/users-without-mfa').security).toEqual([
      { apiKey: ['compliance:read'] },
    ]);
    for (const route of [
      'GET /api/enrollment',
      'POST /api/enrollment/device',
      'POST /api/enrollment/activate',
    ])
      expect(operation(doc, route).security, route).toEqual([{ invitation: [] }]);
    for (const route of ['GET /healthz', 'GET /openapi.json', 'GET /onboard'])
      expect(operation(doc, route).security, route).toBeUndefined();
    // Every 401 and 403 documented is on a route that declares security.
    for (const route of DOCUMENTED_ROUTES) {
      const op = operation(doc, route);
      if (op.responses[401] || op.responses[403]) expect(op.security, route).toBeDefined();
    }
  });

  it('describes the invitation request as the validator enforces it', async () => {
    const doc = await fetchDocument();
    const schema = bodySchema(doc, 'POST /v1/invitations');
    expect(operation(doc, 'POST /v1/invitations').requestBody?.required).toBe(true);
    expect(schema).toMatchObject({
      type: 'object',
      required: ['userName'],
      additionalProperties: false,
      properties: {
        userName: { type: 'string', minLength: 1, maxLength: 64, pattern: expect.any(String) },
        ttlHours: { type: 'integer', minimum: 1, maximum: 720 },
      },
    });
  });

  it('accepts exactly the invitation requests the API accepts', async () => {
    f.seed({ users: [{ name: 'tanaka.hanako' }] });
    const schema = bodySchema(await fetchDocument(), 'POST /v1/invitations');
    const bodies: unknown[] = [
      { userName: 'tanaka.hanako' },
      { userName: 'tanaka.hanako', ttlHours: 1 },
      { userName: 'tanaka.hanako', ttlHours: 720 },
      { userName: 'tanaka.hanako', ttlHours: 721 },
      { userName: 'tanaka.hanako', ttlHours: 0 },
      { userName: 'tanaka.hanako', ttlHours: 1.5 },
      { userName: 'tanaka.hanako', ttlHours: '24' },
      { userName: 'tanaka.hanako', ttlHours: null },
      { userName: 'a+b=c,d.e@f_g-h' },
      { userName: 'a'.repeat(64) },
      { userName: 'a'.repeat(65) },
      { userName: '' },
      { userName: 'tanaka hanako' },
      { userName: 'tanaka/hanako' },
      { userName: 'tanaka.hanakö' },
      { userName: 42 },
      { userName: 'tanaka.hanako', note: 'x' },
      {},
      [],
      'tanaka.hanako',
    ];
    for (const body of bodies) {
      const res = await f.request('POST', '/v1/invitations', {
        key: f.keys.invitationsWrite.key,
        body: JSON.stringify(body),
      });
      const rejected =
        res.status === 400 && ((await res.json()) as { error: { code: string } }).error.code;
      expect(rejected === 'bad_request', JSON.stringify(body)).toBe(!valid(schema, body));
    }
  });

  it('describes the userName path parameter as the validator enforces it', async () => {
    f.seed({ users: [{ name: 'tanaka.hanako' }] });
    const doc = await fetchDocument();
    for (const route of ['GET /v1/users/{userName}', 'DELETE /v1/invitations/{userName}']) {
      expect(operation(doc, route).parameters).toEqual([
        expect.objectContaining({ name: 'userName', in: 'path', required: true }),
      ]);
    }
    const param = operation(doc, 'GET /v1/users/{userName}').parameters?.[0]?.schema as Schema;
    for (const name of [
      'tanaka.hanako',
      'nobody',
      'a+b=c,d.e@f_g-h',
      'a'.repeat(64),
      'a'.repeat(65),
      'a b',
      'a*b',
      'ä',
    ]) {
      const res = await f.request('GET', `/v1/users/${encodeURIComponent(name)}`, {
        key: f.keys.usersRead.key,
      });
      expect(res.status === 400, name).toBe(!valid(param, name));
    }
  });

  it('describes the compliance query as the validator enforces it', async () => {
    f.seed({ users: [{ name: 'alice' }] });
    f.iam.settings.credentialReportBuildMs = 20;
    const doc = await fetchDocument();
    const params = operation(doc, 'GET /v1/compliance/users-without-mfa').parameters ?? [];
    expect(params.map((p) => `${p.in}:${p.name}`).sort()).toEqual([
      'query:consoleOnly',
      'query:createdBefore',
      'query:format',
      'query:pathPrefix',
    ]);
    for (const p of params) expect(p.required, p.name).toBe(false);
    const schemaOf = (name: string) => params.find((p) => p.name === name)?.schema as Schema;
    expect(schemaOf('format')).toMatchObject({ enum: ['json', 'csv'], default: 'json' });
    expect(schemaOf('consoleOnly')).toMatchObject({ type: 'string', enum: ['true', 'false'] });
    expect(schemaOf('createdBefore')).toMatchObject({ type: 'string', format: 'date-time' });

    const samples: [string, string][] = [
      ['format', 'json'],
      ['format', 'csv'],
      ['format', 'xml'],
      ['consoleOnly', 'true'],
      ['consoleOnly', 'false'],
      ['consoleOnly', 'yes'],
      ['pathPrefix', '/'],
      ['pathPrefix', '/staff/eng'],
      ['pathPrefix', 'staff/'],
      ['pathPrefix', '/st aff/'],
      ['pathPrefix', `/${'a'.repeat(511)}`],
      ['pathPrefix', `/${'a'.repeat(512)}`],
      ['createdBefore', '2026-06-01T00:00:00Z'],
      ['createdBefore', '2026-06-01T09:00:00.5+09:00'],
      ['createdBefore', '2026-06-01'],
      ['createdBefore', '2026-02-30T00:00:00Z'],
      ['createdBefore', 'yesterday'],
    ];
    for (const [name, value] of samples) {
      const res = await f.request(
        'GET',
        `/v1/compliance/users-without-mfa?${name}=${encodeURIComponent(value)}`,
        { key: f.keys.complianceRead.key },
      );
      expect(res.status, `${name}=${value}`).toBe(valid(schemaOf(name), value) ? 200 : 400);
    }
  });

  it("describes the admin API's answers as they are", async () => {
    f.seed({
      groups: [{ name: 'force-mfa' }],
      users: [
        { name: 'tanaka.hanako', password: { lastUsed: '2026-05-01T00:00:00Z' } },
        { name: 'sato.taro', mfa: ['virtual'], groups: ['force-mfa'] },
      ],
    });
    f.iam.settings.credentialReportBuildMs = 20;
    const doc = await fetchDocument();
    const answers: [string, Response, number][] = [
      [
        'POST /v1/invitations',
        await f.request('POST', '/v1/invitations', {
          key: f.keys.all.key,
          body: { userName: 'tanaka.hanako' },
        }),
        201,
      ],
      [
        'GET /v1/users/{userName}',
        await f.request('GET', '/v1/users/tanaka.hanako', { key: f.keys.all.key }),
        200,
      ],
      [
        'GET /v1/users/{userName}',
        await f.request('GET', '/v1/users/sato.taro', { key: f.keys.all.key }),
        200,
      ],
      [
        'GET /v1/compliance/users-without-mfa',
        await f.request('GET', '/v1/compliance/users-without-mfa', { key: f.keys.all.key }),
        200,
      ],
      ['GET /v1/users/{userName}', await f.request('GET', '/v1/users/nobody'), 401],
      [
        'GET /v1/users/{userName}',
        await f.request('GET', '/v1/users/nobody', { key: f.keys.complianceRead.key }),
        403,
      ],
      [
        'GET /v1/users/{userName}',
        await f.request('GET', '/v1/users/nobody', { key: f.keys.all.key }),
        404,
      ],
      [
        'POST /v1/invitations',
        await f.request('POST', '/v1/invitations', { key: f.keys.all.key, body: {} }),
        400,
      ],
      [
        'POST /v1/invitations',
        await f.request('POST', '/v1/invitations', {
          key: f.keys.all.key,
          body: { userName: 'sato.taro' },
        }),
        409,
      ],
    ];
    for (const [route, res, status] of answers) {
      expect(res.status, route).toBe(status);
      const schema = responseSchema(doc, route, status);
      expect(schema, `${route} ${status} is documented`).toBeDefined();
      const body = await res.json();
      expect(check(schema, body), `${route} ${status}`).toEqual([]);
    }
  });
});
