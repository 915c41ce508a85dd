// bun bench/embedded-memory.ts: resident memory of the service on the embedded database (PGlite),
// as `bun run start` runs it: first start on a fresh DATA_DIR, a restart on it, and 2,000 POSTs.
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { type MemoryReading, readMemory } from './memory.ts'

const posts = 2_000
const concurrency = 20
// The service gives memory back after 5 s without requests; readings wait for that.
const settleMs = 12_000
const dataDir = mkdtempSync(join(tmpdir(), 'vc-embedded-memory-'))
const port = 20_000 + Math.floor(Math.random() * 20_000)
const baseUrl = `http://127.0.0.1:${port}`

async function start() {
  const started = performance.now()
  const child = Bun.spawn(['bun', 'src/index.ts'], {
    cwd: new URL('..', import.meta.url).pathname,
    env: {
      PATH: process.env.PATH,
      DATA_DIR: dataDir,
      HOST: '127.0.0.1',
      PORT: String(port),
      COUNT_MODE: 'every',
      RATE_LIMIT_PER_MINUTE: '0',
      LOG_LEVEL: 'warn',
    },
    stdout: 'inherit',
    stderr: 'inherit',
  })
  while (
    (await fetch(`${baseUrl}/ready`).then(
      (res) => res.status,
      () => 0,
    )) !== 200
  ) {
    if (child.exitCode !== null) throw new Error(`service exited with ${child.exitCode}`)
    await Bun.sleep(20)
  }
  return { child, readyMs: performance.now() - started }
}

async function postViews() {
  let next = 0
  const worker = async () => {
    while (next < posts) {
      const slug = `posts/p${next++ % 200}/`
      const res = await fetch(`${baseUrl}/views/${slug}`, { method: 'POST' })
      if (!res.ok) throw new Error(`POST ${slug}: ${res.status}`)
    }
  }
  await Promise.all(Array.from({ length: concurrency }, worker))
}

const rows: { stage: string; readyMs?: number; idle: MemoryReading }[] = []
async function record(stage: string, pid: number, readyMs?: number) {
  console.error(`${stage}: settling ${settleMs / 1000} s`)
  await Bun.sleep(settleMs)
  rows.push({ stage, readyMs, idle: await readMemory(pid) })
}

try {
  const first = await start()
  await record('first start (fresh DATA_DIR)', first.child.pid, first.readyMs)
  first.child.kill('SIGTERM')
  await first.child.exited

  const again = await start()
  await record('restart (migrated DATA_DIR)', again.child.pid, again.readyMs)
  console.error(`posting ${posts} views, ${concurrency} at a time`)
  await postViews()
  await record(`after ${posts} POSTs`, again.child.pid)
  again.child.kill('SIGTERM')
  await again.child.exited
} finally {
  rmSync(dataDir, { recursive: true, force: true })
}

console.log('| stage | ready after | RSS idle | RSS peak (VmHWM) |')
console.log('|---|---|---|---|')
for (const { stage, readyMs, idle } of rows) {
  const ready = readyMs === undefined ? '' : `${(readyMs / 1000).toFixed(1)} s`
  console.log(`| ${stage} | ${ready} | ${idle.rss.toFixed(0)} MiB | ${idle.hwm.toFixed(0)} MiB |`)
}
