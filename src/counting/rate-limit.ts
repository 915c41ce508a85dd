// Per-address token buckets in this process's memory: a replica limits what reaches it, and with
// N replicas an address gets at most N times the limit. Good enough to stop a curl loop without
// shared state.
export function rateLimiter(perMinute: number, maxTracked = 50_000) {
  const buckets = new Map<string, { tokens: number; updated: number }>()
  const refillPerMs = perMinute / 60_000

  return {
    /** 0 when the request may go ahead, else the seconds to wait. */
    take(address: string, now: number): number {
      let bucket = buckets.get(address)
      if (bucket) {
        bucket.tokens = Math.min(perMinute, bucket.tokens + (now - bucket.updated) * refillPerMs)
        bucket.updated = now
        buckets.delete(address)
      } else {
        // Forget the least recently seen address rather than grow without bound under a spray of addresses.
        if (buckets.size >= maxTracked) buckets.delete(buckets.keys().next().value!)
        bucket = { tokens: perMinute, updated: now }
      }
      buckets.set(address, bucket)
      if (bucket.tokens >= 1) {
        bucket.tokens -= 1
        return 0
      }
      return Math.ceil((1 - bucket.tokens) / refillPerMs / 1000)
    },
  }
}

export type RateLimiter = ReturnType<typeof rateLimiter>
