import { describe, expect, test } from 'bun:test'
import { readCount } from '../src/db/counts.ts'
import { appOn } from './support/app.ts'
import { useMigratedDatabase } from './support/database.ts'

// Views that stall behind another session's lock or a cut-off server need a PostgreSQL server:
// tests/on-server/stall.server.ts.
const database = useMigratedDatabase()

describe('a request whose client has gone', () => {
  test('a POST already aborted counts nothing', async () => {
    const app = appOn(database.handle)
    const gone = new AbortController()
    gone.abort()
    const response = await app.request(
      new Request('http://localhost/views/left/', { method: 'POST', signal: gone.signal }),
    )
    expect(response.status).toBe(503)
    expect(await readCount(database.handle.db, 'left/')).toBe(0)
  })
})
