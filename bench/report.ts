import type { MachineInfo } from './machine.ts'
import type { CeilingResult } from './pgbench.ts'
import type { ScenarioId } from './scenarios.ts'
import type { LoadResult } from './wrk.ts'

export interface ScenarioResult extends LoadResult {
  id: ScenarioId
  title: string
  connections: number
  /** Largest server RSS sampled during this scenario, MiB. */
  peakRssMiB: number
  /** Most connections seen on the scratch database during this scenario. */
  maxDbConnections: number
  /** Transactions committed on the scratch database per request served (pg_stat_database, approximate). */
  dbCommitsPerRequest: number
  /** CPU time the service process spent per request served, µs: where the 2 shared cores go. */
  serviceCpuUsPerRequest: number
  ceiling?: CeilingResult
  /** req/s over the ceiling's tps. */
  ratio?: number
  /** The same comparison with pgbench at DB_POOL_MAX clients, the most statements the service runs at once. */
  atPool?: { ceiling: CeilingResult; ratio: number }
}

export interface BenchResult {
  machine: MachineInfo
  settings: { durationSeconds: number; connections: number[]; poolMax: number; wrkThreads: number; quick: boolean }
  scenarios: ScenarioResult[]
  memory: {
    idleAfterStartMiB: number
    idleAfterLoadMiB: number
    peakSampledMiB: number
    highWaterMiB: number
    samples: number
  }
  startup: {
    migrateAndReadyMs: number
    readyMs: number[]
    medianReadyMs: number
    listenMs: number[]
    medianListenMs: number
    rssAtReadyMiB: number[]
  }
  pool: { configured: number; maxSeen: number; samples: number }
  stopExitCode: number
  totalSeconds: number
  targets: Target[]
}

export interface Target {
  name: string
  goal: string
  measured: string
  pass: boolean
}

const f = (n: number, digits = 0) =>
  Number.isFinite(n)
    ? n.toLocaleString('en-US', { minimumFractionDigits: digits, maximumFractionDigits: digits })
    : 'n/a'

// The targets of issue 6, judged on this run's numbers only.
export function judge(result: Omit<BenchResult, 'targets'>): Target[] {
  const targets: Target[] = []
  for (const s of result.scenarios.filter((s) => s.ceiling !== undefined)) {
    const goal = s.ceiling!.kind === 'hot' ? 1.5 : 0.6
    targets.push({
      name: `${s.title}, ${s.connections} conns, vs direct pgbench (${s.ceiling!.clients} clients)`,
      goal: `≥ ${goal}× ceiling`,
      measured:
        s.ratio === undefined
          ? 'no ceiling: pgbench committed nothing'
          : `${f(s.ratio, 2)}× (${f(s.rps)} req/s vs ${f(s.ceiling!.tps)} tps)`,
      pass: s.ratio !== undefined && s.ratio >= goal,
    })
  }
  const cached = result.scenarios.filter((s) => s.id === 'get-all' || s.id === 'get-batch')
  const worstReads = Math.max(...cached.map((s) => s.dbCommitsPerRequest))
  targets.push({
    name: 'GET all and batch do not hit the database on every request',
    goal: '≤ 0.1 DB commits/request',
    measured: cached.length === 0 ? 'not measured' : `≤ ${f(worstReads, 3)}`,
    pass: cached.length > 0 && worstReads <= 0.1,
  })
  const peak = Math.max(result.memory.highWaterMiB, result.memory.peakSampledMiB)
  targets.push({
    name: 'Peak RSS over the whole benchmark',
    goal: '≤ 96 MiB',
    measured: `${f(peak, 1)} MiB`,
    pass: peak <= 96,
  })
  targets.push({
    name: 'Idle RSS after start',
    goal: '≤ 60 MiB',
    measured: `${f(result.memory.idleAfterStartMiB, 1)} MiB`,
    pass: result.memory.idleAfterStartMiB <= 60,
  })
  targets.push({
    name: 'Idle RSS after the load',
    goal: '≤ 60 MiB',
    measured: `${f(result.memory.idleAfterLoadMiB, 1)} MiB`,
    pass: result.memory.idleAfterLoadMiB <= 60,
  })
  targets.push({
    name: 'Start → ready, migrated database (median)',
    goal: '≤ 500 ms',
    measured: `${f(result.startup.medianReadyMs)} ms`,
    pass: result.startup.medianReadyMs <= 500,
  })
  const errors = result.scenarios.reduce((sum, s) => sum + s.httpErrors + s.socketErrors, 0)
  targets.push({ name: 'Errors under load (HTTP ≥ 400 + socket)', goal: '0', measured: f(errors), pass: errors === 0 })
  targets.push({
    name: 'Pool never exceeds DB_POOL_MAX',
    goal: `≤ ${result.pool.configured}`,
    measured: f(result.pool.maxSeen),
    pass: result.pool.maxSeen <= result.pool.configured,
  })
  return targets
}

