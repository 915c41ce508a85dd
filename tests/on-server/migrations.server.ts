import './require-server.ts'
import { afterEach, describe, expect, test } from 'bun:test'
import { sql } from 'drizzle-orm'
import { openPostgres } from '../../src/db/client.ts'
import { rowsOf } from '../../src/db/rows.ts'
import { freshDatabase, type TestDatabase } from '../support/database.ts'
import { migrationCount } from '../support/migrations.ts'

// Replicas racing to migrate one server database, and `bun run db:migrate` before the service's own migration.
let database: TestDatabase
afterEach(() => database.drop())

describe('migrations on a PostgreSQL server', () => {
  test('two replicas migrating at once both succeed and apply each migration once', async () => {
    database = await freshDatabase()
    const replicas = [1, 2, 3].map(() => openPostgres({ url: database.url!, poolMax: 1, connectTimeoutMs: 1000 }))
    await Promise.all(replicas.map((replica) => replica.migrate()))
    await Promise.all(replicas.map((replica) => replica.close()))
    const applied = rowsOf(
      await database.handle.db.execute(sql`select count(*)::int as n from drizzle.__drizzle_migrations`),
    )
    expect(applied).toEqual([{ n: migrationCount }])
  })

  test('bun run db:migrate migrates, and the service then finds nothing to do', async () => {
    database = await freshDatabase()
    const run = Bun.spawn(['bun', 'run', 'db:migrate'], {
      env: { ...process.env, DATABASE_URL: database.url },
      stdout: 'pipe',
      stderr: 'pipe',
    })
    expect(await run.exited).toBe(0)
    await database.handle.migrate()
    const applied = rowsOf(
      await database.handle.db.execute(sql`select count(*)::int as n from drizzle.__drizzle_migrations`),
    )
    expect(applied).toEqual([{ n: migrationCount }])
    // A process of its own, which takes seconds on a busy machine.
  }, 30_000)
})
