import { type CountingOptions, counting } from '../../src/counting/counting.ts'
import { siteHosts } from '../../src/counting/referrers.ts'
import type { DatabaseHandle } from '../../src/db/client.ts'
import { createApp } from '../../src/http/app.ts'
import { type ReadCache, readCache } from '../../src/http/read-cache.ts'
import type { Site } from '../../src/http/site-pages.ts'
import type { StatsCredentials } from '../../src/http/stats-access.ts'
import { createLogger, type Logger } from '../../src/log.ts'
import { createMetrics } from '../../src/metrics.ts'

export const quietLog = createLogger('silent')

export const everyView: CountingOptions = {
  mode: 'every',
  trailingSlash: 'keep',
  repeatWindowMinutes: 0,
  ratePerMinute: 0,
  clientIpHeader: 'none',
  ignoreAddresses: [],
}

/** COUNT_MODE=readers as the cluster runs it: one count per reader and page per 30 minutes, behind a trusted proxy. */
export const readerViews: CountingOptions = {
  mode: 'readers',
  trailingSlash: 'add',
  repeatWindowMinutes: 30,
  ratePerMinute: 0,
  clientIpHeader: 'x-forwarded-for',
  ignoreAddresses: [],
}

/** The real app on a real database, ready as if its migrations had just run. */
export function appOn(
  database: DatabaseHandle,
  {
    corsOrigins = ['https://uclab.dev', 'http://localhost:1313'],
    countingOptions = everyView,
    isReady = () => true,
    readCacheMs = 1000,
    reads = readCache(readCacheMs),
    statsCredentials,
    log = quietLog,
    metricsOnMainPort = true,
    site,
  }: {
    corsOrigins?: string[]
    countingOptions?: CountingOptions
    isReady?: () => boolean
    readCacheMs?: number
    reads?: ReadCache
    statsCredentials?: StatsCredentials
    log?: Logger
    /** False plays METRICS_PORT: /metrics is served elsewhere. */
    metricsOnMainPort?: boolean
    /** SITE_URL and the page list, for titles and links. */
    site?: Site
  } = {},
) {
  return createApp({
    database,
    readiness: { isReady, state: () => (isReady() ? 'ready' : 'migrating'), stop: async () => {} },
    // The site's own hosts, as src/index.ts derives them, unless the test names others.
    counting: counting(database.db, {
      onCommit: reads.invalidate,
      log,
      siteHosts: siteHosts([site?.url, ...corsOrigins]),
      ...countingOptions,
    }),
    log,
    metrics: createMetrics(),
    reads,
    corsOrigins,
    metricsOnMainPort,
    statsCredentials,
    site,
  })
}
