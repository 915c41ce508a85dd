// A database that stops answering without closing anything: the service as the image runs it,
// PostgreSQL behind a relay that black-holes traffic for 30 s, 200 POST/s throughout, each view
// to a slug of its own so every stored view can be matched with the answer its request got.
// Usage: bun run bench:stall [--stall SECONDS] [--rate PER_SECOND]
import { mkdirSync, writeFileSync } from 'node:fs'
import { parseArgs } from 'node:util'
import { databaseRelay } from '../harness/database-relay.ts'
import { startService } from '../harness/service.ts'
import { readMemory, trackRss } from './memory.ts'
import { recreateDatabase } from './scratch-db.ts'

const { values } = parseArgs({
  args: Bun.argv.slice(2),
  options: { stall: { type: 'string', default: '30' }, rate: { type: 'string', default: '200' } },
})
const stallSeconds = Number(values.stall)
const rate = Number(values.rate)
const adminUrl = process.env.BENCH_ADMIN_URL ?? 'postgres://postgres@127.0.0.1:5432/test'
// The Hugo script gives up after 3 s; so does this client.
const CLIENT_TIMEOUT_MS = 3000
const BEFORE_MS = 3000
const AFTER_MS = 8000

const began = performance.now()
const progress = (message: string) =>
  console.log(`[${((performance.now() - began) / 1000).toFixed(1).padStart(6)} s] ${message}`)

const db = await recreateDatabase(adminUrl, 'vc_bench_stall')
const relay = databaseRelay(db.url)
relay.start()
const service = await startService({
  asImage: true,
  env: { DATABASE_URL: relay.url, DB_POOL_MAX: '10' },
  timeoutMs: 15_000,
  pollMs: 10,
  output: 'inherit',
})
progress(`service pid ${service.pid} ready; ${rate} POST/s, black hole for ${stallSeconds} s`)
const rss = trackRss(service.pid, 50)

type Answer = { slug: string; phase: 'before' | 'stall' | 'after'; status: number | 'abandoned' | 'error'; ms: number }
const answers: Answer[] = []
let phase: Answer['phase'] = 'before'
let sent = 0
async function post() {
  const slug = `stall/${sent++}/`
  const at = phase
  const started = performance.now()
  const status = await fetch(`${service.url}/views/${slug}`, {
    method: 'POST',
    signal: AbortSignal.timeout(CLIENT_TIMEOUT_MS),
  }).then(
    (response) => response.status,
    (error: Error) => (error.name === 'TimeoutError' ? ('abandoned' as const) : ('error' as const)),
  )
  answers.push({ slug, phase: at, status, ms: performance.now() - started })
}
const inFlight = new Set<Promise<void>>()
const loadStarted = performance.now()
// An open loop that catches up: a timer tick late on a busy machine sends what was due meanwhile.
const load = setInterval(() => {
  while (sent < ((performance.now() - loadStarted) * rate) / 1000) {
    const request = post().finally(() => inFlight.delete(request))
    inFlight.add(request)
  }
}, 5)

await Bun.sleep(BEFORE_MS)
phase = 'stall'
relay.blackHole()
const holed = performance.now()
progress('black hole on')
let readyUnavailableMs: number | undefined
const scrapes = { answered: 0, tried: 0, slowestMs: 0 }
while (performance.now() - holed < stallSeconds * 1000) {
  const status = await fetch(`${service.url}/ready`, { signal: AbortSignal.timeout(1000) }).then(
    (r) => r.status,
    () => 0,
  )
  if (status === 503) readyUnavailableMs ??= performance.now() - holed
  if (scrapes.tried < (performance.now() - holed) / 1000) {
    scrapes.tried++
    const started = performance.now()
    if (
      (await fetch(`${service.url}/metrics`, { signal: AbortSignal.timeout(1000) }).then(
        (r) => r.status,
        () => 0,
      )) === 200
    )
      scrapes.answered++
    scrapes.slowestMs = Math.max(scrapes.slowestMs, performance.now() - started)
  }
  await Bun.sleep(50)
}
const stallRssPeak = rss.mark()
const { hwm } = await readMemory(service.pid)
phase = 'after'
relay.resume()
const resumed = performance.now()
progress('black hole off')
let readyAgainMs: number | undefined
while (performance.now() - resumed < AFTER_MS) {
  if (
    readyAgainMs === undefined &&
    (await fetch(`${service.url}/ready`).then(
      (r) => r.status,
      () => 0,
    )) === 200
  )
    readyAgainMs = performance.now() - resumed
  await Bun.sleep(50)
}
clearInterval(load)
await Promise.all(inFlight)
// Late statements, if any were going to land, have landed by now.
await Bun.sleep(2000)
const counted = new Set<string>()
const scratch = (await import('postgres')).default(db.url, { max: 1, onnotice: () => {} })
for (const row of await scratch<{ slug: string }[]>`select slug from views where slug like 'stall/%'`)
  counted.add(row.slug)
