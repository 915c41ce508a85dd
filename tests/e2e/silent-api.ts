// Stands in for an API that accepts connections and never answers, to prove the script gives up by itself.
export function startSilentApi(port: number) {
  const server = Bun.serve({
    hostname: '127.0.0.1',
    port,
    idleTimeout: 0,
    fetch: () => new Promise<Response>(() => {}),
  })
  return { stop: () => server.stop(true) }
}
