import { existsSync } from 'node:fs'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { sql } from 'drizzle-orm'
import type { PgDatabase, PgQueryResultHKT } from 'drizzle-orm/pg-core'
import { drizzle } from 'drizzle-orm/postgres-js'
import { migrate } from 'drizzle-orm/postgres-js/migrator'
import postgres from 'postgres'
import type { Logger } from '../log.ts'
import { lockDataDir } from './data-dir-lock.ts'
import type { DatabaseSettings } from './diagnosis.ts'
import { embeddedSettings, initialiseDataDir } from './embedded-initdb.ts'
import { type GateLimits, gatedClient, type QueryLedger } from './pool-gate.ts'
import * as schema from './schema.ts'
import { type DatabaseTls, postgresSsl } from './tls.ts'

export type Database = PgDatabase<PgQueryResultHKT, typeof schema>

export interface DatabaseHandle {
  kind: 'postgres' | 'embedded'
  db: Database
  poolMax?: number
  /** Where a PostgreSQL server was configured, for error messages that name the setting to fix. */
  settings?: DatabaseSettings
  /** Connections this process holds open on the server. */
  openConnections?(): Promise<number>
  /** In-process facts about unanswered queries, to judge the database's health without asking it. */
  queries?: QueryLedger
  migrate(): Promise<void>
  /** One cheap query on the counts table; run after migrating. */
  ping(): Promise<void>
  close(): Promise<void>
}

// The image's bundle (dist/server/, `bun run build`) sits two folders below the root as this module
// does, so the same relative path finds the migrations from either.
export const migrationsFolder = fileURLToPath(new URL('../../drizzle', import.meta.url))

// Any fixed number works; it only has to be the same for every replica of this service.
const MIGRATION_LOCK = 0x76696577

export interface PostgresOptions extends Partial<Omit<GateLimits, 'poolMax'>> {
  url: string
  poolMax: number
  connectTimeoutMs: number
  /** The server cancels any statement of the pool running longer; 0, the default, for none. Migrations run without it. */
  statementTimeoutMs?: number
  tls?: DatabaseTls
  /** Which variables named the server: DATABASE_URL, or the DB_* parts it was built from. */
  source?: DatabaseSettings['source']
}

export function openPostgres({
  url,
  poolMax,
  connectTimeoutMs,
  tls = { mode: 'disable' },
  statementTimeoutMs = 0,
  queueMax = 1000,
  acquireTimeoutMs = 10_000,
  source = 'DATABASE_URL',
}: PostgresOptions): DatabaseHandle {
  // A name unique to this process, so pg_stat_activity can tell its connections from other replicas'.
  const applicationName = `view-counter/${process.pid}/${Math.random().toString(36).slice(2, 8)}`
  // fetch_types off: no query here uses a custom array type, and it saves a round trip per new connection.
  const common = {
    connect_timeout: connectTimeoutMs / 1000,
    onnotice: () => {},
    fetch_types: false,
    ssl: postgresSsl(tls, url),
    connection: { application_name: applicationName },
  }
  // postgres.js connects lazily, so opening never fails or waits: the service can start before its database.
  const client = postgres(url, {
    ...common,
    connection: { ...common.connection, statement_timeout: statementTimeoutMs },
    max: poolMax,
    idle_timeout: 60,
    max_lifetime: 30 * 60,
  })
  const gated = gatedClient(client, { poolMax, queueMax, acquireTimeoutMs })
  const db = drizzle(gated.client, { schema })
  return {
    kind: 'postgres',
    db,
    poolMax,
    settings: { source, ssl: tls.mode },
    queries: gated.ledger,
    async openConnections() {
      const [row] =
        await client`select count(*)::int as n from pg_stat_activity where application_name = ${applicationName}`
      return row!.n as number
    },
    async migrate() {
      // Most starts find nothing to do: one query on the pool says so, and warms it on the way.
      if (await latestMigrationApplied(db)) return
      // Its own single connection, because an advisory lock belongs to the session that took it.
      const lockHolder = postgres(url, { ...common, max: 1 })
      try {
        await lockHolder`select pg_advisory_lock(${MIGRATION_LOCK})`
        await migrate(drizzle(lockHolder), { migrationsFolder })
      } finally {
        await lockHolder.end({ timeout: 1 })
      }
    },
    ping: () => probeCounts(db),
    async close() {
      await client.end({ timeout: 5 })
    },
  }
}

