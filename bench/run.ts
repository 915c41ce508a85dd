import { mkdirSync, writeFileSync } from 'node:fs'
import { loadavg } from 'node:os'
import { type RunningService, startService } from '../harness/service.ts'
import { readCpuSeconds } from './cpu.ts'
import { describeMachine } from './machine.ts'
import { readMemory, trackRss } from './memory.ts'
import { readOptions } from './options.ts'
import { type PeakTracker, trackPeak } from './peak.ts'
import { type CeilingResult, runCeiling } from './pgbench.ts'
import { type BenchResult, judge, markdown, type ScenarioResult } from './report.ts'
import { hotSlug, type Scenario, scenarios, slugs } from './scenarios.ts'
import { recreateDatabase } from './scratch-db.ts'
import { runWrk } from './wrk.ts'

const options = readOptions()
const began = performance.now()
const progress = (message: string) =>
  console.log(`[${((performance.now() - began) / 1000).toFixed(1).padStart(6)} s] ${message}`)
const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)]!
// pg_stat_database is flushed by each backend at most once a second while busy; waiting this long
// after a scenario lets most of it arrive before the commit counter is read again.
const STATS_SETTLE_MS = 1200

const db = await recreateDatabase(options.adminUrl, options.database)
// Whatever fails, no service is left running and the scratch database is dropped.
const running = new Set<RunningService>()
async function launch(): Promise<RunningService> {
  const service = await startService({
    asImage: true,
    port: options.port,
    env: { DATABASE_URL: db.url, DB_POOL_MAX: String(options.poolMax) },
    timeoutMs: 15_000,
    // Fine-grained enough for the 0.5 s start target, cheap enough not to slow the start.
    pollMs: 10,
    output: 'inherit',
  })
  running.add(service)
  const stop = () => {
    running.delete(service)
    return service.stop()
  }
  return { ...service, stop }
}
let result: BenchResult
try {
  result = await benchmark()
} finally {
  await Promise.all([...running].map((service) => service.stop()))
  await db.drop()
}
const table = markdown(result)
// Only a full run may replace the published numbers.
const name = options.quick || options.only.length > 0 ? 'partial' : 'latest'
const dir = new URL('results/', import.meta.url).pathname
mkdirSync(dir, { recursive: true })
writeFileSync(`${dir}${name}.json`, `${JSON.stringify(result, null, 2)}\n`)
writeFileSync(`${dir}${name}.md`, `## view-counter benchmark\n\n${table}`)
console.log(`\n${table}`)
progress(`wrote bench/results/${name}.json and bench/results/${name}.md`)

async function benchmark(): Promise<BenchResult> {
  const machine = await describeMachine(db.admin)
  const loadBefore = loadavg()[0]!
  progress(
    `scratch database ${db.name} created; ${machine.nproc} cores, Bun ${machine.bun}, ${machine.postgres}; load average ${loadBefore.toFixed(2)}`,
  )
  if (loadBefore > machine.nproc / 2)
    progress(`warning: the machine is already busy (load ${loadBefore.toFixed(2)}); numbers will be low and noisy`)

  const service = await launch()
  progress(`service pid ${service.pid} migrated and ready in ${service.readyMs.toFixed(0)} ms`)
  const rss = trackRss(service.pid)
  await db.seed(slugs)
  await Bun.sleep(2000)
  const idleAfterStartMiB = (await readMemory(service.pid)).rss
  progress(`seeded ${slugs.length} rows; idle RSS ${idleAfterStartMiB.toFixed(1)} MiB`)

  // One short pass over each scenario first, so JIT warm-up and the pool's first connections are not measured.
  const chosen = scenarios.filter((scenario) => options.only.length === 0 || options.only.includes(scenario.id))
  for (const scenario of chosen) await load(service, scenario, options.connections[0]!, 1)
  progress('warm-up done')

  const pool = trackPeak(() => db.connections())
  const results: ScenarioResult[] = []
  // PostgreSQL's max_connections bounds the direct clients; a ceiling run with fewer says so in its row.
  const slots = Math.max(1, (await db.freeSlots()) - options.poolMax - 5)
  // The service never has more than DB_POOL_MAX statements in flight, so the direct upsert at that
  // many clients is the stricter comparison; it is shown beside the issue's same-client-count one.
  const atPool = new Map<string, CeilingResult>()
  for (const kind of new Set(chosen.flatMap((scenario) => scenario.ceiling ?? [])))
    atPool.set(kind, await measureCeiling(kind, options.poolMax))
  for (const connections of options.connections) {
    for (const scenario of chosen) {
      const ceiling = scenario.ceiling
        ? await measureCeiling(scenario.ceiling, Math.min(connections, slots))
        : undefined
      const result = await measure({ service, rss, pool }, scenario, connections, ceiling)
      const poolCeiling = scenario.ceiling && atPool.get(scenario.ceiling)
      if (poolCeiling && poolCeiling.tps > 0)
        result.atPool = { ceiling: poolCeiling, ratio: result.rps / poolCeiling.tps }
      results.push(result)
    }
  }
  pool.stop()

  // Idle means idle: the service collects once it has seen no request for 5 s (checked every 5 s).
  await Bun.sleep(12_000)
  const after = await readMemory(service.pid)
  rss.stop()
  const stopExitCode = await service.stop()
  progress(
    `load done; idle RSS ${after.rss.toFixed(1)} MiB, high-water ${after.hwm.toFixed(1)} MiB; SIGTERM → exit ${stopExitCode}`,
  )

  const readyMs: number[] = []
  const listenMs: number[] = []
  const rssAtReadyMiB: number[] = []
  for (let i = 0; i < options.starts; i++) {
    const again = await launch()
    readyMs.push(again.readyMs)
    listenMs.push(again.listenMs)
    rssAtReadyMiB.push((await readMemory(again.pid)).rss)
    await again.stop()
    progress(
      `start ${i + 1}/${options.starts} on the migrated database: listening after ${again.listenMs.toFixed(0)} ms, ready after ${again.readyMs.toFixed(0)} ms`,
    )
  }

  const partial: Omit<BenchResult, 'targets'> = {
    machine: { ...machine, loadBefore, loadAfter: loadavg()[0]! },
    settings: {
      durationSeconds: options.duration,
      connections: options.connections,
      poolMax: options.poolMax,
      wrkThreads: options.threads,
      quick: options.quick,
    },
    scenarios: results,
    memory: {
      idleAfterStartMiB,
      idleAfterLoadMiB: after.rss,
      peakSampledMiB: rss.peak(),
      highWaterMiB: after.hwm,
      samples: rss.samples(),
    },
    startup: {
      migrateAndReadyMs: service.readyMs,
      readyMs,
      medianReadyMs: median(readyMs),
      listenMs,
      medianListenMs: median(listenMs),
      rssAtReadyMiB,
    },
    pool: {
      configured: options.poolMax,
      maxSeen: Math.max(...results.map((r) => r.maxDbConnections)),
      samples: pool.samples(),
    },
    stopExitCode,
    totalSeconds: (performance.now() - began) / 1000,
  }
  return { ...partial, targets: judge(partial) }
}

