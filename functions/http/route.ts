// One definition per route: its method and path, who may call it, the schemas of what it takes
// and gives, and its documentation. The apps mount routes from these (so the validators are the
// schemas), GET /openapi.json is generated from them, and tests check serverless.yml and the
// local server against them. The route tables are `admin/routes.ts` and `onboarding/routes.ts`.

import type { Context, Env, Hono, MiddlewareHandler } from 'hono';
import type * as v from 'valibot';
import { validated } from './validation.ts';

type Schema = v.GenericSchema;
type ObjectSchema =
  | v.ObjectSchema<v.ObjectEntries, undefined>
  | v.StrictObjectSchema<v.ObjectEntries, undefined>;

export type Method = 'GET' | 'POST' | 'PUT' | 'DELETE';

export interface ResponseSpec {
  description: string;
  /** The JSON body's schema. */
  json?: Schema;
  /** Other media types the route may answer with (their schema in the document). */
  other?: Record<string, { type: 'string' }>;
}

/** A route; `Scope` is the admin function's scope names. */
export interface RouteSpec<Scope extends string = string> {
  method: Method;
  /** As OpenAPI and API Gateway write it: `/v1/users/{userName}`. */
  path: string;
  summary: string;
  description?: string;
  /**
   * Who may call it: an API key with a scope (`apiKey: null`: any valid key, whatever its
   * scopes), the invitation token of an onboarding link, or anyone. The document derives the 401
   * and 403 answers from this.
   */
  auth: { apiKey: Scope | null } | 'invitation' | 'public';
  request?: { params?: ObjectSchema; query?: ObjectSchema; json?: Schema };
  responses: Record<number, ResponseSpec>;
  /** Left out of the document (a redirect, static files), still a route of the function. */
  undocumented?: true;
}

/**
 * A function's routes (declared `satisfies Record<string, RouteSpec>`, so each keeps its schemas'
 * types), and the largest body it reads.
 */
export interface RouteTable {
  function: 'admin' | 'onboarding';
  maxBodyBytes: number;
  routes: Record<string, RouteSpec>;
}

/** `/v1/users/{userName}` as Hono writes it: `/v1/users/:userName`. */
export const honoPath = (path: string) => path.replace(/\{(\w+)\}/g, ':$1');

type Output<S> = S extends Schema ? v.InferOutput<S> : undefined;

/** What a handler receives: the request's parts, validated and typed by the route's schemas. */
export interface RouteInput<R extends RouteSpec> {
  params: Output<NonNullable<R['request']>['params']>;
  query: Output<NonNullable<R['request']>['query']>;
  json: Output<NonNullable<R['request']>['json']>;
}

export interface MountOptions<E extends Env> {
  /** Checks the caller. Runs before input validation... */
  auth?: MiddlewareHandler<E>;
  /**
   * ...unless the check costs an IAM call (the invitation token): then malformed input is refused
   * first, for free.
   */
  authAfterInput?: boolean;
}

/** Adds one route to an app: the auth check, the validators from its schemas, the handler. */
export function mount<E extends Env, R extends RouteSpec>(
  app: Hono<E>,
  route: R,
  options: MountOptions<E>,
  handler: (c: Context<E>, input: RouteInput<R>) => Response | Promise<Response>,
): void {
  const request = route.request ?? {};
  const validators: MiddlewareHandler<E>[] = [];
  if (request.params) validators.push(validated('param', request.params));
  if (request.query) validators.push(validated('query', request.query));
  if (request.json) validators.push(validated('json', request.json));
  const auth = options.auth ? [options.auth] : [];
  const chain = options.authAfterInput ? [...validators, ...auth] : [...auth, ...validators];
  const respond: MiddlewareHandler<E> = async (c) => {
    // The validators above stored each part; a part the route does not take reads as undefined.
    const valid = (target: 'param' | 'query' | 'json') =>
      (c.req.valid as (t: string) => unknown)(target);
    const input = {
      params: request.params ? valid('param') : undefined,
      query: request.query ? valid('query') : undefined,
      json: request.json ? valid('json') : undefined,
    } as RouteInput<R>;
    return handler(c, input);
  };
  const [first = respond, ...rest] = [...chain, respond]; // never empty: respond comes last
  app.on(route.method, honoPath(route.path), first, ...rest);
}

/** `GET /v1/users/{userName}`: a route as API Gateway keys it. */
export const routeKey = (route: RouteSpec) => `${route.method} ${route.path}`;

/** The route keys of a function, as its serverless.yml events must list them. */
export const routeKeys = (table: RouteTable) => Object.values(table.routes).map(routeKey);

/**
 * Finds the table with a route for a path (any method), as API Gateway would: the patterns are
 * compiled once, not on every request.
 */
export function tableFinder<T extends RouteTable>(
  tables: readonly T[],
): (pathname: string) => T | undefined {
  const patterns = tables.map((table) => ({
    table,
    paths: Object.values(table.routes).map((route) => pathPattern(route.path)),
  }));
  return (pathname) => patterns.find(({ paths }) => paths.some((p) => p.test(pathname)))?.table;
}

const pathPattern = (path: string) =>
  new RegExp(`^${path.replace(/[.*+?^$()|[\]\\]/g, '\\$&').replace(/\{\w+\}/g, '[^/]+')}$`);
