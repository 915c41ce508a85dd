import { afterAll, beforeAll, describe, expect, test } from 'bun:test'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { type RunningService, startService } from '../harness/service.ts'
import { backend, createServerDatabase } from './support/database.ts'

// The README's curl examples, run as written against a fresh service: the front door stays true.
const readme = await Bun.file(new URL('../README.md', import.meta.url)).text()
const shellBlocks = [...readme.matchAll(/```sh\n([\s\S]*?)```/g)].map((match) => match[1]!)
const examples = (block: string) => {
  const lines = block.trim().split('\n')
  return lines.flatMap((line, i) =>
    line.startsWith('curl ') && lines[i + 1]?.startsWith('# ')
      ? [{ command: line, expected: lines[i + 1]!.slice(2) }]
      : [],
  )
}

async function freshService(
  env: Record<string, string>,
): Promise<{ service: RunningService; cleanup(): Promise<void> }> {
  if (backend === 'postgres') {
    const created = await createServerDatabase()
    const service = await startService({ env: { DATABASE_URL: created.url, ...env } })
    return {
      service,
      cleanup: async () => {
        await service.stop()
        await created.drop()
      },
    }
  }
  const dataDir = mkdtempSync(join(tmpdir(), 'vc-readme-'))
  const service = await startService({ env: { DATA_DIR: dataDir, ...env } })
  return {
    service,
    cleanup: async () => {
      await service.stop()
      rmSync(dataDir, { recursive: true, force: true })
    },
  }
}

async function run(command: string, url: string): Promise<string> {
  const shell = Bun.spawn(['bash', '-c', command.replaceAll('http://localhost:9313', url)], {
    stdout: 'pipe',
    stderr: 'ignore',
  })
  return (await new Response(shell.stdout).text()).trim()
}

describe('the README', () => {
  const blocks = shellBlocks.filter((block) => block.includes('localhost:9313') && examples(block).length > 0)
  let services: { service: RunningService; cleanup(): Promise<void> }[] = []
  beforeAll(async () => {
    services = [await freshService({ COUNT_MODE: 'every' }), await freshService({ COUNT_MODE: 'readers' })]
  }, 60_000)
  afterAll(() => Promise.all(services.map((s) => s.cleanup())))

  test('has the two curl example blocks', () => {
    expect(blocks.length).toBe(2)
  })

  test("the reference's verification commands answer as shown (COUNT_MODE=every)", async () => {
    for (const { command, expected } of examples(blocks[0]!))
      expect(await run(command, services[0]!.service.url)).toBe(expected)
  })

  test('the default mode examples answer as shown', async () => {
    for (const { command, expected } of examples(blocks[1]!))
      expect(await run(command, services[1]!.service.url)).toBe(expected)
  })
})
