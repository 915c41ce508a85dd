import type { Subprocess } from 'bun'

const REPO_ROOT = new URL('../..', import.meta.url).pathname

export function freePort() {
  const probe = Bun.serve({ hostname: '127.0.0.1', port: 0, fetch: () => new Response() })
  const port = probe.port
  probe.stop(true)
  if (port === undefined) throw new Error('no free port')
  return port
}

export interface ApiOptions {
  databaseUrl: string
  port: number
  corsOrigins: string[]
  /** More of the service's settings, overriding the defaults below. */
  env?: Record<string, string>
}

// The real service, started the way the container starts it; COUNT_MODE=every so each POST counts,
// unless env says otherwise.
export async function startApi({ databaseUrl, port, corsOrigins, env = {} }: ApiOptions) {
  const child: Subprocess = Bun.spawn(['bun', 'src/index.ts'], {
    cwd: REPO_ROOT,
    env: {
      ...process.env,
      DATABASE_URL: databaseUrl,
      HOST: '127.0.0.1',
      PORT: String(port),
      CORS_ORIGINS: corsOrigins.join(','),
      LOG_LEVEL: 'warn',
      COUNT_MODE: 'every',
      ...env,
    },
    stdout: 'inherit',
    stderr: 'inherit',
  })
  const url = `http://127.0.0.1:${port}`
  await waitUntilReady(`${url}/ready`, child)
  return {
    url,
    async stop() {
      child.kill('SIGTERM')
      await child.exited
    },
  }
}

async function waitUntilReady(readyUrl: string, child: Subprocess, timeoutMs = 30_000) {
  const deadline = Date.now() + timeoutMs
  while (Date.now() < deadline) {
    if (child.exitCode !== null) throw new Error(`the API exited with code ${child.exitCode} before it was ready`)
    const ready = await fetch(readyUrl).then((response) => response.ok, () => false)
    if (ready) return
    await Bun.sleep(200)
  }
  child.kill()
  throw new Error(`the API was not ready at ${readyUrl} within ${timeoutMs} ms`)
}

// Stands in for an API that accepts connections and never answers, to prove the script gives up by itself.
export function startSilentApi(port: number) {
  const server = Bun.serve({ hostname: '127.0.0.1', port, idleTimeout: 0, fetch: () => new Promise<Response>(() => {}) })
  return { stop: () => server.stop(true) }
}
