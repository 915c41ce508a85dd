import { HTTPException } from 'hono/http-exception'

export const MAX_BATCH_SLUGS = 100

// The slug is taken still encoded from the raw request target, not from the router's decoded
// path, so that "%2F" and "%25" are decoded exactly once, by decodeSlug.
export function slugFromUrl(url: string, prefix: string): string {
  const pathStart = url.indexOf('/', url.indexOf('://') + 3)
  const queryStart = url.indexOf('?', pathStart)
  const path = queryStart === -1 ? url.slice(pathStart) : url.slice(pathStart, queryStart)
  return path.startsWith(prefix) ? path.slice(prefix.length) : ''
}

// `slugs=a,b,c`: literal commas separate; each slug stays encoded for decodeSlug, so it may carry "%2C".
export function slugListFromQuery(url: string, max: number): string[] | undefined {
  const query = url.slice(url.indexOf('?') + 1 || url.length)
  const raw = query.split('&').find((pair) => pair.startsWith('slugs='))
  if (raw === undefined) return undefined
  const slugs = raw.slice('slugs='.length).replaceAll('+', '%20').split(',')
  if (slugs.length > max) throw new HTTPException(400, { message: `at most ${max} slugs per request` })
  return slugs
}
