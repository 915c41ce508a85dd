export interface CachedBody {
  body: string
  etag: string
}

interface Entry {
  version: number
  at: number
  body: Promise<CachedBody>
}

/**
 * A short-lived cache of serialised read responses. Within a burst, readers share one query and
 * one JSON string; a write through this process invalidates what it changed at once, and what
 * other replicas (or imports) wrote shows up within ttlMs. Concurrent misses share one load.
 */
export function readCache(ttlMs: number, maxEntries = 1000) {
  const entries = new Map<string, Entry>()
  let version = 0

  return {
    get(key: string, load: () => Promise<unknown>): Promise<CachedBody> {
      const now = performance.now()
      const entry = entries.get(key)
      if (entry && entry.version === version && now - entry.at < ttlMs) return entry.body
      const body = load().then((value) => {
        const json = JSON.stringify(value)
        return { body: json, etag: `W/"${Bun.hash(json).toString(36)}"` }
      })
      if (ttlMs > 0) {
        entries.delete(key)
        if (entries.size >= maxEntries) entries.delete(entries.keys().next().value!)
        entries.set(key, { version, at: now, body })
        // A failed load must not be served to the next reader.
        body.catch(() => entries.get(key)?.body === body && entries.delete(key))
      }
      return body
    },
    /** Called after a write commits. */
    invalidate() {
      version++
    },
  }
}

export type ReadCache = ReturnType<typeof readCache>
