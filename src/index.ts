import { createApp } from './app.ts'
import { openEmbedded, openPostgres } from './db/client.ts'
import { keepMigrating } from './db/readiness.ts'
import { loadEnv } from './env.ts'
import { createLogger } from './log.ts'

const env = loadEnv()
const log = createLogger(env.LOG_LEVEL)

const database = env.DATABASE_URL
  ? openPostgres({ url: env.DATABASE_URL, poolMax: env.DB_POOL_MAX, connectTimeoutMs: env.DB_CONNECT_TIMEOUT_MS })
  : await openEmbedded(env.DATA_DIR)
const readiness = keepMigrating(database, log)
const app = createApp({ database, readiness, log, corsOrigins: env.CORS_ORIGINS })

const server = Bun.serve({ hostname: env.HOST, port: env.PORT, fetch: app.fetch, maxRequestBodySize: 16 * 1024 })
log.info('listening', { url: server.url.href, database: database.kind, dataDir: database.kind === 'embedded' ? env.DATA_DIR : undefined })

let stopping = false
async function shutdown(signal: string) {
  if (stopping) return
  stopping = true
  log.info('shutting down', { signal })
  setTimeout(() => {
    log.error('shutdown timed out', { timeoutMs: env.SHUTDOWN_TIMEOUT_MS })
    process.exit(1)
  }, env.SHUTDOWN_TIMEOUT_MS).unref()
  readiness.stop()
  // Resolves once every in-flight request has been answered; only then may the pool close.
  await server.stop()
  await database.close()
  log.info('stopped')
  process.exit(0)
}
process.on('SIGTERM', () => void shutdown('SIGTERM'))
process.on('SIGINT', () => void shutdown('SIGINT'))
