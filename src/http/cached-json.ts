import type { Context } from 'hono'
import type { ReadCache } from './read-cache.ts'

/**
 * Reads go through the short-lived cache and carry an ETag, so a burst of readers (or Cloudflare's
 * edge revalidating) costs one query, and an unchanged answer costs no body at all (conditionalGet).
 */
export function cachedJson(reads: Pick<ReadCache, 'get'>, cacheControl = 'public, max-age=2') {
  return async function answerCached(c: Context, key: string, load: () => Promise<unknown>) {
    const { body, etag } = await reads.get(key, load)
    return c.body(body, 200, { 'Content-Type': 'application/json', ETag: etag, 'Cache-Control': cacheControl })
  }
}
