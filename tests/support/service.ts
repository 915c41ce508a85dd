import type { Subprocess } from 'bun'

export async function freePort(): Promise<number> {
  const probe = Bun.listen({ hostname: '127.0.0.1', port: 0, socket: { data() {} } })
  const { port } = probe
  probe.stop(true)
  return port
}

export interface RunningService {
  url: string
  process: Subprocess<'ignore', 'pipe', 'pipe'>
  output(): string
  /** Resolves to the exit code. */
  stop(signal?: NodeJS.Signals): Promise<number>
}

/** The real service as production runs it (`bun src/index.ts`), on a free port. */
export async function startService(env: Record<string, string | undefined>, waitFor: '/health' | '/ready' = '/ready'): Promise<RunningService> {
  const port = await freePort()
  const child = Bun.spawn(['bun', 'src/index.ts'], {
    env: { PATH: process.env.PATH, HOST: '127.0.0.1', PORT: String(port), LOG_LEVEL: 'warn', COUNT_MODE: 'every', ...env },
    stdout: 'pipe',
    stderr: 'pipe',
  })
  let output = ''
  for (const stream of [child.stdout, child.stderr]) {
    void (async () => {
      for await (const chunk of stream) output += new TextDecoder().decode(chunk)
    })()
  }
  const url = `http://127.0.0.1:${port}`
  const deadline = Date.now() + 60_000
  while (true) {
    const ok = await fetch(url + waitFor).then((r) => r.ok, () => false)
    if (ok) break
    if (child.exitCode !== null || Date.now() > deadline) throw new Error(`service did not come up:\n${output}`)
    await Bun.sleep(50)
  }
  return {
    url,
    process: child,
    output: () => output,
    async stop(signal = 'SIGTERM') {
      child.kill(signal)
      return child.exited
    },
  }
}

/**
 * A TCP relay to the real database that can be taken down and brought back, to play an outage,
 * or black-holed: connections stay open but nothing passes either way until `resume()`, which
 * delivers what was held, as a network partition that heals does.
 */
export function databaseRelay(target: { hostname: string; port: number }, port: number) {
  type Pair = { peer?: import('bun').Socket<Pair>; pending: Uint8Array[] }
  let listener: import('bun').TCPSocketListener<Pair> | undefined
  const open = new Set<import('bun').Socket<Pair>>()
  let held: [import('bun').Socket<Pair>, Uint8Array][] | undefined
  const send = (to: import('bun').Socket<Pair>, chunk: Uint8Array) => (held ? held.push([to, new Uint8Array(chunk)]) : to.write(chunk))
  return {
    start() {
      listener = Bun.listen<Pair>({
        hostname: '127.0.0.1',
        port,
        socket: {
          async open(client) {
            client.data = { pending: [] }
            open.add(client)
            const upstream = await Bun.connect<Pair>({
              ...target,
              socket: {
                data: (_s, chunk) => void send(client, chunk),
                close: () => void client.end(),
                error: () => void client.end(),
              },
            })
            upstream.data = { peer: client, pending: [] }
            open.add(upstream)
            client.data.peer = upstream
            for (const chunk of client.data.pending) send(upstream, chunk)
          },
          data(client, chunk) {
            if (client.data.peer) send(client.data.peer, chunk)
            else client.data.pending.push(new Uint8Array(chunk))
          },
          close: (client) => void client.data.peer?.end(),
          error: (client) => void client.data.peer?.end(),
        },
      })
    },
    blackHole() {
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
