import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'

export interface LoadResult {
  requests: number
  seconds: number
  rps: number
  p50Ms: number
  p99Ms: number
  maxMs: number
  /** HTTP statuses of 400 and up (wrk's "status" errors). */
  httpErrors: number
  /** Connect, read, write errors and timeouts. */
  socketErrors: number
  /** Responses by status code, when asked for with `countStatuses`. */
  statuses?: Record<string, number>
}

export interface LoadOptions {
  url: string
  method: 'GET' | 'POST'
  paths: string[]
  connections: number
  threads: number
  seconds: number
  /** Sent with every request. */
  headers?: Record<string, string>
  /** Count responses by status (a Lua callback per response: costs wrk some CPU). */
  countStatuses?: boolean
}

// wrk prints its summary for people; done() prints one machine-readable line we can parse. Each
// thread has its own Lua state: setup() keeps the threads so done() can add up their status counts.
function luaScript(method: string, paths: string[], headers: Record<string, string>, countStatuses: boolean): string {
  if (paths.some((path) => !/^[\x21-\x7e]+$/.test(path)))
    throw new Error('wrk paths must be printable ASCII (encode them)')
  const headerTable = Object.entries(headers)
    .map(([name, value]) => `[${JSON.stringify(name)}] = ${JSON.stringify(value)}`)
    .join(', ')
  return `local paths = { ${paths.map((path) => JSON.stringify(path)).join(', ')} }
local prepared = {}
local threads = {}
statuses = {}
function setup(thread)
  table.insert(threads, thread)
end
function init(args)
  for i, path in ipairs(paths) do prepared[i] = wrk.format(${JSON.stringify(method)}, path, { ${headerTable} }) end
end
function request()
  return prepared[math.random(#prepared)]
end
${countStatuses ? 'function response(status)\n  statuses[status] = (statuses[status] or 0) + 1\nend' : ''}
function done(summary, latency, requests)
  local total = {}
  for _, thread in ipairs(threads) do
    for status, n in pairs(thread:get("statuses") or {}) do total[status] = (total[status] or 0) + n end
  end
  local counts = {}
  for status, n in pairs(total) do table.insert(counts, string.format('"%d":%d', status, n)) end
  local e = summary.errors
  io.write(string.format('WRK_JSON {"requests":%d,"durationUs":%d,"connect":%d,"read":%d,"write":%d,"status":%d,"timeout":%d,"p50Us":%d,"p99Us":%d,"maxUs":%d,"statuses":{%s}}\\n',
    summary.requests, summary.duration, e.connect, e.read, e.write, e.status, e.timeout,
    latency:percentile(50), latency:percentile(99), latency.max, table.concat(counts, ',')))
end
`
}

export async function runWrk({
  url,
  method,
  paths,
  connections,
  threads,
  seconds,
  headers = {},
  countStatuses = false,
}: LoadOptions): Promise<LoadResult> {
  const dir = mkdtempSync(join(tmpdir(), 'vc-bench-wrk-'))
  const script = join(dir, 'scenario.lua')
  writeFileSync(script, luaScript(method, paths, headers, countStatuses))
  try {
    const child = Bun.spawn(
      [
        'wrk',
        `-t${Math.min(threads, connections)}`,
        `-c${connections}`,
        `-d${seconds}s`,
        '--timeout',
        '10s',
        '-s',
        script,
        url,
      ],
      { stdout: 'pipe', stderr: 'pipe' },
    )
    // wrk stops itself after -d; this only guards against a wrk that hangs.
    const guard = setTimeout(() => child.kill('SIGKILL'), (seconds + 30) * 1000)
    const [out, err, code] = await Promise.all([
      new Response(child.stdout).text(),
      new Response(child.stderr).text(),
      child.exited,
    ])
    clearTimeout(guard)
    const line = out.split('\n').find((l) => l.startsWith('WRK_JSON '))
    if (code !== 0 || !line) throw new Error(`wrk failed (exit ${code}): ${err || out}`)
    const r = JSON.parse(line.slice('WRK_JSON '.length))
    const secondsRun = r.durationUs / 1e6
    return {
      requests: r.requests,
      seconds: secondsRun,
      rps: r.requests / secondsRun,
      p50Ms: r.p50Us / 1000,
      p99Ms: r.p99Us / 1000,
      maxMs: r.maxUs / 1000,
      httpErrors: r.status,
      socketErrors: r.connect + r.read + r.write + r.timeout,
      ...(countStatuses ? { statuses: r.statuses } : {}),
    }
  } finally {
    rmSync(dir, { recursive: true, force: true })
  }
}

/** Exits with how to install wrk when it is missing, before anything is started. */
export function requireWrk() {
  if (Bun.which('wrk')) return
  console.error('wrk is not installed: `apt-get install wrk` (Debian/Ubuntu) or build it from github.com/wg/wrk')
  process.exit(2)
}
