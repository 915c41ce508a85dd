import { afterAll, beforeAll } from 'bun:test'
import { sql } from 'drizzle-orm'
import { createScratchDatabase, type ScratchDatabase, uniqueName } from '../../harness/scratch-database.ts'
import { type DatabaseHandle, openEmbedded, openPostgres } from '../../src/db/client.ts'

// Tests use a real PostgreSQL server when one is named, and the embedded database otherwise.
export const serverUrl = process.env.TEST_DATABASE_URL ?? process.env.DATABASE_URL
export const backend = serverUrl ? 'postgres' : 'embedded'

export interface TestDatabase {
  handle: DatabaseHandle
  /** Set when the backend is a server: a URL other processes can connect to. */
  url?: string
  drop(): Promise<void>
}

// A database nobody else uses, so each test file starts from nothing.
export function createServerDatabase(adminUrl = requireServer()): Promise<ScratchDatabase> {
  return createScratchDatabase(adminUrl, uniqueName('vc_test'))
}

export function requireServer(): string {
  if (!serverUrl) throw new Error('this test needs TEST_DATABASE_URL or DATABASE_URL')
  return serverUrl
}

let embedded: Promise<DatabaseHandle> | undefined

/** A fresh, unmigrated database on the configured backend. */
export async function freshDatabase(): Promise<TestDatabase> {
  if (!serverUrl) {
    // Starting PGlite costs seconds, so test files share one in-memory instance and empty it instead.
    embedded ??= openEmbedded(undefined)
    const handle = await embedded
    for (const statement of [
      'drop schema if exists drizzle cascade',
      'drop schema public cascade',
      'create schema public',
    ]) {
      await handle.db.execute(sql.raw(statement))
    }
    return { handle, drop: async () => {} }
  }
  const created = await createServerDatabase(serverUrl)
  const handle = openPostgres({ url: created.url, poolMax: 20, connectTimeoutMs: 1000 })
  return {
    handle,
    url: created.url,
    async drop() {
      await handle.close()
      await created.drop()
    },
  }
}

/** A fresh database with every migration applied. */
export async function migratedDatabase(): Promise<TestDatabase> {
  const database = await freshDatabase()
  await database.handle.migrate()
  return database
}

/** This test file's own migrated database: created before its tests run, dropped after. */
export function useMigratedDatabase(): Omit<TestDatabase, 'drop'> {
  let current: TestDatabase | undefined
  // Starting the embedded database can take seconds on a busy machine.
  beforeAll(async () => {
    current = await migratedDatabase()
  }, 30_000)
  afterAll(() => current?.drop())
  return {
    get handle() {
      return current!.handle
    },
    get url() {
      return current!.url
    },
  }
}
