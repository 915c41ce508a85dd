interface Waiting<T, R> {
  item: T
  resolve(result: R): void
  reject(error: unknown): void
}

/**
 * Runs at most one batch per key at a time; whatever arrives meanwhile goes into the next batch.
 * A lone request runs at once (no added latency); under a rush to one slug, N requests cost one
 * statement instead of N statements queueing on the same row lock. Each caller is answered only
 * when the batch holding its item has finished, i.e. after its commit.
 */
export function coalescer<T, R>(run: (key: string, items: T[]) => Promise<R[]>, maxBatch = 500) {
  const pending = new Map<string, Waiting<T, R>[]>()
  const running = new Set<string>()

  async function drain(key: string) {
    running.add(key)
    let queue = pending.get(key)
    while (queue && queue.length > 0) {
      const batch = queue.splice(0, maxBatch)
      try {
        const results = await run(key, batch.map((waiting) => waiting.item))
        batch.forEach((waiting, i) => waiting.resolve(results[i]!))
      } catch (error) {
        for (const waiting of batch) waiting.reject(error)
      }
      queue = pending.get(key)
    }
    pending.delete(key)
    running.delete(key)
  }

  return {
    submit(key: string, item: T): Promise<R> {
      return new Promise<R>((resolve, reject) => {
        const queue = pending.get(key)
        if (queue) queue.push({ item, resolve, reject })
        else pending.set(key, [{ item, resolve, reject }])
        if (!running.has(key)) void drain(key)
      })
    },
  }
}
