import { openEmbedded, openPostgres, type DatabaseHandle } from '../db/client.ts'
import type { Env } from '../env.ts'

/** The database the service would use, for a one-off command: one connection is all it needs. */
export async function openConfiguredDatabase(env: Env): Promise<DatabaseHandle> {
  return env.DATABASE_URL
    ? openPostgres({ url: env.DATABASE_URL, poolMax: 1, connectTimeoutMs: env.DB_CONNECT_TIMEOUT_MS })
    : openEmbedded(env.DATA_DIR)
}
