export interface CachedBody {
  body: string
  etag: string
}

interface Entry {
  at: number
  body: Promise<CachedBody>
  /** Key and body in UTF-16 code units (near enough to bytes) plus perEntry, once the body is known. */
  size: number
}

// What an entry costs beyond its strings: the Map slot, the entry, the promise and the ETag.
const perEntry = 256

/**
 * A short-lived cache of serialised read responses. Within a burst, readers share one query and
 * one JSON string; a write through this process empties it at once, and what other replicas (or
 * imports) wrote shows up within ttlMs. Concurrent misses share one load. It holds at most
 * maxBytes, dropping the least recently used first: a batch read's key and body can be tens of
 * kilobytes, so a count of entries alone would not bound memory.
 */
export function readCache(ttlMs: number, maxBytes = 2 * 1024 * 1024) {
  // A Map iterates in insertion order, and a hit is re-inserted: the first key is the least recently used.
  const entries = new Map<string, Entry>()
  let bytes = 0

  const remove = (key: string) => {
    const entry = entries.get(key)
    if (!entry) return
    entries.delete(key)
    bytes -= entry.size
  }
  const shrink = () => {
    for (const key of entries.keys()) {
      if (bytes <= maxBytes) return
      remove(key)
    }
  }

  return {
    get(key: string, load: () => Promise<unknown>): Promise<CachedBody> {
      const now = performance.now()
      const entry = entries.get(key)
      if (entry && now - entry.at < ttlMs) {
        entries.delete(key)
        entries.set(key, entry)
        return entry.body
      }
      const body = load().then((value) => {
        const json = JSON.stringify(value)
        return { body: json, etag: `W/"${Bun.hash(json).toString(36)}"` }
      })
      if (ttlMs > 0) {
        remove(key)
        const fresh: Entry = { at: now, body, size: key.length + perEntry }
        entries.set(key, fresh)
        bytes += fresh.size
        shrink()
        body.then(
          ({ body: json }) => {
            // Replaced, evicted or invalidated while loading: nothing of it is held any more.
            if (entries.get(key) !== fresh) return
            fresh.size += json.length
            bytes += json.length
            shrink()
          },
          // A failed load must not be served to the next reader.
          () => entries.get(key) === fresh && remove(key),
        )
      }
      return body
    },
    /** Called after a write commits: every cached answer may now be wrong. */
    invalidate() {
      entries.clear()
      bytes = 0
    },
    /** What the cache holds now. */
    size: () => ({ entries: entries.size, bytes }),
  }
}

export type ReadCache = ReturnType<typeof readCache>
