import { freePort } from './free-port.ts'

const repoRoot = new URL('..', import.meta.url).pathname

export interface ServiceOptions {
  /** The service's settings, over HOST=127.0.0.1, PORT, LOG_LEVEL=warn and COUNT_MODE=every (each POST counts). */
  env?: Record<string, string | undefined>
  /** A free one unless given. */
  port?: number
  /** Start it as the image does (the Dockerfile's ENTRYPOINT and ENV) rather than as `bun src/index.ts`. */
  asImage?: boolean
  /** Another program in the service's place, started the same way (runtime, flags, ENV): the bench's floor server. */
  script?: string
  /** Run the command through this one, which must end by exec'ing it (so the pid stays the service's): a cgroup joiner. */
  launcher?: string[]
  /** Up means this path answers 200: `/ready` (migrated), or `/health` for a service whose database is away. */
  waitFor?: '/ready' | '/health'
  timeoutMs?: number
  /** How often to ask `waitFor`; the bench asks every 10 ms to time a start to within that. */
  pollMs?: number
  /** `capture` keeps the output for `output()` and for the error if it never comes up; `inherit` prints it. */
  output?: 'capture' | 'inherit'
}

export interface RunningService {
  url: string
  pid: number
  /** What it printed so far, when started with `output: 'capture'`. */
  output(): string
  /** Milliseconds from spawn until `waitFor` first answered 200. */
  readyMs: number
  /** Milliseconds from spawn until the first HTTP answer of any status: code loaded, port open. */
  listenMs: number
  /** Sends the signal (SIGTERM, as Kubernetes does) and resolves to the exit code. */
  stop(signal?: NodeJS.Signals): Promise<number>
}

/** The real service in a process of its own, on 127.0.0.1, once it answers `waitFor`. */
export async function startService({
  env = {},
  port = freePort(),
  asImage = false,
  script,
  launcher = [],
  waitFor = '/ready',
  timeoutMs = 60_000,
  pollMs = 50,
  output: outputMode = 'capture',
}: ServiceOptions = {}): Promise<RunningService> {
  const url = `http://127.0.0.1:${port}`
  // Another server on the port would answer for the service, and every result would be its.
  const taken = await fetch(`${url}/health`)
    .then(() => true)
    .catch(() => false)
  if (taken) throw new Error(`port ${port} is already in use`)
  const { command, env: imageEnv } = asImage
    ? await imageEntrypoint()
    : { command: [process.execPath, 'src/index.ts'], env: {} }
  if (script) command.splice(-1, 1, script)
  const started = performance.now()
  const child = Bun.spawn([...launcher, ...command], {
    cwd: repoRoot,
    env: {
      PATH: process.env.PATH,
      ...imageEnv,
      HOST: '127.0.0.1',
      PORT: String(port),
      LOG_LEVEL: 'warn',
      COUNT_MODE: 'every',
      ...env,
    },
    stdout: outputMode === 'capture' ? 'pipe' : 'inherit',
    stderr: outputMode === 'capture' ? 'pipe' : 'inherit',
  })
  let output = ''
  for (const stream of [child.stdout, child.stderr]) {
    if (!(stream instanceof ReadableStream)) continue
    void (async () => {
      for await (const chunk of stream) output += new TextDecoder().decode(chunk)
    })()
  }
  const stop = async (signal: NodeJS.Signals = 'SIGTERM') => {
    child.kill(signal)
    // A service that ignores the signal fails the run instead of hanging it.
    const timer = setTimeout(() => child.kill('SIGKILL'), 15_000)
    const code = await child.exited
    clearTimeout(timer)
    return code
  }
  try {
    const { readyMs, listenMs } = await waitUntilUp(
      `${url}${waitFor}`,
      () => child.exitCode,
      started,
      timeoutMs,
      pollMs,
    )
    return { url, pid: child.pid, output: () => output, readyMs, listenMs, stop }
  } catch (error) {
    await stop('SIGKILL')
    throw new Error(`service did not come up: ${(error as Error).message}${output ? `\n${output}` : ''}`)
  }
}

async function waitUntilUp(
  upUrl: string,
  exitCode: () => number | null,
  started: number,
  timeoutMs: number,
  pollMs: number,
) {
  let listenMs: number | undefined
  while (performance.now() - started < timeoutMs) {
    if (exitCode() !== null) throw new Error(`it exited with code ${exitCode()}`)
    const status = await fetch(upUrl).then(
      (response) => response.status,
      () => 0,
    )
    if (status !== 0) listenMs ??= performance.now() - started
    if (status === 200) return { readyMs: performance.now() - started, listenMs: listenMs! }
    await Bun.sleep(pollMs)
  }
  throw new Error(`${upUrl} did not answer 200 within ${timeoutMs} ms`)
}

// Read from the Dockerfile's final ENV and ENTRYPOINT, so what is measured is what runs in the pod;
// only the image's Bun is replaced by the one running this. The ENTRYPOINT runs the bundle the
// image's build stage makes with `bun run build`; it is made afresh here, so it is never stale.
async function imageEntrypoint(): Promise<{ command: string[]; env: Record<string, string> }> {
  const build = Bun.spawnSync([process.execPath, 'run', 'build'], { cwd: repoRoot, stdout: 'ignore', stderr: 'pipe' })
  if (build.exitCode !== 0) throw new Error(`bun run build failed:\n${build.stderr.toString()}`)
  const dockerfile = await Bun.file(`${repoRoot}Dockerfile`).text()
  const entrypoint = JSON.parse(dockerfile.match(/^ENTRYPOINT (\[.*\])$/m)![1]!) as string[]
  const env = Object.fromEntries(
    [...dockerfile.matchAll(/^ENV ((?:.*\\\n)*.*)$/gm)]
      .flatMap((match) => match[1]!.replaceAll('\\\n', ' ').trim().split(/\s+/))
      .map((pair) => pair.split('=') as [string, string]),
  )
  return { command: [process.execPath, ...entrypoint.slice(1)], env }
}
