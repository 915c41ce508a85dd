import { existsSync } from 'node:fs'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'

// initdb writes PostgreSQL's default 128 MB of shared buffers into postgresql.conf, and PGlite's
// memory is resident once touched: 8 MB brings an idle service from ~270 to ~150 MiB (docs/performance.md),
// and a counter's working set (the pages being counted today) fits in it many times over. Given to
// initdb as well, so a new DATA_DIR's postgresql.conf says what actually runs. PGlite passes
// startParams to its single-user postgres and initDbStartParams to initdb
// (electric-sql/pglite, packages/pglite/src/pglite.ts, PGlite.defaultStartParams).
export const embeddedSettings = ['-c', 'shared_buffers=8MB']

// This file, found from the repository root as the migrations folder is, so that the service run
// from its bundle (dist/server/) starts this script and not the bundle again.
const initdbScript = fileURLToPath(new URL('../../src/db/embedded-initdb.ts', import.meta.url))

/**
 * Creates the database files of a new DATA_DIR in a process of its own, which exits when done.
 * PGlite runs initdb in a second PGlite instance beside the first and keeps the memory both grew
 * (electric-sql/pglite, packages/pglite/src/pglite.ts, "no db in filesystem, running initdb"):
 * ~870 MiB at its peak and ~30 MiB more for good in the process that did it. Done here, the
 * service then opens existing files, as on any restart. The caller holds DATA_DIR's lock; this
 * process works under it and takes none (the lock is on the directory, and is not inherited).
 */
export async function initialiseDataDir(dataDir: string): Promise<void> {
  if (existsSync(join(dataDir, 'PG_VERSION'))) return
  const child = Bun.spawn([process.execPath, initdbScript, dataDir], {
    stdout: 'ignore',
    stderr: 'pipe',
  })
  const [exitCode, stderr] = await Promise.all([child.exited, new Response(child.stderr).text()])
  if (exitCode !== 0) throw new Error(`could not create the embedded database in ${dataDir}: ${stderr.trim()}`)
}

if (import.meta.main) {
  const { PGlite } = await import('@electric-sql/pglite')
  const database = await PGlite.create(process.argv[2]!, {
    startParams: [...PGlite.defaultStartParams, ...embeddedSettings],
    initDbStartParams: embeddedSettings,
  })
  await database.close()
}
