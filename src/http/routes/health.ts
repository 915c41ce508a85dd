import { Hono } from 'hono'
import { HTTPException } from 'hono/http-exception'
import type { Readiness } from '../../db/readiness.ts'

export function createHealthRoute(readiness: Pick<Readiness, 'state'>) {
  return (
    new Hono()
      // Liveness deliberately never touches the database: a database outage must not restart every pod.
      .get('/health', (c) => c.json({ status: 'ok' }))
      // Readiness is answered from what the process already knows, never by a query: a probe that
      // waited for a stalled pool would leave Kubernetes blind exactly when the database is slow.
      .get('/ready', (c) => {
        const state = readiness.state()
        if (state === 'migrating') throw new HTTPException(503, { message: 'database not migrated yet' })
        if (state === 'unavailable') throw new HTTPException(503, { message: 'database unavailable' })
        return c.json({ status: 'ready' })
      })
  )
}
