// What the service says when it starts: real processes, a real held port and a real new DATA_DIR.
import { afterAll, describe, expect, test } from 'bun:test'
import { existsSync, mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { startService } from '../harness/service.ts'

const scratch = mkdtempSync(join(tmpdir(), 'vc-startup-'))
afterAll(() => rmSync(scratch, { recursive: true, force: true }))

describe('a port already in use', () => {
  test('ends the process with one line naming PORT, before the data directory is created', async () => {
    const held = Bun.listen({ hostname: '127.0.0.1', port: 0, socket: { data() {} } })
    const dataDir = join(scratch, 'never-created')
    try {
      const child = Bun.spawn([process.execPath, 'src/index.ts'], {
        cwd: new URL('..', import.meta.url).pathname,
        env: { PATH: process.env.PATH, HOST: '127.0.0.1', PORT: String(held.port), DATA_DIR: dataDir },
        stdout: 'pipe',
        stderr: 'pipe',
      })
      const [code, stdout, stderr] = await Promise.all([
        child.exited,
        new Response(child.stdout).text(),
        new Response(child.stderr).text(),
      ])
      expect(code).toBe(1)
      expect(stdout).toBe('')
      expect(stderr).toBe(
        `port ${held.port} on 127.0.0.1 is in use by another process: stop it, or set PORT to a free port\n`,
      )
      expect(existsSync(dataDir)).toBe(false)
    } finally {
      held.stop(true)
    }
  })
})

describe('the first start on the embedded database', () => {
  test('says it is creating the database, then that it did and how long it took; a restart says neither', async () => {
    const dataDir = join(scratch, 'data')
    const env = { DATA_DIR: dataDir, LOG_LEVEL: 'info' }
    const first = await startService({ env })
    await first.stop()
    const lines = first
      .output()
      .split('\n')
      .filter((line) => line.startsWith('{'))
      .map((line) => JSON.parse(line) as { msg: string; ms?: number })
    const creating = lines.findIndex(
      (line) => line.msg === `creating the embedded database in ${dataDir} (first start, takes a few seconds)`,
    )
    const created = lines.findIndex((line) => line.msg === `created the embedded database in ${dataDir}`)
    expect(creating).toBeGreaterThanOrEqual(0)
    expect(created).toBeGreaterThan(creating)
    expect(lines[created]!.ms).toBeNumber()

    const again = await startService({ env })
    await again.stop()
    expect(again.output()).not.toContain('embedded database in')
  }, 120_000)
})
