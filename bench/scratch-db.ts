import postgres from 'postgres'
import { createScratchDatabase, type ScratchDatabase } from '../harness/scratch-database.ts'

export interface BenchDatabase extends ScratchDatabase {
  /** Rows for the read scenarios, written directly so the service's counters stay untouched. */
  seed(slugs: string[]): Promise<void>
  /** Clears dead row versions, so each write scenario starts on the same table and not on the last one's bloat. */
  vacuum(): Promise<void>
  /** Connections held on the scratch database now by anyone but this program and pgbench: the service's. */
  connections(): Promise<number>
  /** Committed transactions on the scratch database so far, as the statistics system has them. */
  commits(): Promise<number>
  /** Connections a new client may still open without taking the superuser's reserved slots. */
  freeSlots(): Promise<number>
}

// Our own and pgbench's connections carry these names, so the pool check counts only the service's.
const ours = 'vc-bench'
const open = (url: string) => postgres(url, { max: 1, onnotice: () => {}, connection: { application_name: ours } })

// Dropped and created anew each run, so every run starts from the same empty, unmigrated state.
export async function recreateDatabase(adminUrl: string, name: string): Promise<BenchDatabase> {
  const database = await createScratchDatabase(adminUrl, name)
  const { admin, url } = database
  return {
    ...database,
    async seed(slugs) {
      const scratch = open(url)
      await scratch`insert into views ${scratch(slugs.map((slug, i) => ({ slug, count: slugs.length - i })))}`
      await scratch.end()
    },
    async vacuum() {
      const scratch = open(url)
      await scratch`vacuum analyze views, daily_views`
      await scratch.end()
    },
    async connections() {
      const [row] = await admin`
        select count(*)::int as n from pg_stat_activity
        where datname = ${name} and application_name not in (${ours}, 'pgbench')`
      return row!.n as number
    },
    async commits() {
      const [row] = await admin`select xact_commit::bigint as n from pg_stat_database where datname = ${name}`
      return Number(row!.n)
    },
    async freeSlots() {
      const [row] = await admin`
        select current_setting('max_connections')::int - current_setting('superuser_reserved_connections')::int
               - (select count(*)::int from pg_stat_activity where backend_type = 'client backend') as n`
      return row!.n as number
    },
  }
}
