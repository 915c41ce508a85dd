// The service under the Deployment's own limits: started as the image starts it, with the app
// container's ConfigMap settings, inside a cgroup with its CPU quota and memory limit, beside a
// bare Bun.serve (the floor) started the same way in an identical cgroup.
// Usage: bun run bench --pod [--quick] [--duration S] [--heavy-duration S] [--starts N] [--note TEXT]
import { mkdirSync, writeFileSync } from 'node:fs'
import { loadavg } from 'node:os'
import { parseArgs } from 'node:util'
import { freePort } from '../harness/free-port.ts'
import { type RunningService, type ServiceOptions, startService } from '../harness/service.ts'
import { type Cgroup, CgroupUnavailable, createCgroup } from './cgroup.ts'
import { describeMachine } from './machine.ts'
import { checkExactCounts, sumOfCounts } from './pod-counts.ts'
import { readPodSpec } from './pod-limits.ts'
import { judgePod, type PodLoad, type PodResult, podMarkdown } from './pod-report.ts'
import { hotSlug, SLUG_COUNT, slugs } from './scenarios.ts'
import { recreateDatabase } from './scratch-db.ts'
import { requireWrk, runWrk } from './wrk.ts'

const { values } = parseArgs({
  args: Bun.argv.slice(2).filter((arg) => arg !== '--pod'),
  options: {
    quick: { type: 'boolean', default: false },
    duration: { type: 'string' },
    'heavy-duration': { type: 'string' },
    starts: { type: 'string' },
    note: { type: 'string' },
  },
})
const quick = values.quick ?? false
const duration = Number(values.duration ?? (quick ? 3 : 15))
const heavyDuration = Number(values['heavy-duration'] ?? (quick ? 5 : 30))
const starts = Number(values.starts ?? (quick ? 3 : 5))
const CONNECTIONS = 128
const HEAVY_CONNECTIONS = 512
// Behind cloudflared every request carries the reader's address in this header (the ConfigMap trusts it).
const headers = { 'cf-connecting-ip': '203.0.113.7' }
const adminUrl = process.env.BENCH_ADMIN_URL ?? 'postgres://postgres@127.0.0.1:5432/test'

const began = performance.now()
const progress = (message: string) =>
  console.log(`[${((performance.now() - began) / 1000).toFixed(1).padStart(6)} s] ${message}`)
const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)]!
const mib = (bytes: number) => bytes / 2 ** 20

requireWrk()
const spec = await readPodSpec()
const { limits } = spec
// Probing now, before a database is made, so a machine without a writable cgroup fails at once.
try {
  await createCgroup(`vc-bench-probe-${process.pid}`, limits).remove()
} catch (error) {
  if (!(error instanceof CgroupUnavailable)) throw error
  console.error(`bun run bench --pod cannot limit the service here: ${error.message}`)
  process.exit(2)
}
progress(
  `limits from manifests/deployment.yaml: cpu ${limits.cpu} (${limits.quotaUs}/${limits.periodUs} µs), memory ${limits.memory}`,
)

// The pod's settings, minus where its database is: the bench brings its own, without TLS.
const { DB_HOST, DB_PORT, DB_NAME, DATABASE_SSL, DATABASE_CA_FILE, PORT, ...config } = spec.config
const db = await recreateDatabase(adminUrl, 'vc_bench_pod')
const serviceEnv = {
  ...config,
  METRICS_PORT: String(freePort()),
  DATABASE_URL: db.url,
  VISITOR_HASH_SECRET: crypto.randomUUID() + crypto.randomUUID(),
  COUNT_MODE: 'every',
}
const cgroups = new Set<Cgroup>()
const running = new Set<RunningService>()

async function launch(name: string, options: ServiceOptions): Promise<RunningService & { cgroup: Cgroup }> {
  const cgroup = createCgroup(`vc-bench-${name}-${process.pid}`, limits)
  cgroups.add(cgroup)
  const service = await startService({
    asImage: true,
    launcher: cgroup.launcher,
    timeoutMs: 30_000,
    pollMs: 10,
    // A pipe with a reader, as the container runtime gives the pod; one log line per request would flood the terminal.
    output: 'capture',
    ...options,
  })
  running.add(service)
  const stop = async (signal?: NodeJS.Signals) => {
    running.delete(service)
    const code = await service.stop(signal)
    cgroups.delete(cgroup)
    await cgroup.remove()
    return code
  }
  return { ...service, cgroup, stop }
}

