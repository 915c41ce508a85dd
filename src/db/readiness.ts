import type { Logger } from '../log.ts'
import type { DatabaseHandle } from './client.ts'
import { isDatabaseUnavailable } from './errors.ts'

export interface Readiness {
  isReady(): boolean
  /** Stops retrying; resolves once an attempt under way has finished, so the pool may close. */
  stop(): Promise<void>
}

// Migrates in the background until it succeeds, so the service starts (and /health answers)
// without its database and becomes ready by itself once the database is reachable.
export function keepMigrating(database: DatabaseHandle, log: Logger, retryMs = { min: 250, max: 5000 }): Readiness {
  let ready = false
  let stopped = false
  let timer: ReturnType<typeof setTimeout> | undefined
  let delay = retryMs.min
  let inFlight: Promise<void> = Promise.resolve()

  const attempt = async () => {
    try {
      const started = performance.now()
      await database.migrate()
      ready = true
      log.info('database ready', { kind: database.kind, migrateMs: Math.round(performance.now() - started) })
    } catch (error) {
      if (stopped) return
      // An outage heals by itself; a migration that fails on a reachable database needs a person.
      if (isDatabaseUnavailable(error)) log.warn('database unavailable, retrying', { error: String(error), retryMs: delay })
      else log.error('migration failed, retrying', { error: String(error), cause: String((error as Error).cause ?? ''), retryMs: delay })
      timer = setTimeout(() => (inFlight = attempt()), delay)
      delay = Math.min(delay * 2, retryMs.max)
    }
  }
  inFlight = attempt()

  return {
    isReady: () => ready,
    stop() {
      stopped = true
      clearTimeout(timer)
      return inFlight
    },
  }
}
