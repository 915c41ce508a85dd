interface Waiting<T, R> {
  item: T
  resolve(result: R): void
  reject(error: unknown): void
}

/**
 * Runs queued items in batches, at most `concurrency` batches at a time; whatever arrives while
 * they run goes into the next one. A lone request runs at once (no added latency); under load,
 * N requests cost one statement and one commit instead of N. Each caller is answered only when
 * the batch holding its item has finished, that is, after its commit.
 */
export function batcher<T, R>(run: (items: T[]) => Promise<R[]>, { concurrency = 2, maxBatch = 500 } = {}) {
  const queue: Waiting<T, R>[] = []
  let running = 0

  async function runBatch(batch: Waiting<T, R>[]) {
    running++
    try {
      const results = await run(batch.map((waiting) => waiting.item))
      batch.forEach((waiting, i) => waiting.resolve(results[i]!))
    } catch (error) {
      for (const waiting of batch) waiting.reject(error)
    } finally {
      running--
      startNext()
    }
  }

  function startNext() {
    while (running < concurrency && queue.length > 0) void runBatch(queue.splice(0, maxBatch))
  }

  return {
    submit(item: T): Promise<R> {
      return new Promise<R>((resolve, reject) => {
        queue.push({ item, resolve, reject })
        startNext()
      })
    },
  }
}
