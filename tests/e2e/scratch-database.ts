import postgres from 'postgres'
import { createScratchDatabase, uniqueName } from '../../harness/scratch-database.ts'

// The e2e owns a throwaway database next to `test`, so it never touches data it did not make.
const ADMIN_URL = process.env.E2E_ADMIN_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test'

/** A scratch database for one e2e run, with a connection (`sql`) to seed and read it directly. */
export async function createE2eDatabase() {
  const database = await createScratchDatabase(ADMIN_URL, uniqueName('vc_e2e'))
  const sql = postgres(database.url, { max: 1, onnotice: () => {} })
  return {
    name: database.name,
    url: database.url,
    sql,
    async drop() {
      await sql.end()
      await database.drop()
    },
  }
}
