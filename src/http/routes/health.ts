import { Hono } from 'hono'
import type { Readiness, ReadinessState } from '../../db/readiness.ts'

const notReady: Record<Exclude<ReadinessState, 'ready'>, string> = {
  migrating: 'database not migrated yet',
  unreachable: 'database unreachable',
  misconfigured: 'database misconfigured',
  unavailable: 'database unhealthy',
}

export function createHealthRoute(readiness: Pick<Readiness, 'state' | 'problem'>) {
  return (
    new Hono()
      // Liveness deliberately never touches the database: a database outage must not restart every pod.
      .get('/health', (c) => c.json({ status: 'ok' }))
      // Readiness is answered from what the process already knows, never by a query: a probe that
      // waited for a stalled pool would leave Kubernetes blind exactly when the database is slow.
      // Its 503 says which state it is in, and for a problem found while connecting, what to change.
      .get('/ready', (c) => {
        const state = readiness.state()
        if (state === 'ready') return c.json({ status: 'ready' })
        const problem = readiness.problem?.()
        const error = problem ? `${notReady[state]}: ${problem.summary}; ${problem.fix}` : notReady[state]
        return c.json({ error, state }, 503)
      })
  )
}
