import { migrationsFolder } from '../../src/db/client.ts'

/** How many migrations drizzle/ holds: what a database has applied once it is up to date. */
export const migrationCount = (await Bun.file(`${migrationsFolder}/meta/_journal.json`).json()).entries.length as number

/** `bun run db:migrate` in a process of its own, with PATH and `env` for its whole environment. */
export function migrate(env: Record<string, string>) {
  const run = Bun.spawnSync(['bun', 'run', '--silent', 'db:migrate'], {
    cwd: new URL('../..', import.meta.url).pathname,
    env: { PATH: process.env.PATH, ...env },
  })
  return { code: run.exitCode, stdout: run.stdout.toString(), stderr: run.stderr.toString() }
}