function load(service: RunningService, scenario: Scenario, connections: number, seconds: number) {
  return runWrk({
    url: service.url,
    method: scenario.method,
    paths: scenario.paths,
    connections,
    threads: options.threads,
    seconds,
  })
}

async function measureCeiling(kind: 'hot' | 'spread', clients: number): Promise<CeilingResult> {
  await db.vacuum()
  progress(`ceiling ${kind}: pgbench, ${clients} clients, ${options.duration} s …`)
  const day = new Date().toISOString().slice(0, 10)
  const ceiling = await runCeiling({ url: db.url, kind, hotSlug, day, clients, seconds: options.duration })
  progress(
    `ceiling ${kind}: ${ceiling.tps.toFixed(0)} tps, ${ceiling.latencyMs.toFixed(2)} ms average, ${ceiling.connectMs.toFixed(0)} ms to connect`,
  )
  return ceiling
}

async function measure(
  { service, rss, pool }: { service: RunningService; rss: PeakTracker; pool: PeakTracker },
  scenario: Scenario,
  connections: number,
  ceiling?: CeilingResult,
): Promise<ScenarioResult> {
  if (scenario.method === 'POST') await db.vacuum()
  progress(`${scenario.title}, ${connections} conns, ${options.duration} s …`)
  rss.mark()
  pool.mark()
  const commitsBefore = await db.commits()
  const cpuBefore = await readCpuSeconds(service.pid)
  const run = await load(service, scenario, connections, options.duration)
  const serviceCpuUsPerRequest = (((await readCpuSeconds(service.pid)) - cpuBefore) * 1e6) / run.requests
  const peakRssMiB = rss.mark()
  const maxDbConnections = pool.mark()
  await Bun.sleep(STATS_SETTLE_MS)
  const dbCommitsPerRequest = ((await db.commits()) - commitsBefore) / run.requests
  const ratio = ceiling && ceiling.tps > 0 ? run.rps / ceiling.tps : undefined
  const errors = run.httpErrors + run.socketErrors
  progress(
    `${scenario.title}, ${connections} conns: ${run.rps.toFixed(0)} req/s, p50 ${run.p50Ms.toFixed(2)} ms, p99 ${run.p99Ms.toFixed(2)} ms, ` +
      `${errors} errors${ratio === undefined ? '' : `, ${ratio.toFixed(2)}× ceiling`}`,
  )
  return {
    id: scenario.id,
    title: scenario.title,
    connections,
    ...run,
    peakRssMiB,
    maxDbConnections,
    dbCommitsPerRequest,
    serviceCpuUsPerRequest,
    ceiling,
    ratio,
  }
}
