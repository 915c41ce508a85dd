import { Hono, type MiddlewareHandler } from 'hono'
import type { Logger } from '../log.ts'
import type { Metrics } from '../metrics.ts'
import { allowOrigins } from './cors.ts'
import { answerErrors } from './errors.ts'
import { type RouteTable, refuseOtherMethods, routeTable } from './route-table.ts'
import { createBadgeRoute } from './routes/badge.ts'
import { createHealthRoute } from './routes/health.ts'
import { createInsightsRoute } from './routes/insights.ts'
import { createMetricsRoute } from './routes/metrics.ts'
import { createStatsRoute } from './routes/stats.tsx'
import { createViewsRoute } from './routes/views.ts'
import type { AppEnv, Deps } from './types.ts'

function logRequest(log: Logger, metrics: Metrics, routes: RouteTable): MiddlewareHandler<AppEnv> {
  return async function logRequest(c, next) {
    const started = performance.now()
    await next()
    const elapsed = performance.now() - started
    metrics.observeRequest(c.req.method, routes.labelOf(c), c.res.status, elapsed / 1000)
    if (c.var.outcome) metrics.countView(c.var.outcome)
    log.info('request', {
      method: c.req.method,
      path: c.req.path,
      status: c.res.status,
      ms: Math.round(elapsed * 10) / 10,
      outcome: c.var.outcome,
    })
  }
}

/** The service's HTTP app: app-wide middleware, then each route module with what it needs. */
export function createApp(deps: Deps) {
  const { database, counting, readiness, log, metrics, reads, corsOrigins, statsCredentials, site = {} } = deps
  const app = new Hono<AppEnv>()
  const routes = routeTable(app)

  app.use(logRequest(log, metrics, routes))
  app.use(allowOrigins({ origins: corsOrigins, allowMethods: ['GET', 'HEAD', 'POST'], maxAgeSeconds: 86400 }))
  app.use(refuseOtherMethods(routes))

  app.route('/', createHealthRoute(readiness))
  app.route('/', createViewsRoute({ db: database.db, counting, readiness, reads, corsOrigins, log, site }))
  app.route('/', createStatsRoute({ db: database.db, counting, readiness, reads, credentials: statsCredentials, site }))
  app.route(
    '/',
    createInsightsRoute({ db: database.db, counting, readiness, reads, credentials: statsCredentials, site }),
  )
  app.route('/', createBadgeRoute({ db: database.db, counting, readiness }))
  // With METRICS_PORT set, /metrics is not a route here at all: 404 whatever the method.
  if (deps.metricsOnMainPort) app.route('/', createMetricsRoute({ database, readiness, metrics, counting }))

  app.notFound((c) => c.json({ error: 'not found' }, 404))
  app.onError(answerErrors(log, metrics))
  return app
}
