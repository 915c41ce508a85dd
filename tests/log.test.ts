import { describe, expect, test } from 'bun:test'
import { bufferedLines, createLogger } from '../src/log.ts'

describe('the log', () => {
  test('lines of a burst are written together, in order, within flushMs', async () => {
    const chunks: string[] = []
    const lines = bufferedLines((chunk) => void chunks.push(chunk), { flushMs: 20 })
    const log = createLogger('info', lines.write)
    log.info('request', { n: 1 })
    log.info('request', { n: 2 })
    expect(chunks).toEqual([])
    await Bun.sleep(60)
    expect(chunks).toHaveLength(1)
    expect(chunks[0]!.split('\n').map((line) => line && JSON.parse(line).n)).toEqual([1, 2, ''])
  })

  test('a warning is written at once, after the lines that waited before it', () => {
    const chunks: string[] = []
    const log = createLogger('info', bufferedLines((chunk) => void chunks.push(chunk), { flushMs: 60_000 }).write)
    log.info('request')
    log.warn('database unavailable')
    expect(chunks).toHaveLength(1)
    expect(
      chunks[0]!
        .trim()
        .split('\n')
        .map((line) => JSON.parse(line).level),
    ).toEqual(['info', 'warn'])
  })

  test('lines below the level are not written at all', async () => {
    const chunks: string[] = []
    const lines = bufferedLines((chunk) => void chunks.push(chunk), { flushMs: 1 })
    createLogger('warn', lines.write).info('request')
    await Bun.sleep(20)
    expect(chunks).toEqual([])
  })

  test('every line still waiting reaches even a slow reader when the process exits', async () => {
    const script = `
      import { createLogger } from ${JSON.stringify(new URL('../src/log.ts', import.meta.url).pathname)}
      const log = createLogger('info')
      for (let i = 0; i < 5000; i++) log.info('request', { i, path: '/views/${'x'.repeat(100)}' })
      process.exit(0)`
    const child = Bun.spawn([process.execPath, '-e', script], { stdout: 'pipe' })
    // Read nothing until the pipe has long been full, as a log collector that lags behind would.
    await Bun.sleep(500)
    const output = await new Response(child.stdout).text()
    expect(await child.exited).toBe(0)
    const numbers = output
      .trim()
      .split('\n')
      .map((line) => JSON.parse(line).i)
    expect(numbers).toEqual([...Array(5000).keys()])
  })
})
