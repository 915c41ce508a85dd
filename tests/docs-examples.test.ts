import { afterAll, describe, expect, test } from 'bun:test'
import { cpSync, mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { startService } from '../harness/service.ts'
import { envNames } from '../src/env.ts'
import { backend, createServerDatabase } from './support/database.ts'
import { docs, type FencedBlock, fencedBlocks } from './support/docs.ts'

// The curl examples in the README and docs/, run as written against a fresh service: the docs stay true.
// A block is run when the line before its fence is `<!-- example: VAR=value ... -->`, the settings
// of the service it runs against; each `curl` line runs in order, and a `# ` line under one is its output.
const LOCAL = 'http://localhost:9313'
const marker = /^example:(.*)$/

interface Step {
  command: string
  expected?: string
}

interface Example {
  where: string
  env: Record<string, string>
  steps: Step[]
}

const callsTheService = (block: FencedBlock) =>
  block.body.some((line) => line.trimStart().startsWith('curl ') && line.includes(LOCAL))

function readExample(where: string, block: FencedBlock): Example {
  const settings = marker.exec(block.comment ?? '')![1]!.trim()
  const env = Object.fromEntries(
    settings
      .split(/\s+/)
      .filter(Boolean)
      .map((pair) => {
        const [name, ...value] = pair.split('=')
        return [name!, value.join('=')]
      }),
  )
  const steps = block.body.flatMap((line, i): Step[] => {
    if (!line.startsWith('curl ')) return []
    const next = block.body[i + 1]
    return [{ command: line, expected: next?.startsWith('# ') ? next.slice(2) : undefined }]
  })
  return { where, env, steps }
}

const marked: Example[] = []
const unmarked: string[] = []
for (const doc of docs) {
  for (const block of fencedBlocks(doc.text)) {
    const where = `${doc.path}:${block.line}`
    if (marker.test(block.comment ?? '')) marked.push(readExample(where, block))
    else if (callsTheService(block)) unmarked.push(where)
  }
}

// On the embedded database a first start creates the database (initdb, many seconds); a copy of a
// migrated DATA_DIR starts in a fraction of that, so each example gets a copy of one made once.
let migratedDataDir: string | undefined
async function emptyDataDir(): Promise<string> {
  if (!migratedDataDir) {
    migratedDataDir = mkdtempSync(join(tmpdir(), 'vc-docs-template-'))
    await (await startService({ env: { DATA_DIR: migratedDataDir } })).stop()
  }
  const dataDir = mkdtempSync(join(tmpdir(), 'vc-docs-'))
  cpSync(migratedDataDir, dataDir, { recursive: true })
  return dataDir
}

async function freshService(env: Record<string, string>) {
  if (backend === 'postgres') {
    const created = await createServerDatabase()
    const service = await startService({ env: { DATABASE_URL: created.url, ...env } })
    return {
      url: service.url,
      async cleanup() {
        await service.stop()
        await created.drop()
      },
    }
  }
  const dataDir = await emptyDataDir()
  const service = await startService({ env: { DATA_DIR: dataDir, ...env } })
  return {
    url: service.url,
    async cleanup() {
      await service.stop()
      rmSync(dataDir, { recursive: true, force: true })
    },
  }
}

async function run(command: string, url: string, env: Record<string, string>): Promise<string> {
  const shell = Bun.spawn(['bash', '-c', command.replaceAll(LOCAL, url)], {
    env: { ...process.env, ...env },
    stdout: 'pipe',
    stderr: 'ignore',
  })
  return (await new Response(shell.stdout).text()).trim()
}

describe('the examples in the README and docs/', () => {
  afterAll(() => migratedDataDir && rmSync(migratedDataDir, { recursive: true, force: true }))

  test('every block that calls the service is marked to run, so none is silently left out', () => {
    // A block like this without `<!-- example: ... -->` before its fence would never be checked.
    expect(unmarked).toEqual([])
  })

  test('the README, the API page and the stats page have runnable examples', () => {
    const files = new Set(marked.map((example) => example.where.split(':')[0]))
    for (const file of ['README.md', 'docs/api.md', 'docs/stats.md']) expect(files).toContain(file)
  })

  test("a marker's settings are variables the service reads, so a misspelt one cannot pass unnoticed", () => {
    const unknown = marked.flatMap((example) =>
      Object.keys(example.env)
        .filter((name) => !envNames.includes(name))
        .map((name) => `${example.where}: ${name}`),
    )
    expect(unknown).toEqual([])
  })

  test('every marked block shows the output of at least one curl line', () => {
    const empty = marked.filter((example) => !example.steps.some((step) => step.expected !== undefined))
    expect(empty.map((example) => example.where)).toEqual([])
  })

  for (const example of marked) {
    test(`${example.where} answers as shown`, async () => {
      const service = await freshService(example.env)
      try {
        for (const { command, expected } of example.steps) {
          const output = await run(command, service.url, example.env)
          if (expected !== undefined) expect({ command, output }).toEqual({ command, output: expected })
        }
      } finally {
        await service.cleanup()
      }
    }, 90_000)
  }
})
