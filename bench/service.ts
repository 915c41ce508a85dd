import type { Subprocess } from 'bun'

export interface ServiceOptions {
  databaseUrl: string
  port: number
  poolMax: number
}

export interface RunningService {
  pid: number
  baseUrl: string
  /** Milliseconds from spawn until GET /ready first answered 200. */
  readyMs: number
  /** Milliseconds from spawn until the first HTTP answer of any status: code loaded, port open. */
  listenMs: number
  stop(): Promise<number>
}

// Read from the Dockerfile's final ENV and ENTRYPOINT, so what is measured is what runs in the pod.
const dockerfile = await Bun.file(new URL('../Dockerfile', import.meta.url)).text()
const entrypoint = JSON.parse(dockerfile.match(/^ENTRYPOINT (\[.*\])$/m)![1]!) as string[]
const command = [process.execPath, ...entrypoint.slice(1)]
const productionEnv = Object.fromEntries(
  [...dockerfile.matchAll(/^ENV ((?:.*\\\n)*.*)$/gm)]
    .flatMap((match) => match[1]!.replaceAll('\\\n', ' ').trim().split(/\s+/))
    .map((pair) => pair.split('=') as [string, string]),
)

export async function startService({ databaseUrl, port, poolMax }: ServiceOptions, timeoutMs = 15_000): Promise<RunningService> {
  const baseUrl = `http://127.0.0.1:${port}`
  // Another server on the port would answer /ready for us and every number would be its.
  if (await fetch(`${baseUrl}/health`).then(() => true, () => false)) throw new Error(`port ${port} is already in use`)
  const started = performance.now()
  const child = Bun.spawn(command, {
    cwd: new URL('..', import.meta.url).pathname,
    env: {
      PATH: process.env.PATH,
      ...productionEnv,
      DATABASE_URL: databaseUrl,
      DB_POOL_MAX: String(poolMax),
      HOST: '127.0.0.1',
      PORT: String(port),
      COUNT_MODE: 'every',
      LOG_LEVEL: 'warn',
    },
    stdout: 'inherit',
    stderr: 'inherit',
  })
  const { readyMs, listenMs } = await waitReady(child, baseUrl, started, timeoutMs).catch(async (error) => {
    child.kill('SIGKILL')
    await child.exited
    throw error
  })
  return { pid: child.pid, baseUrl, readyMs, listenMs, stop: () => stop(child) }
}

// Polls every 10 ms: fine-grained enough for a 0.5 s target, cheap enough not to slow the start.
async function waitReady(child: Subprocess, baseUrl: string, started: number, timeoutMs: number) {
  let listenMs: number | undefined
  while (performance.now() - started < timeoutMs) {
    if (child.exitCode !== null) throw new Error(`service exited with ${child.exitCode} before it was ready`)
    const status = await fetch(`${baseUrl}/ready`).then((res) => res.status, () => 0)
    if (status !== 0) listenMs ??= performance.now() - started
    if (status === 200) return { readyMs: performance.now() - started, listenMs: listenMs! }
    await Bun.sleep(10)
  }
  throw new Error(`service not ready within ${timeoutMs} ms`)
}

// SIGTERM is what Kubernetes sends; the service answers in-flight requests and exits 0.
async function stop(child: Subprocess): Promise<number> {
  child.kill('SIGTERM')
  const timer = setTimeout(() => child.kill('SIGKILL'), 15_000)
  const code = await child.exited
  clearTimeout(timer)
  return code
}
