import { afterAll, beforeAll, describe, expect, test } from 'bun:test'
import { mkdtempSync, rmSync } from 'node:fs'
import { connect } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { type RunningService, startService } from '../harness/service.ts'
import { backend, createServerDatabase } from './support/database.ts'

// Requests written byte for byte over TCP to the real service: what fetch() would never send
// (raw bytes that are not UTF-8, HTTP/1.0 without Host, pipelining) reaches Bun's parser as is.
let service: RunningService
let cleanup: () => Promise<void>

beforeAll(async () => {
  if (backend === 'postgres') {
    const created = await createServerDatabase()
    service = await startService({ env: { DATABASE_URL: created.url, READ_CACHE_MS: '0' } })
    cleanup = created.drop
  } else {
    const dataDir = mkdtempSync(join(tmpdir(), 'vc-http-'))
    service = await startService({ env: { DATA_DIR: dataDir, READ_CACHE_MS: '0' } })
    cleanup = async () => rmSync(dataDir, { recursive: true, force: true })
  }
}, 60_000)
afterAll(async () => {
  await service?.stop()
  await cleanup?.()
})

/** Writes `request` on a fresh connection; resolves with everything read until the server closes it or `waitMs` passes. */
function exchange(
  request: string | Uint8Array,
  waitMs = 10_000,
  port = Number(new URL(service.url).port),
): Promise<string> {
  return new Promise((resolve) => {
    let received = ''
    const socket = connect(port, '127.0.0.1', () => socket.write(request))
    const done = () => {
      clearTimeout(timer)
      socket.destroy()
      resolve(received)
    }
    const timer = setTimeout(done, waitMs)
    socket.on('data', (chunk) => (received += chunk.toString('latin1')))
    socket.on('close', done)
    socket.on('error', done)
  })
}
const statusOf = (response: string) => Number(response.match(/^HTTP\/1\.[01] (\d{3})/)?.[1])
const countOf = async (slug: string) =>
  ((await (await fetch(`${service.url}/views/${slug}`)).json()) as { count: number }).count

describe('the HTTP edge', () => {
  test('a POST with an oversized chunked body is refused and counts nothing', async () => {
    const chunk = 'a'.repeat(20 * 1024)
    const request = `POST /views/chunked/ HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\nConnection: close\r\n\r\n${chunk.length.toString(16)}\r\n${chunk}\r\n0\r\n\r\n`
    for (let i = 0; i < 3; i++) expect(statusOf(await exchange(request))).toBe(413)
    expect(await countOf('chunked/')).toBe(0)
    expect(
      statusOf(
        await exchange('POST /views/chunked/ HTTP/1.1\r\nHost: x\r\nContent-Length: 0\r\nConnection: close\r\n\r\n'),
      ),
    ).toBe(200)
    expect(await countOf('chunked/')).toBe(1)
  })

  test('raw bytes in the path that are not UTF-8 are a 400 and store nothing', async () => {
    const request = Buffer.concat([
      Buffer.from('POST /views/raw'),
      Buffer.from([0xff, 0xfe]),
      Buffer.from('/ HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n'),
    ])
    const response = await exchange(request)
    expect(statusOf(response)).toBe(400)
    expect(response).toContain('{"error":"slug is not valid UTF-8"}')
    expect(await (await fetch(`${service.url}/views`)).json()).not.toContainEqual(
      expect.objectContaining({ slug: expect.stringContaining('raw') }),
    )
  })

  test('raw UTF-8 in the path is read like its percent-encoded form', async () => {
    const request = Buffer.concat([
      Buffer.from('POST /views/raw-'),
      Buffer.from('γεια/'),
      Buffer.from(' HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n'),
    ])
    expect(statusOf(await exchange(request))).toBe(200)
    expect(await countOf('raw-%CE%B3%CE%B5%CE%B9%CE%B1/')).toBe(1)
  })

  test('HTTP/1.0 without a Host header is served like any request', async () => {
    const response = await exchange('POST /views/old-client/ HTTP/1.0\r\n\r\n')
    expect(statusOf(response)).toBe(200)
    expect(response).toEndWith('{"slug":"old-client/","count":1}')
    expect(await exchange('GET /views/old-client/ HTTP/1.0\r\n\r\n')).toEndWith('{"slug":"old-client/","count":1}')
  })

  // Documents a Bun 1.4.5 limitation, not a wish: when a handler's answer is not ready within
  // the event-loop turn that parsed it (a timer, a socket: PostgreSQL), Bun's HTTP parser sees
  // the next pipelined request while the response is pending and closes the connection with
  // nothing written, although the first request has run (the HTTP_RESPONSE_PENDING branch of
  // packages/bun-uws/src/HttpContext.h; oven-sh/bun pull request #38128, open, would fix it).
  // When this fails because both are answered, Bun has fixed it: flip the test to expect two
  // answers and drop the note in docs/operations.md.
  test('Bun limitation: a bare Bun.serve with an async handler answers neither of two pipelined requests', async () => {
    let handled = 0
    const bare = Bun.serve({
      hostname: '127.0.0.1',
      port: 0,
      async fetch() {
        handled++
        await new Promise((resolve) => setTimeout(resolve, 0))
        return new Response('ok')
      },
    })
    try {
      const pipelined = 'POST /a HTTP/1.1\r\nHost: x\r\n\r\nGET /b HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n'
      expect(await exchange(pipelined, 3_000, bare.port)).toBe('')
      expect(handled).toBe(1)
    } finally {
      bare.stop(true)
    }
  })

  // On PostgreSQL Bun closes the connection unanswered. If that aborts the POST while its view is
  // still queued or being committed, the view is cancelled or taken back, as for any client that
  // leaves; if the commit was already done, the view stays counted although no answer was written
  // (the window between a commit and its answer). The embedded database answers both in time.
  test('a POST pipelined with another request is counted once at most, and once when it is answered (see the Bun limitation above)', async () => {
    const pipelined =
      'POST /views/pipelined/ HTTP/1.1\r\nHost: x\r\n\r\nGET /views/pipelined/ HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n'
    const answered = (await exchange(pipelined, 3_000)).startsWith('HTTP/1.1 200')
    // A view is taken back within a round trip or two of its commit; a second is ample.
    await Bun.sleep(1000)
    const count = await countOf('pipelined/')
    if (answered) expect(count).toBe(1)
    else expect(count).toBeLessThanOrEqual(1)
  })
})
