// Bearer API-key authentication with scopes for the admin function. The key itself is never
// logged; the key's configured name is, so every action is attributable.

import type { MiddlewareHandler } from 'hono';
import { ForbiddenError, UnauthorizedError } from '../errors.ts';
import { type AppEnv, bearerToken } from '../http/request-context.ts';
import { type ApiKeyEntry, findApiKey, type Scope } from './api-keys.ts';

export type AdminEnv = AppEnv & {
  Variables: AppEnv['Variables'] & { apiKeyName: string; apiKeyScopes: readonly Scope[] };
};

/** A configured key, with this scope (null: any valid key, whatever its scopes). */
export function requireScope(
  keys: readonly ApiKeyEntry[],
  scope: Scope | null,
): MiddlewareHandler<AdminEnv> {
  return async (c, next) => {
    const presented = bearerToken(c);
    const entry = presented === undefined ? undefined : findApiKey(keys, presented);
    if (!entry) {
      c.get('logger').warn('admin.auth_failed', {
        reason: presented ? 'unknown_key' : 'missing_key',
        sourceIp: c.get('sourceIp'),
      });
      throw new UnauthorizedError();
    }
    if (scope !== null && !entry.scopes.includes(scope)) {
      c.get('logger').warn('admin.auth_failed', {
        reason: 'missing_scope',
        keyName: entry.name,
        scope,
        sourceIp: c.get('sourceIp'),
      });
      throw new ForbiddenError(scope);
    }
    c.set('apiKeyName', entry.name);
    c.set('apiKeyScopes', entry.scopes);
    await next();
  };
}