let result: PodResult
try {
  result = await benchmark()
} finally {
  await Promise.all([...running].map((service) => service.stop('SIGKILL')))
  await Promise.all([...cgroups].map((cgroup) => cgroup.remove()))
  await db.drop()
}
const table = podMarkdown(result)
const name = quick || values.duration || values['heavy-duration'] ? 'pod-partial' : 'pod-latest'
const dir = new URL('results/', import.meta.url).pathname
mkdirSync(dir, { recursive: true })
writeFileSync(`${dir}${name}.json`, `${JSON.stringify(result, null, 2)}\n`)
writeFileSync(`${dir}${name}.md`, `## view-counter under the pod's limits\n\n${table}`)
console.log(`\n${table}`)
progress(`wrote bench/results/${name}.json and bench/results/${name}.md`)

async function benchmark(): Promise<PodResult> {
  const machine = await describeMachine(db.admin)
  const loadBefore = loadavg()[0]!
  progress(`${machine.nproc} cores, Bun ${machine.bun}; load average ${loadBefore.toFixed(2)}`)

  const first = await launch('migrate', { env: serviceEnv })
  progress(`service migrated an empty database and was ready in ${first.readyMs.toFixed(0)} ms (under the quota)`)
  await db.seed(slugs)
  const cachedPath = `/views/${slugs[1]}`
  await fetch(`${first.url}${cachedPath}`)
  const answer = await fetch(`${first.url}${cachedPath}`)
  const floorResponse = {
    status: answer.status,
    // Bun writes these itself.
    headers: [...answer.headers].filter(([name]) => !['date', 'content-length'].includes(name)),
    body: await answer.text(),
  }
  await first.stop()

  const loads: PodLoad[] = []
  const floor = await launch('floor', {
    script: new URL('floor-server.ts', import.meta.url).pathname,
    env: { FLOOR_RESPONSE: JSON.stringify(floorResponse) },
    waitFor: '/health',
  })
  progress(`floor pid ${floor.pid}: bare Bun.serve answering the same ${floorResponse.body.length}-byte body`)
  await runWrk({ url: floor.url, method: 'GET', paths: [cachedPath], connections: 32, threads: 2, seconds: 1 })
  loads.push(await measure(floor, 'floor', 'bare Bun.serve, same bytes', 'GET', [cachedPath], CONNECTIONS, duration))
  loads.push(
    await measure(floor, 'floor', 'bare Bun.serve, same bytes', 'GET', [cachedPath], HEAVY_CONNECTIONS, duration),
  )
  await floor.stop()

  const service = await launch('service', { env: serviceEnv })
  progress(`service pid ${service.pid} ready in ${service.readyMs.toFixed(0)} ms`)
  const spread = slugs.map((slug) => `/views/${slug}`)
  for (const [method, paths] of [
    ['GET', [cachedPath]],
    ['POST', [`/views/${hotSlug}`]],
    ['POST', spread],
  ] as const)
    await runWrk({ url: service.url, method, paths: [...paths], connections: 32, threads: 2, seconds: 1, headers })
  progress('warm-up done')
  loads.push(await measure(service, 'get-one', 'GET /views/{slug}, cached', 'GET', [cachedPath], CONNECTIONS, duration))
  loads.push(
    await measure(service, 'post-hot', 'POST one hot slug', 'POST', [`/views/${hotSlug}`], CONNECTIONS, duration),
  )
  loads.push(
    await measure(
      service,
      'post-spread',
      `POST spread over ${SLUG_COUNT} slugs`,
      'POST',
      spread,
      CONNECTIONS,
      duration,
    ),
  )
  loads.push(
    await measure(
      service,
      'post-spread',
      `POST spread over ${SLUG_COUNT} slugs`,
      'POST',
      spread,
      HEAVY_CONNECTIONS,
      heavyDuration,
    ),
  )
  progress('exact-count check: POSTs that each get their answer, then SIGKILL, then the sum in the database')
  const exact = await checkExactCounts(db.url, service, { requests: quick ? 1000 : 3000, concurrency: 64, headers })
  progress(
    `exact-count check: ${exact.answered200} answered 200, database sum grew by ${exact.databaseDelta} (${exact.exact ? 'exact' : 'MISMATCH'})`,
  )

  const readyMs: number[] = []
  const listenMs: number[] = []
  for (let i = 0; i < starts; i++) {
    const again = await launch(`start-${i}`, { env: serviceEnv })
    readyMs.push(again.readyMs)
    listenMs.push(again.listenMs)
    await again.stop()
    progress(
      `start ${i + 1}/${starts}: listening after ${again.listenMs.toFixed(0)} ms, ready after ${again.readyMs.toFixed(0)} ms`,
    )
  }

  const partial: Omit<PodResult, 'targets'> = {
    machine: { ...machine, loadBefore, loadAfter: loadavg()[0]! },
    limits,
    cgroupVersion: service.cgroup.version,
    settings: { durationSeconds: duration, heavyDurationSeconds: heavyDuration, quick, note: values.note },
    loads,
    exact,
    startup: {
      migrateAndReadyMs: first.readyMs,
      readyMs,
      medianReadyMs: median(readyMs),
      listenMs,
      medianListenMs: median(listenMs),
    },
    totalSeconds: (performance.now() - began) / 1000,
  }
  return { ...partial, targets: judgePod(partial) }

  async function measure(
    target: RunningService & { cgroup: Cgroup },
    id: PodLoad['id'],
    title: string,
    method: 'GET' | 'POST',
    paths: string[],
    connections: number,
    seconds: number,
  ): Promise<PodLoad> {
    progress(`${title}, ${connections} conns, ${seconds} s …`)
    const sumBefore = method === 'POST' ? await sumOfCounts(db.url) : 0
    const before = target.cgroup.counters()
    target.cgroup.resetPeak()
    const run = await runWrk({
      url: target.url,
      method,
      paths,
      connections,
      threads: 2,
      seconds,
      headers,
      countStatuses: true,
    })
    const peakMiB = mib(target.cgroup.peakBytes())
    const underOom = target.cgroup.underOom()
    const after = target.cgroup.counters()
    // Requests cut off when wrk stopped may still commit; a moment later they have.
    if (method === 'POST') await Bun.sleep(1000)
    const countCheck =
      method === 'POST'
        ? { answered200: run.statuses?.['200'] ?? 0, databaseDelta: (await sumOfCounts(db.url)) - sumBefore }
        : undefined
    const load: PodLoad = {
      id,
      title,
      connections,
      ...run,
      peakMiB,
      oomKills: after.oomKills - before.oomKills,
      underOom,
      throttledMs: (after.throttledUs - before.throttledUs) / 1000,
      throttledPeriods: after.throttledPeriods - before.throttledPeriods,
      alive:
        (await fetch(`${target.url}/health`).then(
          (r) => r.status,
          () => 0,
        )) === 200,
      countCheck,
    }
    const fivexx = Object.entries(run.statuses ?? {}).reduce(
      (n, [status, count]) => n + (Number(status) >= 500 ? count : 0),
      0,
    )
    progress(
      `${title}, ${connections} conns: ${run.rps.toFixed(0)} req/s, p50 ${run.p50Ms.toFixed(2)} ms, p99 ${run.p99Ms.toFixed(2)} ms, ` +
        `statuses ${JSON.stringify(run.statuses)}, ${fivexx} 5xx, ${run.socketErrors} socket errors, peak ${peakMiB.toFixed(1)} MiB, ` +
        `throttled ${load.throttledMs.toFixed(0)} ms, OOM kills ${load.oomKills}` +
        (countCheck ? `; ${countCheck.answered200} answered 200, database +${countCheck.databaseDelta}` : ''),
    )
    return load
  }
}