// Reads the table every view writes, so a lock held on it fails the probe as it would stall a view.
async function probeCounts(db: Database) {
  await db.execute(sql`select 1 from views limit 1`)
}

const latestMigration: Promise<number> = Bun.file(`${migrationsFolder}/meta/_journal.json`)
  .json()
  .then((journal: { entries: { when: number }[] }) => Math.max(...journal.entries.map((entry) => entry.when)))

// Drizzle records each applied migration with its journal timestamp; the newest one being there
// means every migration is. A database without the table yet simply is not up to date.
async function latestMigrationApplied(db: Database): Promise<boolean> {
  const result = await db
    .execute(sql`select max(created_at)::text as latest from drizzle.__drizzle_migrations`)
    .catch(() => undefined)
  const rows = (Array.isArray(result) ? result : []) as { latest: string | null }[]
  return rows[0]?.latest === String(await latestMigration)
}

// PGlite is imported only here, so a service given a real PostgreSQL never loads the WASM build.
export async function openEmbedded(dataDir: string | undefined, log?: Logger): Promise<DatabaseHandle> {
  // Taken before PGlite reads a byte: a second process on the same files corrupts them.
  const lock = dataDir === undefined ? undefined : lockDataDir(dataDir)
  // PGlite runs initdb when PGDATA has no PG_VERSION (electric-sql/pglite, packages/pglite/src/pglite.ts):
  // seconds of silence on a first start, so it is announced.
  const creating = dataDir !== undefined && !existsSync(join(dataDir, 'PG_VERSION'))
  const started = performance.now()
  if (creating) log?.info(`creating the embedded database in ${dataDir} (first start, takes a few seconds)`)
  try {
    if (dataDir !== undefined) await initialiseDataDir(dataDir)
    const { PGlite } = await import('@electric-sql/pglite')
    const { drizzle: drizzlePglite } = await import('drizzle-orm/pglite')
    const { migrate: migratePglite } = await import('drizzle-orm/pglite/migrator')
    const client = await PGlite.create(dataDir, {
      startParams: [...PGlite.defaultStartParams, ...embeddedSettings],
      initDbStartParams: embeddedSettings,
    })
    if (creating)
      log?.info(`created the embedded database in ${dataDir}`, { ms: Math.round(performance.now() - started) })
    const db = drizzlePglite(client, { schema })
    return {
      kind: 'embedded',
      db,
      migrate: () => migratePglite(db, { migrationsFolder }),
      ping: () => probeCounts(db),
      async close() {
        await client.close()
        lock?.release()
      },
    }
  } catch (error) {
    lock?.release()
    throw error
  }
}

/** The bounds the service puts on waiting for PostgreSQL; the commands run without them. */
export type ServiceLimits = Pick<PostgresOptions, 'statementTimeoutMs' | 'acquireTimeoutMs' | 'queueMax'>

/** The database the settings name: PostgreSQL when one is configured, else the embedded one. */
export async function openConfiguredDatabase(
  env: {
    DATABASE_URL?: string
    DATABASE_SOURCE?: DatabaseSettings['source']
    DATABASE_SSL: DatabaseTls['mode']
    DATABASE_CA_FILE?: string
    DB_POOL_MAX: number
    DB_CONNECT_TIMEOUT_MS: number
    DATA_DIR: string
  },
  poolMax = env.DB_POOL_MAX,
  { log, ...limits }: ServiceLimits & { log?: Logger } = {},
): Promise<DatabaseHandle> {
  const tls = { mode: env.DATABASE_SSL, caFile: env.DATABASE_CA_FILE }
  return env.DATABASE_URL
    ? openPostgres({
        url: env.DATABASE_URL,
        poolMax,
        connectTimeoutMs: env.DB_CONNECT_TIMEOUT_MS,
        tls,
        source: env.DATABASE_SOURCE,
        ...limits,
      })
    : openEmbedded(env.DATA_DIR, log)
}
