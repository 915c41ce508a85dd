import { isIP } from 'node:net'
import type { Context } from 'hono'
import { type ClientIpHeader, unmapped } from '../counting/visitors.ts'

// Headers are believed only when the operator says a proxy sets them; otherwise anyone could
// claim any address and walk around the repeat window and the rate limit.
export function clientAddress(c: Context, header: ClientIpHeader): string {
  if (header !== 'none') {
    const value = c.req.header(header)
    // A proxy appends the address it saw, so the rightmost entry is the one a client cannot forge.
    const candidate = value?.split(',').at(-1)?.trim()
    if (candidate && isIP(candidate)) return unmapped(candidate)
  }
  // Bun hands its server to the app as the env; hono/bun's getConnInfo does the same, but loading
  // hono/bun costs 2.5 MiB of memory for these two lines. app.request() in tests has no server.
  const server = c.env as { requestIP?(request: Request): { address: string } | null } | undefined
  const address = server?.requestIP?.(c.req.raw)?.address
  return address ? unmapped(address) : 'unknown'
}
