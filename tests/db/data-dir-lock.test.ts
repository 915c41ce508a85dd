import { afterAll, describe, expect, test } from 'bun:test'
import { mkdtempSync, readdirSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { freePort } from '../../harness/free-port.ts'
import { startService } from '../../harness/service.ts'
import { DataDirInUse, lockDataDir } from '../../src/db/data-dir-lock.ts'

// These run the embedded database whichever backend the suite is on: the lock exists only for it.
const scratch = mkdtempSync(join(tmpdir(), 'vc-lock-'))
afterAll(() => rmSync(scratch, { recursive: true, force: true }))
const fixture = join(import.meta.dir, '..', 'fixtures', 'goatcounter-export.csv')

async function countOf(url: string, slug: string): Promise<number> {
  return (await (await fetch(`${url}/views/${slug}`)).json()).count
}

async function postViews(url: string, slug: string, times: number) {
  for (let i = 0; i < times; i++) expect((await fetch(`${url}/views/${slug}`, { method: 'POST' })).status).toBe(200)
}

/** A process that should refuse at once: its exit code and what it printed. */
async function runToExit(command: string[], env: Record<string, string>) {
  const child = Bun.spawn(command, {
    env: { PATH: process.env.PATH, LOG_LEVEL: 'warn', ...env },
    stdout: 'pipe',
    stderr: 'pipe',
  })
  const [exitCode, stdout, stderr] = await Promise.all([
    child.exited,
    new Response(child.stdout).text(),
    new Response(child.stderr).text(),
  ])
  return { exitCode, stdout, stderr }
}

describe('one process per embedded DATA_DIR', () => {
  test('a directory locked by this process cannot be locked again until released', () => {
    const dataDir = join(scratch, 'in-process')
    const lock = lockDataDir(dataDir)
    expect(() => lockDataDir(dataDir)).toThrow(DataDirInUse)
    lock.release()
    lockDataDir(dataDir).release()
    // The lock is on the directory itself: nothing is added to PostgreSQL's data directory.
    expect(readdirSync(dataDir)).toEqual([])
  })

  test('a second service and the commands refuse while a service runs, and leave its data intact', async () => {
    const dataDir = join(scratch, 'shared')
    const env = { DATA_DIR: dataDir }
    const first = await startService({ env })
    try {
      await postViews(first.url, 'posts/kept/', 3)

      const port = freePort()
      const second = await runToExit(['bun', 'src/index.ts'], { ...env, HOST: '127.0.0.1', PORT: String(port) })
      expect(second.exitCode).toBe(1)
      expect(second.stdout).toBe('')
      expect(second.stderr.trim().split('\n')).toHaveLength(1)
      expect(second.stderr).toContain('stop the service first')
      expect(
        await fetch(`http://127.0.0.1:${port}/health`).then(
          () => 'answered',
          () => 'refused',
        ),
      ).toBe('refused')

      for (const command of [['import', fixture], ['export'], ['slugs:merge']]) {
        const refused = await runToExit(['bun', 'run', '--silent', ...command], env)
        expect({ command, exitCode: refused.exitCode }).toEqual({ command, exitCode: 1 })
        expect(refused.stdout).toBe('')
        expect(refused.stderr).toContain(`${dataDir} is in use by another view-counter process`)
      }
      expect(await countOf(first.url, 'posts/kept/')).toBe(3)
    } finally {
      expect(await first.stop()).toBe(0)
    }

    const restarted = await startService({ env })
    try {
      expect(await countOf(restarted.url, 'posts/kept/')).toBe(3)
      // The refused import left nothing behind.
      expect(await countOf(restarted.url, 'posts/hello-world/')).toBe(0)
    } finally {
      await restarted.stop()
    }
    // Once the service has stopped, the same import runs.
    const imported = await runToExit(['bun', 'run', '--silent', 'import', fixture], env)
    expect(imported.stdout).toContain('imported in one transaction')
    expect(imported.exitCode).toBe(0)
  }, 180_000)

  test('a SIGKILLed service leaves no lock behind: the next one starts and has its views', async () => {
    const env = { DATA_DIR: join(scratch, 'killed') }
    const killed = await startService({ env })
    await postViews(killed.url, 'posts/survives/', 2)
    await killed.stop('SIGKILL')

    const next = await startService({ env })
    try {
      expect(await countOf(next.url, 'posts/survives/')).toBe(2)
    } finally {
      expect(await next.stop()).toBe(0)
    }
  }, 120_000)
})
