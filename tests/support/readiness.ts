import { openPostgres, type PostgresOptions } from '../../src/db/client.ts'
import { keepMigrating } from '../../src/db/readiness.ts'
import { createHealthRoute } from '../../src/http/routes/health.ts'
import { createLogger } from '../../src/log.ts'

interface Logged {
  level: string
  msg: string
  fix?: string
}

/** Starts a service's readiness on `options`, lets it fail once, and returns what it logged and /ready said. */
export async function firstAttempt(options: Omit<PostgresOptions, 'poolMax' | 'connectTimeoutMs'>) {
  const handle = openPostgres({ poolMax: 1, connectTimeoutMs: 3000, ...options })
  const lines: Logged[] = []
  const readiness = keepMigrating(
    handle,
    createLogger('info', (line) => void lines.push(JSON.parse(line))),
    { min: 60_000, max: 60_000 },
  )
  try {
    const deadline = performance.now() + 10_000
    while (lines.length === 0 && performance.now() < deadline) await Bun.sleep(20)
    const ready = await createHealthRoute(readiness).request('/ready')
    return { logged: lines, status: ready.status, body: (await ready.json()) as { error: string; state: string } }
  } finally {
    await readiness.stop()
    await handle.close()
  }
}
