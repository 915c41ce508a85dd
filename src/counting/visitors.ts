import { createHmac, randomBytes } from 'node:crypto'
import { BlockList, isIP } from 'node:net'
import { isbot } from 'isbot'

export type ClientIpHeader = 'none' | 'cf-connecting-ip' | 'x-forwarded-for' | 'x-real-ip'

/**
 * What names one reader for the repeat window and the rate limit. An IPv6 host is normally given
 * a whole /64 and may take a fresh address in it whenever it likes (RFC 8981 temporary
 * addresses; RFC 7421 on the /64 boundary), so the /64 is the reader; an IPv4 address is itself.
 */
export function readerNetwork(address: string): string {
  if (isIP(address) !== 6) return address
  const groups = ipv6Groups(address)
  return `${groups
    .slice(0, 4)
    .map((group) => group.toString(16))
    .join(':')}::/64`
}

// '::ffff:192.0.2.1' (a dual-stack socket, or a proxy writing IPv4 that way) is the IPv4 client.
export function unmapped(address: string): string {
  if (isIP(address) !== 6) return address
  const groups = ipv6Groups(address)
  if (groups.slice(0, 5).some((group) => group !== 0) || groups[5] !== 0xffff) return address
  return [groups[6]! >> 8, groups[6]! & 0xff, groups[7]! >> 8, groups[7]! & 0xff].join('.')
}

// The eight 16-bit groups of a valid IPv6 address, '::' expanded and a dotted IPv4 tail split in two.
function ipv6Groups(address: string): number[] {
  const parse = (part: string) =>
    part === ''
      ? []
      : part.split(':').flatMap((group) => {
          if (!group.includes('.')) return [parseInt(group, 16)]
          const [a, b, c, d] = group.split('.').map(Number) as [number, number, number, number]
          return [(a << 8) | b, (c << 8) | d]
        })
  const [head, tail] = address.replace(/%.*$/, '').split('::') as [string, string | undefined]
  if (tail === undefined) return parse(head)
  const [left, right] = [parse(head), parse(tail)]
  return [...left, ...Array<number>(8 - left.length - right.length).fill(0), ...right]
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
