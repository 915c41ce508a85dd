import { counting } from './counting/counting.ts'
import { pageAllowlist } from './counting/page-allowlist.ts'
import { siteHosts } from './counting/referrers.ts'
import { keepForgettingVisitors } from './counting/visitor-janitor.ts'
import { openConfiguredDatabase } from './db/client.ts'
import { exitIfDataDirInUse } from './db/data-dir-lock.ts'
import { watchHealth } from './db/health.ts'
import { keepMigrating } from './db/readiness.ts'
import { loadEnv } from './env.ts'
import { createApp } from './http/app.ts'
import { readCache } from './http/read-cache.ts'
import { createMetricsApp } from './http/routes/metrics.ts'
import { createLogger } from './log.ts'
import { createMetrics } from './metrics.ts'
import { exitIfPortsInUse } from './ports.ts'

const env = loadEnv()
const log = createLogger(env.LOG_LEVEL)
exitIfPortsInUse(env.HOST, [
  { name: 'PORT', port: env.PORT },
  { name: 'METRICS_PORT', port: env.METRICS_PORT },
])

// A second process on an embedded DATA_DIR is refused before it reads anything there.
const database = await openConfiguredDatabase(env, env.DB_POOL_MAX, {
  statementTimeoutMs: env.DB_STATEMENT_TIMEOUT_MS,
  acquireTimeoutMs: env.DB_ACQUIRE_TIMEOUT_MS,
  queueMax: env.DB_QUEUE_MAX,
  log,
}).catch(exitIfDataDirInUse)
const readiness = keepMigrating(database, log, undefined, watchHealth(database, log, { stallMs: env.DB_STALL_MS }))
const pages = pageAllowlist({
  pattern: env.SLUG_PATTERN,
  pagesUrl: env.SITE_PAGES_URL,
  refreshSeconds: env.SITE_PAGES_REFRESH_SECONDS,
  trailingSlash: env.TRAILING_SLASH,
  log,
})
const reads = readCache(env.READ_CACHE_MS, env.READ_CACHE_MAX_KIB * 1024)
const metrics = createMetrics()
const counter = counting(database.db, {
  onCommit: reads.invalidate,
  log,
  mode: env.COUNT_MODE,
  trailingSlash: env.TRAILING_SLASH,
  repeatWindowMinutes: env.REPEAT_WINDOW_MINUTES,
  ratePerMinute: env.RATE_LIMIT_PER_MINUTE,
  clientIpHeader: env.CLIENT_IP_HEADER,
  ignoreAddresses: env.IGNORE_ADDRESSES,
  visitorHashSecret: env.VISITOR_HASH_SECRET,
  timeZone: env.TIME_ZONE,
  countryHeader: env.COUNTRY_HEADER,
  siteHosts: siteHosts([env.SITE_URL, ...env.CORS_ORIGINS]),
  breakdownValuesPerDay: env.BREAKDOWN_VALUES_PER_DAY,
  viewDeadlineMs: env.VIEW_DEADLINE_MS,
  viewQueueMax: env.VIEW_QUEUE_MAX,
  pages,
})
if (env.COUNT_MODE === 'readers' && env.REPEAT_WINDOW_MINUTES > 0 && !counter.visitorHashShared) {
  log.warn('VISITOR_HASH_SECRET is not set: repeat views are recognised per process and forgotten on restart')
}
const deps = {
  database,
  readiness,
  counting: counter,
  log,
  metrics,
  reads,
  corsOrigins: env.CORS_ORIGINS,
  statsCredentials: { token: env.STATS_TOKEN, user: env.STATS_USER, password: env.STATS_PASSWORD },
  metricsOnMainPort: env.METRICS_PORT === undefined,
  site: { url: env.SITE_URL, pages },
}
const app = createApp(deps)

let lastRequest = performance.now()
const server = Bun.serve({
  hostname: env.HOST,
  port: env.PORT,
  maxRequestBodySize: 16 * 1024,
  fetch(request, bunServer) {
    lastRequest = performance.now()
    if (!request.url.startsWith('/')) return app.fetch(request, bunServer)
    // HTTP/1.0 may leave out Host, and Bun then hands over a bare path that no router parses. The
    // rebuilt request gets this server's origin; Bun knows the peer's address only for the original.
    const peer = bunServer.requestIP(request)
    return app.fetch(new Request(new URL(request.url, bunServer.url).href, request), { requestIP: () => peer })
  },
})
const metricsServer =
  env.METRICS_PORT === undefined
    ? undefined
    : Bun.serve({ hostname: env.HOST, port: env.METRICS_PORT, fetch: createMetricsApp(deps).fetch })
log.info('listening', {
  url: server.url.href,
  database: database.kind,
  countMode: env.COUNT_MODE,
  dataDir: database.kind === 'embedded' ? env.DATA_DIR : undefined,
})

const janitor = keepForgettingVisitors(database.db, readiness, log, undefined, {
  breakdownRetentionDays: env.BREAKDOWN_RETENTION_DAYS,
  breakdownValuesPerDay: env.BREAKDOWN_VALUES_PER_DAY,
  timeZone: env.TIME_ZONE,
})

// After a burst, a full collection and a shrink once things are quiet give the memory back to the
// system (about 75 -> 57 MiB measured); during traffic the ordinary collector is left alone.
let collectedSince = lastRequest
const idleCollector = setInterval(() => {
  if (performance.now() - lastRequest < 5_000 || collectedSince === lastRequest) return
  collectedSince = lastRequest
  Bun.gc(true)
  Bun.shrink()
}, 5_000)
idleCollector.unref()

let stopping = false
async function shutdown(signal: string) {
  if (stopping) return
  stopping = true
  log.info('shutting down', { signal })
  setTimeout(() => {
    log.error('shutdown timed out', { timeoutMs: env.SHUTDOWN_TIMEOUT_MS })
    process.exit(1)
  }, env.SHUTDOWN_TIMEOUT_MS).unref()
  const janitorDone = janitor.stop()
  clearInterval(idleCollector)
  pages.stop()
  await readiness.stop()
  // Resolves once every in-flight request has been answered; only then may the pool close.
  await server.stop()
  await metricsServer?.stop()
  await janitorDone
  await database.close()
  log.info('stopped')
  process.exit(0)
}
process.on('SIGTERM', () => void shutdown('SIGTERM'))
process.on('SIGINT', () => void shutdown('SIGINT'))
