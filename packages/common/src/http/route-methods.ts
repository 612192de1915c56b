import FindMyWay, { type HTTPMethod } from 'find-my-way';

const noop = () => undefined;

/**
 * Which methods each registered path answers. Fastify's router only says that no route matched a
 * method and path; with this the not-found handler can tell a known path asked with an undeclared
 * method (405 with `Allow`) from a path that does not exist (404). The same router Fastify uses,
 * with the same defaults, so a path matches here exactly when it matches there.
 */
export class RouteMethods {
  readonly #router = FindMyWay();
  readonly #registered = new Set<string>();
  readonly #methods = new Set<HTTPMethod>();

  /** From an `onRoute` hook. OPTIONS routes are left out: `@fastify/cors` answers OPTIONS on every path (`*`) for preflight, which says nothing about what a path offers. */
  add(methods: string | readonly string[], url: string): void {
    for (const method of typeof methods === 'string' ? [methods] : methods) {
      const key = `${method} ${url}`;
      if (method === 'OPTIONS' || this.#registered.has(key)) continue;
      this.#registered.add(key);
      this.#methods.add(method as HTTPMethod);
      this.#router.on(method as HTTPMethod, url, noop);
    }
  }

  /** The methods a path answers, in alphabetical order; none for a path no route has. */
  allowed(path: string): string[] {
    return [...this.#methods].filter((method) => this.#router.find(method, path) !== null).sort();
  }
}
