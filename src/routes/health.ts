import { Hono } from 'hono'
import { HTTPException } from 'hono/http-exception'
import type { AppEnv } from '../app.ts'

export const health = new Hono<AppEnv>()
  // Liveness deliberately never touches the database: a database outage must not restart every pod.
  .get('/health', (c) => c.json({ status: 'ok' }))
  .get('/ready', async (c) => {
    const { database, readiness } = c.var.deps
    if (!readiness.isReady()) throw new HTTPException(503, { message: 'database not migrated yet' })
    await database.ping()
    return c.json({ status: 'ready' })
  })
