import { Hono } from 'hono'
import type { AppEnv, Deps } from '../app.ts'

export const metricsRoutes = new Hono<AppEnv>().get('/metrics', async (c) => {
  const { database, readiness, metrics, counting } = c.var.deps
  // A failed sample must not fail the scrape: the other metrics matter most when the database is away.
  const poolOpen = readiness.isReady() ? await database.openConnections?.().catch(() => undefined) : undefined
  metrics.sampleDatabase({ ready: readiness.isReady(), poolMax: database.poolMax, poolOpen, pageListPages: counting.pageListSize() })
  return c.body(await metrics.registry.metrics(), 200, { 'Content-Type': metrics.registry.contentType })
})

/** /metrics alone, for METRICS_PORT: Prometheus scrapes the pod directly, the tunnel never sees it. */
export function createMetricsApp(deps: Deps) {
  return new Hono<AppEnv>()
    .use(async (c, next) => {
      c.set('deps', deps)
      await next()
    })
    .route('/', metricsRoutes)
    .notFound((c) => c.json({ error: 'not found' }, 404))
}
