import { freePort } from './free-port.ts'

/**
 * A TCP relay to the real database that can be taken down and brought back, to play an outage,
 * or black-holed: connections stay open but nothing passes either way until `resume()`, which
 * delivers what was held, as a network partition that heals does. `holdReplies()` holds only what
 * the server sends, so a statement reaches it and commits while its answer waits; `holdRequests()`
 * only what the service sends (a cancel request, say). `url` is `databaseUrl` through the relay.
 */
export function databaseRelay(databaseUrl: string) {
  const target = new URL(databaseUrl)
  const port = freePort()
  const url = new URL(databaseUrl)
  url.host = `127.0.0.1:${port}`
  type Pair = { peer?: import('bun').Socket<Pair>; pending: Uint8Array[] }
  let listener: import('bun').TCPSocketListener<Pair> | undefined
  const open = new Set<import('bun').Socket<Pair>>()
  let held: [import('bun').Socket<Pair>, Uint8Array][] | undefined
  let holding: 'both' | 'replies' | 'requests' = 'both'
  const send = (to: import('bun').Socket<Pair>, chunk: Uint8Array, reply: boolean) =>
    held && (holding === 'both' || holding === (reply ? 'replies' : 'requests'))
      ? held.push([to, new Uint8Array(chunk)])
      : to.write(chunk)
  return {
    url: url.href,
    start() {
      listener = Bun.listen<Pair>({
        hostname: '127.0.0.1',
        port,
        socket: {
          async open(client) {
            client.data = { pending: [] }
            open.add(client)
            const upstream = await Bun.connect<Pair>({
              hostname: target.hostname,
              port: Number(target.port || 5432),
              socket: {
                data: (_s, chunk) => void send(client, chunk, true),
                close: () => void client.end(),
                error: () => void client.end(),
              },
            })
            upstream.data = { peer: client, pending: [] }
            open.add(upstream)
            client.data.peer = upstream
            for (const chunk of client.data.pending) send(upstream, chunk, false)
          },
          data(client, chunk) {
            if (client.data.peer) send(client.data.peer, chunk, false)
            else client.data.pending.push(new Uint8Array(chunk))
          },
          close: (client) => void client.data.peer?.end(),
          error: (client) => void client.data.peer?.end(),
        },
      })
    },
    blackHole() {
      holding = 'both'
      held ??= []
    },
    holdReplies() {
      holding = 'replies'
      held ??= []
    },
    holdRequests() {
      holding = 'requests'
      held ??= []
    },
    resume() {
      const release = held ?? []
      held = undefined
      for (const [to, chunk] of release) to.write(chunk)
    },
    stop() {
      listener?.stop(true)
      for (const socket of open) socket.terminate()
      open.clear()
    },
  }
}
