// Types the app and its routes share. Nothing here imports the app or a route, so a route module
// can use them without forming an import cycle.
import type { Counting } from '../counting/counting.ts'
import type { Outcome } from '../counting/outcomes.ts'
import type { DatabaseHandle } from '../db/client.ts'
import type { Readiness } from '../db/readiness.ts'
import type { Logger } from '../log.ts'
import type { Metrics } from '../metrics.ts'
import type { ReadCache } from './read-cache.ts'
import type { Site } from './site-pages.ts'
import type { StatsCredentials } from './stats-access.ts'

/** Everything the HTTP app is built from; each route takes only its part. */
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
  /** SITE_URL and the page list's titles, for links and titles in /stats and /summary. */
  site?: Site
}

/** What a request carries besides itself: a POSTed view's outcome, for the log line and the metrics. */
export type AppEnv = { Variables: { outcome?: Outcome } }
