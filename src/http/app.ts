import { Hono, type Context } from 'hono'
import { cors } from 'hono/cors'
import { HTTPException } from 'hono/http-exception'
import type { ContentfulStatusCode } from 'hono/utils/http-status'
import type { Counting, Outcome } from '../counting/counting.ts'
import type { DatabaseHandle } from '../db/client.ts'
import { comesFromDatabase, describeDatabaseError, isDatabaseUnavailable } from '../db/errors.ts'
import type { Readiness } from '../db/readiness.ts'
import type { Logger } from '../log.ts'
import type { Metrics } from '../metrics.ts'
import type { ReadCache } from './read-cache.ts'
import { badgeRoutes } from './routes/badge.ts'
import { health } from './routes/health.ts'
import { metricsRoutes } from './routes/metrics.ts'
import { statsRoutes } from './routes/stats.tsx'
import { viewRoutes } from './routes/views.ts'
import type { StatsCredentials } from './stats-access.ts'

export interface Deps {
  database: DatabaseHandle
  counting: Counting
  readiness: Readiness
  log: Logger
  metrics: Metrics
  reads: ReadCache
  corsOrigins: string[]
  /** Set to make GET /stats private; unset, it is as public as GET /views. */
  statsCredentials?: StatsCredentials
  /** False when metrics have a port of their own (METRICS_PORT), away from the public tunnel. */
  metricsOnMainPort: boolean
}

export type AppEnv = { Variables: { deps: Deps; outcome?: Outcome } }
export type AppContext = Context<AppEnv>

const allowedMethods: Record<string, string[]> = {
  '/health': ['GET', 'HEAD'],
  '/ready': ['GET', 'HEAD'],
  '/views': ['GET', 'HEAD', 'OPTIONS'],
  '/views/': ['GET', 'HEAD', 'POST', 'OPTIONS'],
  '/summary': ['GET', 'HEAD', 'OPTIONS'],
  '/stats': ['GET', 'HEAD'],
  '/badge/': ['GET', 'HEAD'],
  '/metrics': ['GET', 'HEAD'],
}
const databasePaths = ['/views/*', '/summary', '/stats', '/badge/*']
// A slug may span segments, so '/views/' and '/badge/' stand for every path under them.
const methodsFor = (path: string) => allowedMethods[path] ?? allowedMethods[['/views/', '/badge/'].find((prefix) => path.startsWith(prefix)) ?? '']
// Route patterns, not paths, label the request metrics: one series per route, whatever the slugs.
const routeOf = (path: string) =>
  path in allowedMethods ? path : path.startsWith('/views/') ? '/views/*' : path.startsWith('/badge/') ? '/badge/*' : 'unmatched'

export function createApp(deps: Deps) {
  const { log, readiness, metrics } = deps
  const origins = new Set(deps.corsOrigins)
  const app = new Hono<AppEnv>()

  app.use(async function logRequest(c, next) {
    const started = performance.now()
    c.set('deps', deps)
    await next()
    const elapsed = performance.now() - started
    metrics.observeRequest(c.req.method, routeOf(c.req.path), c.res.status, elapsed / 1000)
    if (c.var.outcome) metrics.countView(c.var.outcome)
    log.info('request', { method: c.req.method, path: c.req.path, status: c.res.status, ms: Math.round(elapsed * 10) / 10, outcome: c.var.outcome })
  })
  app.use(
    cors({
      origin: (origin) => (origins.has(origin) ? origin : null),
      allowMethods: ['GET', 'HEAD', 'POST'],
      maxAge: 86400,
    }),
  )
  // CORS only hides the response from the page; a "simple" cross-site POST would still count,
  // so a browser request from a foreign origin is refused before it can change anything.
  app.post('/views/*', async function refuseForeignOrigins(c, next) {
    const origin = c.req.header('origin')
    if (origin !== undefined && !origins.has(origin)) throw new HTTPException(403, { message: 'origin not allowed' })
    await next()
  })
  app.use(async function refuseOtherMethods(c, next) {
    const allowed = methodsFor(c.req.path)
    if (allowed && !allowed.includes(c.req.method)) {
      return c.json({ error: 'method not allowed' }, 405, { Allow: allowed.join(', ') })
    }
    await next()
  })
  // Fail fast while the database is missing, unmigrated or known to be unhealthy, instead of
  // queueing requests behind it.
  for (const path of databasePaths) {
    app.use(path, async function requireDatabase(_c, next) {
      if (!readiness.isReady()) throw new HTTPException(503, { message: 'database unavailable' })
      await next()
    })
  }

  app.route('/', health)
  app.route('/', viewRoutes)
  app.route('/', statsRoutes(deps.statsCredentials))
  app.route('/', badgeRoutes)
  if (deps.metricsOnMainPort) app.route('/', metricsRoutes)

  app.notFound((c) => c.json({ error: 'not found' }, 404))
  app.onError((error, c) => {
    if (error instanceof HTTPException) {
      return c.json({ error: error.message }, error.status as ContentfulStatusCode, error.res ? Object.fromEntries(error.res.headers) : undefined)
    }
    // The client went away before its view was committed: nobody reads this answer, and nothing was counted.
    if (c.req.raw.signal.aborted) return c.json({ error: 'request abandoned' }, 503)
    if (isDatabaseUnavailable(error)) {
      metrics.countDatabaseError('unavailable')
      log.warn('database unavailable', describeDatabaseError(error))
      return c.json({ error: 'database unavailable' }, 503)
    }
    metrics.countDatabaseError('other')
    // A database error's message and stack name the statement and its parameters: class, code and cause only.
    log.error('unhandled error', { ...describeDatabaseError(error), stack: comesFromDatabase(error) ? undefined : error.stack })
    return c.json({ error: 'internal error' }, 500)
  })
  return app
}
