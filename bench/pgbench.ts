import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { SLUG_COUNT } from './scenarios.ts'
import { serviceUpsert } from './service-statement.ts'

export interface CeilingResult {
  kind: 'hot' | 'spread'
  clients: number
  /** Transactions per second once connected; 0 when the run committed nothing. */
  tps: number
  latencyMs: number
  failed: number
  /** pgbench's -T includes connecting, which takes seconds for many clients on a busy machine. */
  connectMs: number
  /** The pgbench script run, so a reader of the results can see exactly what the ceiling is. */
  script: string
}

// pgbench variables are numbers, so the spread slug is spelled in SQL from a random page number;
// the lpad/concat costs microseconds next to the upsert.
const slugExpressions = {
  hot: ':slug',
  spread: `('posts/bench-' || lpad(:n::text, 4, '0') || '/')`,
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

export async function runCeiling({
  url,
  kind,
  hotSlug,
  day,
  clients,
  seconds,
}: CeilingOptions): Promise<CeilingResult> {
  const dir = mkdtempSync(join(tmpdir(), 'vc-bench-pgbench-'))
  const script = join(dir, `${kind}.sql`)
  // One view per statement and per commit: what the service would cost without batching.
  const upsert = await serviceUpsert(slugExpressions[kind])
  writeFileSync(script, kind === 'spread' ? `\\set n random(1, ${SLUG_COUNT})\n${upsert.script}` : upsert.script)
  try {
    const args = [
      'pgbench',
      '-n',
      '-M',
      'prepared',
      '-c',
      String(clients),
      '-j',
      String(Math.min(2, clients)),
      '-T',
      String(seconds + CONNECT_ALLOWANCE_S),
    ]
    args.push(
      '-D',
      `day=${day}`,
      '-D',
      `slug=${hotSlug}`,
      ...Object.entries(upsert.values).flatMap(([name, value]) => ['-D', `${name}=${value}`]),
    )
    args.push('-f', script, url)
    const child = Bun.spawn(args, { stdout: 'pipe', stderr: 'pipe' })
    const guard = setTimeout(() => child.kill('SIGKILL'), (seconds + 30) * 1000)
    const [out, err, code] = await Promise.all([
      new Response(child.stdout).text(),
      new Response(child.stderr).text(),
      child.exited,
    ])
    clearTimeout(guard)
    const number = (pattern: RegExp) => Number(out.match(pattern)?.[1] ?? NaN)
    const processed = number(/^number of transactions actually processed: (\d+)/m)
    if (code !== 0 || Number.isNaN(processed)) throw new Error(`pgbench failed (exit ${code}): ${err || out}`)
    return {
      kind,
      clients,
      tps: number(/^tps = ([\d.]+) \(without initial connection time\)/m) || 0,
      connectMs: number(/^initial connection time = ([\d.]+) ms/m),
      script: readFileSync(script, 'utf8'),
      latencyMs: number(/^latency average = ([\d.]+) ms/m),
      failed: number(/^number of failed transactions: (\d+)/m) || 0,
    }
  } finally {
    rmSync(dir, { recursive: true, force: true })
  }
}