await scratch.end()
rss.stop()
await service.stop()
relay.stop()
await db.drop()

const during = answers.filter((answer) => answer.phase === 'stall')
const sorted = during.map((answer) => answer.ms).sort((a, b) => a - b)
const p99 = sorted[Math.floor(sorted.length * 0.99)] ?? 0
const byStatus = (list: Answer[]) =>
  Object.fromEntries(
    Map.groupBy(list, (answer) => String(answer.status))
      .entries()
      .map(([status, group]) => [status, group.length]),
  )
const ok = answers.filter((answer) => answer.status === 200)
const countedWithoutOk = answers.filter((answer) => answer.status !== 200 && counted.has(answer.slug))
const okNotCounted = ok.filter((answer) => !counted.has(answer.slug))
const result = {
  date: new Date().toISOString(),
  stallSeconds,
  rate,
  requests: answers.length,
  answersDuringStall: byStatus(during),
  answersOverall: byStatus(answers),
  maxAnswerMs: Math.round(sorted.at(-1) ?? 0),
  p99AnswerMs: Math.round(p99),
  readyUnavailableAfterMs: readyUnavailableMs === undefined ? null : Math.round(readyUnavailableMs),
  readyAgainAfterMs: readyAgainMs === undefined ? null : Math.round(readyAgainMs),
  metricsScrapes: scrapes,
  rssPeakMiB: Math.round(Math.max(stallRssPeak, rss.peak()) * 10) / 10,
  rssHighWaterMiB: Math.round(hwm * 10) / 10,
  viewsCounted: counted.size,
  answered200: ok.length,
  countedWithoutA200: countedWithoutOk.length,
  answered200NotCounted: okNotCounted.length,
}
const targets = [
  [
    'every answer during the stall within 2 s (200 or 503)',
    result.maxAnswerMs < 2000 && during.every((a) => a.status === 200 || a.status === 503),
  ],
  ['/ready 503 within 2 s', result.readyUnavailableAfterMs !== null && result.readyUnavailableAfterMs < 2000],
  ['/metrics answers during the stall', scrapes.answered === scrapes.tried],
  ['RSS under 96 MiB', result.rssPeakMiB < 96],
  ['no view counted whose request got an error or was abandoned', result.countedWithoutA200 === 0],
  ['every view answered 200 is counted', result.answered200NotCounted === 0],
] as const
const table = [
  '| figure | value |',
  '|---|---|',
  `| requests (${rate}/s; ${BEFORE_MS / 1000} s before, ${stallSeconds} s black hole, ${AFTER_MS / 1000} s after) | ${result.requests} |`,
  `| answers during the stall | ${JSON.stringify(result.answersDuringStall)} |`,
  `| max / p99 answer time during the stall | ${result.maxAnswerMs} / ${result.p99AnswerMs} ms |`,
  `| /ready 503 after | ${result.readyUnavailableAfterMs} ms |`,
  `| /ready 200 again after the database came back | ${result.readyAgainAfterMs} ms |`,
  `| /metrics scrapes answered during the stall | ${scrapes.answered} of ${scrapes.tried} (slowest ${Math.round(scrapes.slowestMs)} ms) |`,
  `| peak RSS (sampled / kernel high-water mark) | ${result.rssPeakMiB} / ${result.rssHighWaterMiB} MiB |`,
  `| views counted / requests answered 200 | ${result.viewsCounted} / ${result.answered200} |`,
  `| views counted whose request got an error or was abandoned | ${result.countedWithoutA200} |`,
  '',
  '| target | met |',
  '|---|---|',
  ...targets.map(([name, met]) => `| ${name} | ${met ? 'yes' : 'NO'} |`),
].join('\n')
const dir = new URL('results/', import.meta.url).pathname
mkdirSync(dir, { recursive: true })
writeFileSync(`${dir}stall.json`, `${JSON.stringify({ ...result, targets: Object.fromEntries(targets) }, null, 2)}\n`)
writeFileSync(`${dir}stall.md`, `## view-counter under a black-holed database\n\n${table}\n`)
console.log(`\n${table}`)
progress('wrote bench/results/stall.json and bench/results/stall.md')
