import { ForbiddenError } from '../errors/index.js';

/**
 * The areas a personal access token can be scoped to: the first segment after `/api/` of the routes
 * that hold a person's data. A route under any other prefix (`/api/auth`, `/api/admin`, or one not
 * listed yet) refuses tokens outright, so a new area is closed to scripts until it is added here.
 */
export const SCOPE_AREAS = [
  'accounts',
  'categories',
  'transactions',
  'budgets',
  'goals',
  'debts',
  'recurring-transactions',
  'transaction-moods',
  'analytics',
  'webhooks',
] as const;
export type ScopeArea = (typeof SCOPE_AREAS)[number];

export const ACCESS_LEVELS = ['read', 'write'] as const;
export type AccessLevel = (typeof ACCESS_LEVELS)[number];

/** `read` and `write` cover every area; `<area>:<level>` one area. `write` implies `read`. */
export const SCOPES = [...ACCESS_LEVELS, ...SCOPE_AREAS.flatMap((area) => ACCESS_LEVELS.map((level) => `${area}:${level}` as const))] as const;
export type Scope = (typeof SCOPES)[number];

/** GET and HEAD read; every other method changes something. */
export function accessLevelOf(method: string): AccessLevel {
  return method === 'GET' || method === 'HEAD' ? 'read' : 'write';
}

/** The scope area of a route, from its URL pattern (`/api/budgets/:id` → `budgets`); undefined if none. */
export function scopeAreaOf(routeUrl: string | undefined): ScopeArea | undefined {
  const segment = routeUrl === undefined ? undefined : /^\/api\/([^/?]+)/.exec(routeUrl)?.[1];
  return SCOPE_AREAS.find((area) => area === segment);
}

export function scopesAllow(scopes: readonly Scope[], area: ScopeArea, level: AccessLevel): boolean {
  const granting: Scope[] = level === 'read' ? ['read', 'write', `${area}:read`, `${area}:write`] : ['write', `${area}:write`];
  return granting.some((scope) => scopes.includes(scope));
}

/**
 * Holds a scoped caller to the route it calls: the one place scopes are enforced, so a route cannot
 * forget them. Callers without scopes (a signed-in session) have full access.
 */
export function enforceScopes(scopes: readonly Scope[] | undefined, route: { url: string | undefined; method: string }): void {
  if (scopes === undefined) return;
  const area = scopeAreaOf(route.url);
  if (area === undefined) {
    throw new ForbiddenError('Personal access tokens cannot be used here: sign in with a password or code', 'session_required');
  }
  const level = accessLevelOf(route.method);
  if (!scopesAllow(scopes, area, level)) {
    throw new ForbiddenError(`This token lacks the ${area}:${level} scope (or ${level})`, 'insufficient_scope');
  }
}