const row = (cells: (string | number)[]) => `| ${cells.join(' | ')} |`

export function markdown(result: BenchResult): string {
  const m = result.machine
  const lines = [
    `### Load (${result.settings.durationSeconds} s per scenario, wrk ${result.settings.wrkThreads} threads, DB_POOL_MAX=${result.settings.poolMax}, COUNT_MODE=every)`,
    '',
    '| scenario | conns | req/s | p50 ms | p99 ms | errors | ceiling tps (clients) | ratio | ratio vs ceiling at pool size | DB commits/req | service CPU µs/req | peak RSS MiB | DB conns |',
    '|---|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|',
    ...result.scenarios.map((s) =>
      row([
        s.title,
        s.connections,
        f(s.rps),
        f(s.p50Ms, 2),
        f(s.p99Ms, 2),
        f(s.httpErrors + s.socketErrors),
        s.ceiling ? `${f(s.ceiling.tps)} (${s.ceiling.clients})` : '—',
        s.ratio === undefined ? '—' : `${f(s.ratio, 2)}×`,
        s.atPool ? `${f(s.atPool.ratio, 2)}× of ${f(s.atPool.ceiling.tps)} (${s.atPool.ceiling.clients})` : '—',
        f(s.dbCommitsPerRequest, 3),
        f(s.serviceCpuUsPerRequest),
        f(s.peakRssMiB, 1),
        s.maxDbConnections,
      ]),
    ),
    '',
    '### Targets (issue 6)',
    '',
    '| target | goal | measured | result |',
    '|---|---|---|---|',
    ...result.targets.map((t) => `| ${t.name} | ${t.goal} | ${t.measured} | ${t.pass ? 'PASS' : '**MISS**'} |`),
    '',
    '### Memory and start',
    '',
    '| measure | value |',
    '|---|--:|',
    `| RSS idle after start | ${f(result.memory.idleAfterStartMiB, 1)} MiB |`,
    `| RSS peak sampled every 100 ms (${result.memory.samples} samples) | ${f(result.memory.peakSampledMiB, 1)} MiB |`,
    `| RSS high-water mark (VmHWM) | ${f(result.memory.highWaterMiB, 1)} MiB |`,
    `| RSS idle after the load | ${f(result.memory.idleAfterLoadMiB, 1)} MiB |`,
    `| first start: migrate an empty database → ready | ${f(result.startup.migrateAndReadyMs)} ms |`,
    `| start → ready, migrated database, median of ${result.startup.readyMs.length} | ${f(result.startup.medianReadyMs)} ms (${result.startup.readyMs.map((ms) => f(ms)).join(', ')}) |`,
    `| start → listening (first HTTP answer), median | ${f(result.startup.medianListenMs)} ms (${result.startup.listenMs.map((ms) => f(ms)).join(', ')}) |`,
    `| RSS at ready (each start) | ${result.startup.rssAtReadyMiB.map((mib) => f(mib, 1)).join(', ')} MiB |`,
    `| exit code after SIGTERM | ${result.stopExitCode} |`,
    '',
    `Machine: ${m.nproc} cores (${m.cpuModel}), ${m.memoryGiB} GiB, ${m.kernel}; Bun ${m.bun}; ${m.postgres}; ${m.wrk}. ` +
      `Load average ${f(m.loadBefore ?? NaN, 2)} before, ${f(m.loadAfter ?? NaN, 2)} after. ` +
      `Service at ${m.commit}${m.srcDirty ? ' with uncommitted changes in src/' : ''}; run ${m.date}, ${f(result.totalSeconds)} s. ` +
      'Load generator, service and PostgreSQL share the cores.',
    '',
  ]
  return lines.join('\n')
}
