import type { MachineInfo } from './machine.ts'
import type { ExactCounts } from './pod-counts.ts'
import type { PodLimits } from './pod-limits.ts'
import type { BenchResult, Target } from './report.ts'
import type { LoadResult } from './wrk.ts'

export interface PodLoad extends LoadResult {
  id: 'floor' | 'get-one' | 'post-hot' | 'post-spread'
  title: string
  connections: number
  /** The cgroup's memory high-water mark during this load, MiB. */
  peakMiB: number
  oomKills: number
  underOom: boolean
  /** CPU time the quota held the group back during this load. */
  throttledMs: number
  throttledPeriods: number
  /** /health answered 200 after the load: the process survived it. */
  alive: boolean
  /** For POSTs: 200 answers wrk read, and how much the sum of counts grew (cut-off requests may add up to `connections`). */
  countCheck?: { answered200: number; databaseDelta: number }
}

export interface PodResult {
  machine: MachineInfo
  limits: PodLimits
  cgroupVersion: 1 | 2
  settings: { durationSeconds: number; heavyDurationSeconds: number; quick: boolean; note?: string }
  loads: PodLoad[]
  exact: ExactCounts
  // The two-core bench's start figures, without its RSS samples (the cgroup's peak stands for them here).
  startup: Omit<BenchResult['startup'], 'rssAtReadyMiB'>
  totalSeconds: number
  targets: Target[]
}

const f = (n: number, digits = 0) =>
  Number.isFinite(n)
    ? n.toLocaleString('en-US', { minimumFractionDigits: digits, maximumFractionDigits: digits })
    : 'n/a'
const fivexx = (load: PodLoad) =>
  Object.entries(load.statuses ?? {}).reduce((n, [status, count]) => n + (Number(status) >= 500 ? count : 0), 0)

/** The floor's req/s at the same number of connections. */
export const floorFor = (result: Pick<PodResult, 'loads'>, load: PodLoad) =>
  result.loads.find((l) => l.id === 'floor' && l.connections === load.connections)?.rps ?? NaN

// The targets of issue 14, judged on this run's numbers only.
export function judgePod(result: Omit<PodResult, 'targets'>): Target[] {
  const targets: Target[] = []
  const smallest = Math.min(...result.loads.map((l) => l.connections))
  for (const [id, goal] of [
    ['get-one', 0.5],
    ['post-hot', 0.3],
    ['post-spread', 0.3],
  ] as const) {
    const load = result.loads.find((l) => l.id === id && l.connections === smallest)
    const ratio = load ? load.rps / floorFor(result, load) : NaN
    targets.push({
      name: `${load?.title ?? id}, ${smallest} conns, vs bare Bun.serve`,
      goal: `≥ ${goal}× floor`,
      measured: load ? `${f(ratio, 2)}× (${f(load.rps)} vs ${f(floorFor(result, load))} req/s)` : 'not measured',
      pass: ratio >= goal,
    })
  }
  const heavy = result.loads.filter((l) => l.id !== 'floor' && l.connections > smallest)
  const killed = heavy.reduce((n, l) => n + l.oomKills, 0)
  targets.push({
    name: `${heavy.map((l) => `${l.title}, ${l.connections} conns`).join('; ')}: no OOM kill`,
    goal: '0 OOM kills, still alive',
    measured: `${killed} OOM kills${heavy.some((l) => l.underOom) ? ', under OOM' : ''}${heavy.every((l) => l.alive) ? '' : ', service died'}`,
    pass: heavy.length > 0 && killed === 0 && heavy.every((l) => l.alive && !l.underOom),
  })
  const errors = heavy.reduce((n, l) => n + fivexx(l), 0)
  const socket = heavy.reduce((n, l) => n + l.socketErrors, 0)
  targets.push({
    name: 'the same: no 5xx',
    goal: '0',
    measured: `${f(errors)} 5xx (${f(socket)} socket errors)`,
    pass: heavy.length > 0 && errors === 0,
  })
  const peak = Math.max(...heavy.map((l) => l.peakMiB))
  targets.push({
    name: 'the same: cgroup peak memory',
    goal: '≤ 64 MiB',
    measured: `${f(peak, 1)} MiB`,
    pass: peak <= 64,
  })
  targets.push({
    name: 'Start → /ready under the quota, migrated database (median)',
    goal: '≤ 500 ms',
    measured: `${f(result.startup.medianReadyMs)} ms`,
    pass: result.startup.medianReadyMs <= 500,
  })
  targets.push({
    name: 'Counts exact and durable (every 200 in the database after SIGKILL)',
    goal: 'sum grew by the 200s',
    measured: `${f(result.exact.answered200)} answered 200, sum grew by ${f(result.exact.databaseDelta)}`,
    pass: result.exact.exact,
  })
  return targets
}

