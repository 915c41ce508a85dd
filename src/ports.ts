/**
 * Ends the process with one line when a port it is about to serve on is taken, before it opens
 * anything else: otherwise Bun.serve fails with a stack trace after the database (and a new
 * DATA_DIR) was already opened for nothing.
 */
export function exitIfPortsInUse(hostname: string, ports: { name: string; port: number | undefined }[]) {
  for (const { name, port } of ports) {
    if (port === undefined) continue
    try {
      Bun.listen({ hostname, port, socket: { data() {} } }).stop(true)
    } catch (error) {
      if ((error as { code?: string }).code !== 'EADDRINUSE') throw error
      console.error(`port ${port} on ${hostname} is in use by another process: stop it, or set ${name} to a free port`)
      process.exit(1)
    }
  }
}
