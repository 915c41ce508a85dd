// The classes one by one rather than the package's index, which also loads its cluster,
// Pushgateway and default-metrics modules: about 9 MiB more resident memory under Bun, in a pod
// limited to 128 MiB. The few process metrics worth having are below.
import Counter from 'prom-client/lib/counter.js'
import Gauge from 'prom-client/lib/gauge.js'
import Histogram from 'prom-client/lib/histogram.js'
import Registry from 'prom-client/lib/registry.js'
import { type Outcome, outcomes } from './counting/outcomes.ts'

function processMetrics(registers: Registry[]) {
  const started = Date.now() / 1000
  new Gauge({
    name: 'process_start_time_seconds',
    help: 'Start time of the process since the Unix epoch in seconds',
    registers,
  }).set(started)
  new Gauge({
    name: 'process_resident_memory_bytes',
    help: 'Resident memory size in bytes',
    registers,
    collect() {
      this.set(process.memoryUsage.rss())
    },
  })
  new Gauge({
    name: 'process_heap_bytes',
    help: 'JavaScript heap in use, in bytes',
    registers,
    collect() {
      this.set(process.memoryUsage().heapUsed)
    },
  })
  new Gauge({
    name: 'process_cpu_seconds_total',
    help: 'User and system CPU time spent in seconds',
    registers,
    collect() {
      const { user, system } = process.cpuUsage()
      this.set((user + system) / 1e6)
    },
  })
}

export function createMetrics() {
  const registry = new Registry()
  const registers = [registry]
  processMetrics(registers)

  // The per-request counters are plain numbers, handed to prom-client when scraped: its inc()
  // checks and hashes the labels every time, a few percent of a cached read's CPU.
  const requestCounts = new Map<string, { labels: { method: string; route: string; status: number }; n: number }>()
  new Counter({
    name: 'viewcounter_http_requests_total',
    help: 'HTTP requests by method, route pattern and status',
    labelNames: ['method', 'route', 'status'] as const,
    registers,
    collect() {
      this.reset()
      for (const { labels, n } of requestCounts.values()) this.inc(labels, n)
    },
  })
  const duration = new Histogram({
    name: 'viewcounter_http_request_duration_seconds',
    help: 'HTTP request duration by method and route pattern',
    labelNames: ['method', 'route'] as const,
    buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5],
    registers,
  })
  // Every outcome has its series from the start, at zero, so a rate() over a quiet one is 0, not absent.
  const viewCounts = new Map<Outcome, number>(outcomes.map((outcome) => [outcome, 0]))
  new Counter({
    name: 'viewcounter_views_total',
    help: `POSTed views by outcome: counted, or why not (${outcomes.filter((outcome) => outcome !== 'counted').join(', ')})`,
    labelNames: ['outcome'] as const,
    registers,
    collect() {
      this.reset()
      for (const [outcome, n] of viewCounts) this.inc({ outcome }, n)
    },
  })
  const databaseErrors = new Counter({
    name: 'viewcounter_database_errors_total',
    help: 'Requests that failed on the database, by kind (unavailable or other)',
    labelNames: ['kind'] as const,
    registers,
  })
  const databaseReady = new Gauge({
    name: 'viewcounter_database_ready',
    help: '1 when the database is reachable and migrated',
    registers,
  })
  const poolMax = new Gauge({
    name: 'viewcounter_database_pool_max',
    help: 'Configured maximum connections in the pool',
    registers,
  })
  const pageList = new Gauge({
    name: 'viewcounter_page_list_pages',
    help: 'Pages on the site page list (SITE_PAGES_URL); -1 while none has loaded, 0 when none is configured',
    registers,
  })
  const poolOpen = new Gauge({
    name: 'viewcounter_database_pool_connections',
    help: 'Connections this process holds open (sampled at scrape)',
    registers,
  })
  const queriesInFlight = new Gauge({
    name: 'viewcounter_database_queries_in_flight',
    help: 'Queries sent or waiting for a connection and not yet answered',
    registers,
  })

  return {
    registry,
    observeRequest(method: string, route: string, status: number, seconds: number) {
      const key = `${method} ${route} ${status}`
      const counted = requestCounts.get(key)
      if (counted) counted.n++
      else requestCounts.set(key, { labels: { method, route, status }, n: 1 })
      duration.observe({ method, route }, seconds)
    },
    countView: (outcome: Outcome) => viewCounts.set(outcome, viewCounts.get(outcome)! + 1),
    countDatabaseError: (kind: 'unavailable' | 'other') => databaseErrors.inc({ kind }),
    // Sampled when scraped rather than tracked per query, to keep the hot path free of it.
    sampleDatabase(state: {
      ready: boolean
      poolMax?: number
      poolOpen?: number
      queriesInFlight?: number
      pageListPages?: number
    }) {
      databaseReady.set(state.ready ? 1 : 0)
      if (state.pageListPages !== undefined) pageList.set(state.pageListPages)
      if (state.poolMax !== undefined) poolMax.set(state.poolMax)
      if (state.poolOpen !== undefined) poolOpen.set(state.poolOpen)
      if (state.queriesInFlight !== undefined) queriesInFlight.set(state.queriesInFlight)
    },
  }
}

export type Metrics = ReturnType<typeof createMetrics>
