import type { Context, MiddlewareHandler } from 'hono'
import { routePath } from 'hono/route'
import { TrieRouter } from 'hono/router/trie-router'
import type { RouterRoute } from 'hono/types'

interface Route {
  pattern: string
  methods: Set<string>
}

// In Hono a trailing '/*' is a special wildcard that also matches the bare prefix ('/views/*'
// matches '/views'; honojs/hono#360, by design). A slug route needs the slash, so it is read here
// as a parameter that may be empty: '/views' is the list alone, '/views/' an (empty) slug. The
// route keeps its '/*' pattern, which is also its metric label.
const strict = (pattern: string) => pattern.replace(/\/\*$/, '/:rest{.*}')

/**
 * What the registered routes say about a path: the pattern it matches and the methods answered
 * there, read from app.routes as hono/method-not-allowed does
 * (honojs/hono src/middleware/method-not-allowed/index.ts). No list sits beside the routes.
 */
export function routeTable(app: { routes: RouterRoute[] }) {
  let router: TrieRouter<Route> | undefined
  // Built at the first request, once every route module has been mounted.
  const build = () => {
    const byPattern = new Map<string, Set<string>>()
    for (const route of app.routes) {
      // ALL is middleware (app.use), not an answer; HEAD is answered wherever GET is.
      if (route.method === 'ALL' || route.method === 'HEAD') continue
      const methods = byPattern.get(route.path) ?? new Set()
      methods.add(route.method)
      if (route.method === 'GET') methods.add('HEAD')
      byPattern.set(route.path, methods)
    }
    const trie = new TrieRouter<Route>()
    for (const [pattern, methods] of byPattern) trie.add('ALL', strict(pattern), { pattern, methods })
    return trie
  }
  const match = (path: string): Route[] => {
    router ??= build()
    return router.match('ALL', path)[0].map(([route]) => route)
  }

  return {
    /**
     * Whether a route of the request's method has this path, from what the app's router already
     * matched (HEAD is matched as GET): no second lookup for the requests the routes answer. A
     * trailing '/*' counts only where its slash is there, as `strict` reads it.
     */
    answersMethod(c: Context): boolean {
      const method = c.req.method === 'HEAD' ? 'GET' : c.req.method
      return c.req.matchedRoutes.some(
        (route) =>
          route.method === method && (!route.path.endsWith('/*') || c.req.path.startsWith(route.path.slice(0, -1))),
      )
    },

    /** The methods answered at this path; empty when no route has it. */
    methodsFor: (path: string) => new Set(match(path).flatMap((route) => [...route.methods])),

    /**
     * The metric label: the pattern of the route that answered (Hono's routePath), so one series
     * per route whatever the slugs. When app-wide middleware answered (a CORS preflight, a 405) or
     * nothing did, the pattern the path belongs to, or 'unmatched'.
     */
    labelOf(c: Context): string {
      const answered = routePath(c)
      if (answered !== '/*' && answered !== '') return answered
      return match(c.req.path)[0]?.pattern ?? 'unmatched'
    },
  }
}

export type RouteTable = ReturnType<typeof routeTable>

// 405 with an Allow header from the registered routes. Unlike hono/method-not-allowed, which turns
// a 404 into a 405 after the routes ran, this answers before any route's own middleware: a wrong
// method is a 405 whether the database is up or a credential was given.
export function refuseOtherMethods(routes: RouteTable): MiddlewareHandler {
  return async function refuseOtherMethods(c, next) {
    if (routes.answersMethod(c)) return next()
    const allowed = routes.methodsFor(c.req.path)
    if (allowed.size > 0 && !allowed.has(c.req.method)) {
      return c.json({ error: 'method not allowed' }, 405, { Allow: [...allowed].join(', ') })
    }
    await next()
  }
}
