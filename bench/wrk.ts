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
}

export interface LoadOptions {
  url: string
  method: 'GET' | 'POST'
  paths: string[]
  connections: number
  threads: number
  seconds: number
}

// wrk prints its summary for people; done() prints one machine-readable line we can parse.
function luaScript(method: string, paths: string[]): string {
  if (paths.some((path) => !/^[\x21-\x7e]+$/.test(path)))
    throw new Error('wrk paths must be printable ASCII (encode them)')
  return `local paths = { ${paths.map((path) => JSON.stringify(path)).join(', ')} }
local prepared = {}
function init(args)
  for i, path in ipairs(paths) do prepared[i] = wrk.format(${JSON.stringify(method)}, path) end
end
function request()
  return prepared[math.random(#prepared)]
end
function done(summary, latency, requests)
  local e = summary.errors
  io.write(string.format('WRK_JSON {"requests":%d,"durationUs":%d,"connect":%d,"read":%d,"write":%d,"status":%d,"timeout":%d,"p50Us":%d,"p99Us":%d,"maxUs":%d}\\n',
    summary.requests, summary.duration, e.connect, e.read, e.write, e.status, e.timeout,
    latency:percentile(50), latency:percentile(99), latency.max))
end
`
}

export async function runWrk({ url, method, paths, connections, threads, seconds }: LoadOptions): Promise<LoadResult> {
  const dir = mkdtempSync(join(tmpdir(), 'vc-bench-wrk-'))
  const script = join(dir, 'scenario.lua')
  writeFileSync(script, luaScript(method, paths))
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
    }
  } finally {
    rmSync(dir, { recursive: true, force: true })
  }
}
