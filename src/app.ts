import { Hono } from 'hono'
import { cors } from 'hono/cors'
import { HTTPException } from 'hono/http-exception'
import type { ContentfulStatusCode } from 'hono/utils/http-status'
import type { Counting, Outcome } from './counting.ts'
import type { DatabaseHandle } from './db/client.ts'
import { isDatabaseUnavailable } from './db/errors.ts'
import type { Readiness } from './db/readiness.ts'
import type { Logger } from './log.ts'
import { health } from './routes/health.ts'
import { viewRoutes } from './routes/views.ts'

export interface Deps {
  database: DatabaseHandle
  counting: Counting
  readiness: Readiness
  log: Logger
  corsOrigins: string[]
}

export type AppEnv = { Variables: { deps: Deps; outcome?: Outcome } }

const allowedMethods: Record<string, string[]> = {
  '/health': ['GET', 'HEAD'],
  '/ready': ['GET', 'HEAD'],
  '/views': ['GET', 'HEAD', 'OPTIONS'],
  '/views/': ['GET', 'HEAD', 'POST', 'OPTIONS'],
  '/summary': ['GET', 'HEAD', 'OPTIONS'],
}
const databasePaths = ['/views/*', '/summary']
const methodsFor = (path: string) => allowedMethods[path] ?? (path.startsWith('/views/') ? allowedMethods['/views/'] : undefined)

export function createApp(deps: Deps) {
  const { log, readiness } = deps
  const origins = new Set(deps.corsOrigins)
  const app = new Hono<AppEnv>()

  app.use(async function logRequest(c, next) {
    const started = performance.now()
    c.set('deps', deps)
    await next()
    const ms = Math.round((performance.now() - started) * 10) / 10
    log.info('request', { method: c.req.method, path: c.req.path, status: c.res.status, ms, outcome: c.var.outcome })
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
  // Fail fast while the database is missing or unmigrated instead of queueing requests behind it.
  for (const path of databasePaths) {
    app.use(path, async function requireDatabase(_c, next) {
      if (!readiness.isReady()) throw new HTTPException(503, { message: 'database unavailable' })
      await next()
    })
  }

  app.route('/', health)
  app.route('/', viewRoutes)

  app.notFound((c) => c.json({ error: 'not found' }, 404))
  app.onError((error, c) => {
    if (error instanceof HTTPException) {
      return c.json({ error: error.message }, error.status as ContentfulStatusCode, error.res ? Object.fromEntries(error.res.headers) : undefined)
    }
    if (isDatabaseUnavailable(error)) {
      log.warn('database unavailable', { error: String(error) })
      return c.json({ error: 'database unavailable' }, 503)
    }
    log.error('unhandled error', { error: String(error), stack: error.stack })
    return c.json({ error: 'internal error' }, 500)
  })
  return app
}
