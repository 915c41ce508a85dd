import { createApp } from '../../src/app.ts'
import type { DatabaseHandle } from '../../src/db/client.ts'
import { createLogger } from '../../src/log.ts'

export const quietLog = createLogger('silent')

/** The real app on a real database, ready as if its migrations had just run. */
export function appOn(database: DatabaseHandle, corsOrigins = ['https://uclab.dev', 'http://localhost:1313']) {
  return createApp({ database, readiness: { isReady: () => true, stop() {} }, log: quietLog, corsOrigins })
}
