import { createHmac, randomBytes } from 'node:crypto'
import { BlockList, isIP } from 'node:net'
import type { Context } from 'hono'
import { isbot } from 'isbot'

export type ClientIpHeader = 'none' | 'cf-connecting-ip' | 'x-forwarded-for' | 'x-real-ip'

// Headers are believed only when the operator says a proxy sets them; otherwise anyone could
// claim any address and walk around the repeat window and the rate limit.
export function clientAddress(c: Context, header: ClientIpHeader): string {
  if (header !== 'none') {
    const value = c.req.header(header)
    // A proxy appends the address it saw, so the rightmost entry is the one a client cannot forge.
    const candidate = value?.split(',').at(-1)?.trim()
    if (candidate && isIP(candidate)) return candidate
  }
  // Bun hands its server to the app as the env; hono/bun's getConnInfo does the same, but loading
  // hono/bun costs 2.5 MiB of memory for these two lines. app.request() in tests has no server.
  const server = c.env as { requestIP?(request: Request): { address: string } | null } | undefined
  return server?.requestIP?.(c.req.raw)?.address ?? 'unknown'
}

export function isAutomated(userAgent: string | undefined): boolean {
  return !userAgent || isbot(userAgent)
}

export function addressMatcher(entries: string[]): (address: string) => boolean {
  const list = new BlockList()
  for (const entry of entries) {
    const [address, prefix] = entry.split('/') as [string, string | undefined]
    const family = isIP(address) === 6 ? 'ipv6' : 'ipv4'
    if (prefix === undefined) list.addAddress(address, family)
    else list.addSubnet(address, Number(prefix), family)
  }
  return (address) => {
    const family = isIP(address)
    return family !== 0 && list.check(address, family === 6 ? 'ipv6' : 'ipv4')
  }
}

/**
 * Keyed hashes naming "this client, this browser, this page, today". The day's salt is derived
 * from a secret that is configuration, never stored in the database beside the hashes.
 */
export function visitorKeys(secret: string | undefined) {
  const key = secret ?? randomBytes(32).toString('hex')
  const saltFor = (day: string) => createHmac('sha256', key).update(day).digest()
  const hash = (day: string, parts: string[]) =>
    createHmac('sha256', saltFor(day)).update(parts.join('\n')).digest('base64url').slice(0, 27)
  return {
    shared: secret !== undefined,
    /** The key under today's salt, and under yesterday's, so a window spanning midnight still holds. */
    of(now: Date, address: string, userAgent: string, slug: string) {
      const today = now.toISOString().slice(0, 10)
      const yesterday = new Date(now.getTime() - 86_400_000).toISOString().slice(0, 10)
      return { current: hash(today, [address, userAgent, slug]), previous: hash(yesterday, [address, userAgent, slug]) }
    },
  }
}

export type VisitorKeys = ReturnType<typeof visitorKeys>
