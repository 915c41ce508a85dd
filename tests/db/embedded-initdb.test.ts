import { afterAll, describe, expect, test } from 'bun:test'
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { startService } from '../../harness/service.ts'

// These run the embedded database whichever backend the suite is on: DATA_DIR exists only for it.
const scratch = mkdtempSync(join(tmpdir(), 'vc-initdb-'))
afterAll(() => rmSync(scratch, { recursive: true, force: true }))

const peakMiB = (pid: number) => Number(/VmHWM:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))![1]) / 1024

describe('a new embedded DATA_DIR', () => {
  test('is created by a process that exits: the service starts, migrates and counts without ever holding initdb', async () => {
    const dataDir = join(scratch, 'new')
    const env = { DATA_DIR: dataDir, COUNT_MODE: 'every' }
    const first = await startService({ env, timeoutMs: 60_000 })
    try {
      for (let i = 0; i < 2; i++)
        expect((await fetch(`${first.url}/views/posts/new/`, { method: 'POST' })).status).toBe(200)
      // PGlite's in-process initdb took the service to ~870 MiB; opening existing files takes ~170.
      expect(peakMiB(first.pid)).toBeLessThan(450)
    } finally {
      expect(await first.stop()).toBe(0)
    }
    expect(existsSync(join(dataDir, 'PG_VERSION'))).toBe(true)
    expect(readFileSync(join(dataDir, 'postgresql.conf'), 'utf8')).toMatch(/^shared_buffers = 8MB/m)

    const again = await startService({ env, timeoutMs: 60_000 })
    try {
      expect(await (await fetch(`${again.url}/views/posts/new/`)).json()).toEqual({ slug: 'posts/new/', count: 2 })
    } finally {
      await again.stop()
    }
  }, 120_000)
})
