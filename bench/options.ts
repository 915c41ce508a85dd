import { parseArgs } from 'node:util'
import { scenarios } from './scenarios.ts'

const scenarioIds = scenarios.map((scenario) => scenario.id as string)

export interface BenchOptions {
  /** Seconds of load per scenario. */
  duration: number
  connections: number[]
  /** How many times the service is restarted to time start → ready. */
  starts: number
  quick: boolean
  adminUrl: string
  database: string
  port: number
  /** The pool size the service is started with: production's default unless told otherwise. */
  poolMax: number
  threads: number
  /** Scenario ids to run; all when empty. */
  only: string[]
}

const usage = `bun run bench [--pod] [--quick] [--duration SECONDS] [--connections 32,128] [--starts N] [--only ID,...]

  --quick         a smoke run: 2 s per scenario, 3 starts
  --duration      seconds of load per scenario (default 8)
  --connections   comma-separated concurrency levels (default 32,128)
  --starts        restarts timed for start → ready (default 5)
  --only          scenario ids to run, e.g. post-spread (default: all); targets of skipped ones show MISS

Environment: BENCH_DB_POOL_MAX (default 10, the service's default) to try another pool size;
BENCH_ADMIN_URL (default postgres://postgres@127.0.0.1:5432/test) names a database
to connect to for creating the scratch database BENCH_DATABASE (default vc_bench).`

export function readOptions(argv = Bun.argv.slice(2)): BenchOptions {
  const { values } = parseArgs({
    args: argv,
    options: {
      quick: { type: 'boolean', default: false },
      duration: { type: 'string' },
      connections: { type: 'string' },
      starts: { type: 'string' },
      only: { type: 'string' },
      help: { type: 'boolean', default: false },
    },
  })
  if (values.help) {
    console.log(usage)
    process.exit(0)
  }
  const quick = values.quick ?? false
  const duration = Number(values.duration ?? (quick ? 2 : 8))
  const connections = (values.connections ?? '32,128').split(',').map(Number)
  const starts = Number(values.starts ?? (quick ? 3 : 5))
  const only = values.only ? values.only.split(',') : []
  const bad = [
    !(duration >= 1 && duration <= 120) && '--duration must be 1–120 seconds',
    !connections.every((c) => Number.isInteger(c) && c >= 1 && c <= 1000) && '--connections must be integers 1–1000',
    !(Number.isInteger(starts) && starts >= 1 && starts <= 50) && '--starts must be 1–50',
    !only.every((id) => scenarioIds.includes(id)) && `--only takes ${scenarioIds.join(', ')}`,
  ].filter(Boolean)
  if (bad.length > 0) {
    console.error(`${bad.join('\n')}\n\n${usage}`)
    process.exit(2)
  }
  return {
    duration,
    connections,
    starts,
    quick,
    adminUrl: process.env.BENCH_ADMIN_URL ?? 'postgres://postgres@127.0.0.1:5432/test',
    database: process.env.BENCH_DATABASE ?? 'vc_bench',
    port: Number(process.env.BENCH_PORT ?? 19313),
    poolMax: Number(process.env.BENCH_DB_POOL_MAX ?? 10),
    threads: 2,
    only,
  }
}
