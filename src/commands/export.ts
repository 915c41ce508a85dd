// bun run export [--csv [--daily]]: every count, the daily history and (JSON) the daily breakdowns,
// to stdout (docs/transfer.md).
import { parseArgs } from 'node:util'
import { openConfiguredDatabase } from '../db/client.ts'
import { exitIfDataDirInUse } from '../db/data-dir-lock.ts'
import { loadEnv } from '../env.ts'
import { exportData } from '../transfer/export.ts'

const { values: flags } = parseArgs({ options: { csv: { type: 'boolean' }, daily: { type: 'boolean' } } })
if (flags.daily && !flags.csv) {
  console.error('--daily goes with --csv: the JSON export always has the daily history and breakdowns')
  process.exit(2)
}
const env = loadEnv()
const database = await openConfiguredDatabase(env, 1).catch(exitIfDataDirInUse)
try {
  await database.migrate()
  // Waiting for each chunk to drain keeps memory flat however large the export, even into a slow pipe.
  const write = (chunk: string) =>
    new Promise<void>((resolve, reject) => process.stdout.write(chunk, (error) => (error ? reject(error) : resolve())))
  const kind = flags.csv ? (flags.daily ? 'daily-csv' : 'views-csv') : 'json'
  const written = await exportData(database.db, { kind, write, timeZone: env.TIME_ZONE })
  console.error(
    `exported ${written.views} slug(s), ${written.daily} daily row(s) and ${written.breakdowns} breakdown row(s)`,
  )
} finally {
  await database.close()
}
