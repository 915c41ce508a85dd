import { Hono } from 'hono'
import type { Counting } from '../../counting/counting.ts'
import type { DatabaseHandle } from '../../db/client.ts'
import type { Readiness } from '../../db/readiness.ts'
import type { Metrics } from '../../metrics.ts'

const SAMPLE_WAIT_MS = 250

// The scrape matters most when the database is away, so it never waits on the pool: the open
// connections are asked for only while the database is healthy and a connection is free, and not
// for longer than a moment; everything else comes from the process itself.
async function openConnections(database: DatabaseHandle, ready: boolean) {
  const free = (database.queries?.inFlight() ?? 0) < (database.poolMax ?? 0)
  if (!ready || !free || !database.openConnections) return undefined
  const gaveUp = Bun.sleep(SAMPLE_WAIT_MS).then(() => undefined)
  return Promise.race([database.openConnections().catch(() => undefined), gaveUp])
}

export interface MetricsRouteDeps {
  database: DatabaseHandle
  readiness: Pick<Readiness, 'isReady'>
  metrics: Metrics
  counting: Pick<Counting, 'pageListSize'>
}

/** GET /metrics: on the main port, or alone on METRICS_PORT (createMetricsApp). */
export function createMetricsRoute({ database, readiness, metrics, counting }: MetricsRouteDeps) {
  return new Hono().get('/metrics', async (c) => {
    const ready = readiness.isReady()
    metrics.sampleDatabase({
      ready,
      poolMax: database.poolMax,
      poolOpen: await openConnections(database, ready),
      queriesInFlight: database.queries?.inFlight(),
      pageListPages: counting.pageListSize(),
    })
    return c.body(await metrics.registry.metrics(), 200, { 'Content-Type': metrics.registry.contentType })
  })
}

/** /metrics alone, for METRICS_PORT: Prometheus scrapes the pod directly, the tunnel never sees it. */
export function createMetricsApp(deps: MetricsRouteDeps) {
  return new Hono().route('/', createMetricsRoute(deps)).notFound((c) => c.json({ error: 'not found' }, 404))
}
