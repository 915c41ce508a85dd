// What the daily breakdowns cost a counted view. The service counts readers (the default), with no repeat
// window and no rate limit so every POST counts, and a trusted country header; wrk POSTs over 1000 slugs
// as a browser, first bare, then with everything the Hugo script sends (referrer, campaign, screen) and the
// header Cloudflare's tunnel adds. Run it in a checkout of an older commit too, to compare before and after.
// Usage: bun run bench:breakdowns [--duration SECONDS] [--connections N]
import { writeFileSync } from 'node:fs'
import { parseArgs } from 'node:util'
import { startService } from '../harness/service.ts'
import { trackRss } from './memory.ts'
import { recreateDatabase } from './scratch-db.ts'
import { runWrk } from './wrk.ts'

const { values } = parseArgs({
  args: Bun.argv.slice(2),
  options: { duration: { type: 'string', default: '10' }, connections: { type: 'string', default: '64' } },
})
const seconds = Number(values.duration)
const connections = Number(values.connections)
const adminUrl = process.env.BENCH_ADMIN_URL ?? 'postgres://postgres@127.0.0.1:5432/test'

const BROWSER =
  'Mozilla/5.0 (Linux; Android 14; Pixel 7) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Mobile Safari/537.36'
const slugs = Array.from({ length: 1000 }, (_, i) => `/views/posts/p${i}/`)
const scenarios: { name: string; query: string; headers: Record<string, string> }[] = [
  { name: 'a browser, nothing else', query: '', headers: {} },
  {
    name: 'a browser with referrer, campaign, screen and country',
    query: '?ref=news.ycombinator.com&utm_source=newsletter&utm_campaign=launch&screen=s',
    headers: { 'CF-IPCountry': 'GR' },
  },
]

const db = await recreateDatabase(adminUrl, 'vc_bench_breakdowns')
const service = await startService({
  env: {
    DATABASE_URL: db.url,
    COUNT_MODE: 'readers',
    REPEAT_WINDOW_MINUTES: '0',
    RATE_LIMIT_PER_MINUTE: '0',
    COUNTRY_HEADER: 'cf-ipcountry',
    LOG_LEVEL: 'warn',
  },
})
const rss = trackRss(service.pid, 100)
const commit = Bun.spawnSync(['git', 'rev-parse', '--short', 'HEAD']).stdout.toString().trim()
const report: string[] = []
const print = (line: string) => {
  console.log(line)
  report.push(line)
}
print(`view-counter at ${commit}: readers mode, ${connections} conns, ${seconds} s per scenario, wrk 2 threads\n`)
print('| scenario | req/s | p50 ms | p99 ms | errors |\n|---|--:|--:|--:|--:|')
try {
  for (const { name, query, headers } of scenarios) {
    await db.vacuum()
    const result = await runWrk({
      url: service.url,
      method: 'POST',
      paths: slugs.map((slug) => slug + query),
      connections,
      threads: 2,
      seconds,
      headers: { 'User-Agent': BROWSER, ...headers },
    })
    const errors = result.httpErrors + result.socketErrors
    print(
      `| ${name} | ${Math.round(result.rps).toLocaleString('en')} | ${result.p50Ms.toFixed(2)} | ${result.p99Ms.toFixed(2)} | ${errors} |`,
    )
  }
  print(
    `\npeak RSS ${rss.peak().toFixed(1)} MiB; load average ${(await Bun.file('/proc/loadavg').text()).split(' ')[0]}`,
  )
  writeFileSync(new URL('results/breakdowns.md', import.meta.url), `${report.join('\n')}\n`)
} finally {
  rss.stop()
  await service.stop()
  await db.drop()
}