export function podMarkdown(result: PodResult): string {
  const m = result.machine
  const l = result.limits
  const s = result.settings
  const busy = (m.loadBefore ?? 0) > m.nproc / 2
  return [
    `Limits read from \`manifests/deployment.yaml\`: cpu ${l.cpu} (cgroup v${result.cgroupVersion} quota ${f(l.quotaUs)} µs per ${f(l.periodUs)} µs), memory ${l.memory}. ` +
      `Service started as the image starts it, with the ConfigMap's settings (LOG_LEVEL=info) and COUNT_MODE=every. ` +
      `${s.durationSeconds} s per load, ${s.heavyDurationSeconds} s at the highest connection count, wrk 2 threads outside the cgroup.`,
    '',
    '### Loads',
    '',
    '| load | conns | req/s | × floor | p50 ms | p99 ms | answers | cgroup peak MiB | OOM kills | throttled ms (periods) | 200s / DB count grew |',
    '|---|--:|--:|--:|--:|--:|---|--:|--:|--:|--:|',
    ...result.loads
      .map((load) =>
        [
          load.title,
          load.connections,
          f(load.rps),
          load.id === 'floor' ? '1.00×' : `${f(load.rps / floorFor(result, load), 2)}×`,
          f(load.p50Ms, 2),
          f(load.p99Ms, 2),
          Object.entries(load.statuses ?? {})
            .map(([status, n]) => `${status}: ${f(n)}`)
            .concat(load.socketErrors > 0 ? [`socket errors: ${f(load.socketErrors)}`] : [])
            .join(', '),
          f(load.peakMiB, 1),
          `${load.oomKills}${load.underOom ? ' (under OOM)' : ''}${load.alive ? '' : ' (died)'}`,
          `${f(load.throttledMs)} (${f(load.throttledPeriods)})`,
          load.countCheck ? `${f(load.countCheck.answered200)} / ${f(load.countCheck.databaseDelta)}` : '—',
        ].join(' | '),
      )
      .map((line) => `| ${line} |`),
    '',
    'The last column: wrk cannot tell whether a request it cut off when it stopped was counted, so the',
    'sum may exceed the 200s it read by up to the connection count. Exactness is checked separately below.',
    "Throttled time is the kernel's, summed over the CPUs' run queues, so it can exceed the load's length.",
    'The cgroup peak counts page cache the group itself charged; files already cached by other processes',
    '(the Bun binary, node_modules) are not charged to it, unlike in a fresh pod on a cold node.',
    '',
    '### Targets (issue 14)',
    '',
    '| target | goal | measured | result |',
    '|---|---|---|---|',
    ...result.targets.map((t) => `| ${t.name} | ${t.goal} | ${t.measured} | ${t.pass ? 'PASS' : '**MISS**'} |`),
    '',
    '### Counts and start',
    '',
    '| measure | value |',
    '|---|--:|',
    `| exact-count check: ${f(result.exact.requests)} POSTs (half one hot slug, half spread), then SIGKILL | ${f(result.exact.answered200)} answered 200${Object.keys(result.exact.otherAnswers).length ? ` (others ${JSON.stringify(result.exact.otherAnswers)})` : ''}; sum of counts grew by ${f(result.exact.databaseDelta)} |`,
    `| first start: migrate an empty database → ready, under the quota | ${f(result.startup.migrateAndReadyMs)} ms |`,
    `| start → ready, migrated database, median of ${result.startup.readyMs.length} | ${f(result.startup.medianReadyMs)} ms (${result.startup.readyMs.map((ms) => f(ms)).join(', ')}) |`,
    `| start → listening (first HTTP answer), median | ${f(result.startup.medianListenMs)} ms (${result.startup.listenMs.map((ms) => f(ms)).join(', ')}) |`,
    '',
    `Machine: ${m.nproc} cores (${m.cpuModel}), ${m.memoryGiB} GiB, ${m.kernel}; Bun ${m.bun}; ${m.postgres}; ${m.wrk}. ` +
      `Load average ${f(m.loadBefore ?? NaN, 2)} before, ${f(m.loadAfter ?? NaN, 2)} after. ` +
      `Service at ${m.commit}${m.srcDirty ? ' with uncommitted changes in src/' : ''}; run ${m.date}, ${f(result.totalSeconds)} s. ` +
      'wrk and PostgreSQL run outside the cgroup and share the cores with it.',
    ...(busy
      ? [
          '',
          `**The machine was busy when this ran (load average ${f(m.loadBefore ?? NaN, 2)}): numbers are low and noisy.**`,
        ]
      : []),
    ...(s.note ? ['', `Note: ${s.note}`] : []),
    '',
  ].join('\n')
}
