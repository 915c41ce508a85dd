import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { SLUG_COUNT } from './scenarios.ts'

export interface CeilingResult {
  kind: 'hot' | 'spread'
  clients: number
  /** Transactions per second once connected; 0 when the run committed nothing. */
  tps: number
  latencyMs: number
  failed: number
  /** pgbench's -T includes connecting, which takes seconds for many clients on a busy machine. */
  connectMs: number
}

// The statement of src/db/counts.ts addViews, text for text, with n = 1: one view, one commit.
const upsert = (slug: string) => `with total as (
  insert into views (slug, count) values (${slug}, 1)
  on conflict (slug) do update set count = views.count + excluded.count, last_seen = now()
  returning count
), daily as (
  insert into daily_views (slug, day, count) values (${slug}, :day::date, 1)
  on conflict (slug, day) do update set count = daily_views.count + excluded.count
)
select count from total;
`

// pgbench variables are numbers, so the spread slug is spelled in SQL from a random page number;
// the lpad/concat costs microseconds next to the upsert.
const scripts = {
  hot: upsert(':slug'),
  spread: `\\set n random(1, ${SLUG_COUNT})\n${upsert(`('posts/bench-' || lpad(:n::text, 4, '0') || '/')`)}`,
}

export interface CeilingOptions {
  url: string
  kind: 'hot' | 'spread'
  hotSlug: string
  day: string
  clients: number
  seconds: number
}

// Added to -T so that connecting all clients does not eat the measured window.
const CONNECT_ALLOWANCE_S = 2

export async function runCeiling({ url, kind, hotSlug, day, clients, seconds }: CeilingOptions): Promise<CeilingResult> {
  const dir = mkdtempSync(join(tmpdir(), 'vc-bench-pgbench-'))
  const script = join(dir, `${kind}.sql`)
  writeFileSync(script, scripts[kind])
  try {
    const args = ['pgbench', '-n', '-M', 'prepared', '-c', String(clients), '-j', String(Math.min(2, clients)), '-T', String(seconds + CONNECT_ALLOWANCE_S)]
    args.push('-D', `day=${day}`, '-D', `slug=${hotSlug}`, '-f', script, url)
    const child = Bun.spawn(args, { stdout: 'pipe', stderr: 'pipe' })
    const guard = setTimeout(() => child.kill('SIGKILL'), (seconds + 30) * 1000)
    const [out, err, code] = await Promise.all([new Response(child.stdout).text(), new Response(child.stderr).text(), child.exited])
    clearTimeout(guard)
    const number = (pattern: RegExp) => Number(out.match(pattern)?.[1] ?? NaN)
    const processed = number(/^number of transactions actually processed: (\d+)/m)
    if (code !== 0 || Number.isNaN(processed)) throw new Error(`pgbench failed (exit ${code}): ${err || out}`)
    return {
      kind,
      clients,
      tps: number(/^tps = ([\d.]+) \(without initial connection time\)/m) || 0,
      connectMs: number(/^initial connection time = ([\d.]+) ms/m),
      latencyMs: number(/^latency average = ([\d.]+) ms/m),
      failed: number(/^number of failed transactions: (\d+)/m) || 0,
    }
  } finally {
    rmSync(dir, { recursive: true, force: true })
  }
}
