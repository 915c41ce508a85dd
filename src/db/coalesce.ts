import { DatabaseBusyError, isCancelled } from './errors.ts'

const abandoned = new Error('a caller of the batch went away')

interface Waiting<T, R> {
  item: T
  deadline: number
  signal?: AbortSignal
  resolve(result: R): void
  reject(error: unknown): void
  /** Stops the queue's own timer and abort listener once the item is handed to a batch. */
  detach(): void
}

/** Given, per item, whether its caller is still waiting, the answers for those that are. */
export type Answer<R> = (waiting: boolean[]) => R[]

export interface Submission {
  /** Epoch ms after which the caller no longer wants the item committed. */
  deadline: number
  /** The caller's request: once it is aborted, the item is not committed. */
  signal?: AbortSignal
}

/**
 * Runs queued items in batches, at most `concurrency` batches at a time; whatever arrives while
 * they run goes into the next one. A lone request runs at once (no added latency); under load,
 * N requests cost one statement and one commit instead of N. Each caller is answered only when
 * the batch holding its item has finished, that is, after its commit.
 *
 * Nothing waits without bound: at most `maxQueued` items wait (the rest are refused at once), an
 * item leaves the queue when its deadline passes or its caller goes away, and a batch is given
 * until its earliest deadline (`notAfter`, with `signal` aborting then) plus `graceMs` for the
 * answer to arrive; after that its callers are refused, whatever became of the statement. A caller
 * leaving aborts `signal` too; if the statement is cancelled in time, the rest run again without it.
 *
 * `run` resolves once its items are committed, with a function that is told which callers are
 * still there to be answered and gives their answers. The others were answered with an error
 * (or left) while the statement ran: `run` must take their items back. That can be long after the
 * batch was given up, when a commit's reply was held by the network.
 */
export function batcher<T, R>(
  run: (items: T[], notAfter: Date, signal: AbortSignal) => Promise<Answer<R>>,
  { concurrency = 2, maxBatch = 500, maxQueued = 1000, graceMs = 250 } = {},
) {
  const queue: Waiting<T, R>[] = []
  let running = 0
  const missedDeadline = () => new DatabaseBusyError('view not committed within its deadline', 'VIEW_DEADLINE')

  async function runBatch(batch: Waiting<T, R>[]) {
    running++
    for (const waiting of batch) waiting.detach()
    let members = batch
    // A caller leaving cancels the statement; if it was cancelled in time, the rest run again without it.
    while (members.length > 0) {
      const outcome = await attempt(members)
      const left = members.filter((waiting) => waiting.signal?.aborted)
      if (outcome !== 'abandoned' || left.length === 0) break
      for (const waiting of left) waiting.reject(waiting.signal!.reason)
      members = members.filter((waiting) => !left.includes(waiting))
    }
    running--
    startNext()
  }

  async function attempt(members: Waiting<T, R>[]): Promise<'settled' | 'abandoned'> {
    const notAfter = Math.min(...members.map((waiting) => waiting.deadline))
    const statement = new AbortController()
    const abandon = () => statement.abort(abandoned)
    for (const waiting of members) waiting.signal?.addEventListener('abort', abandon, { once: true })
    const cancelAt = setTimeout(() => statement.abort(missedDeadline()), notAfter - Date.now())
    let giveUp: ReturnType<typeof setTimeout> | undefined
    const late = missedDeadline()
    const gaveUp = new Promise<never>(
      (_, reject) => (giveUp = setTimeout(() => reject(late), notAfter + graceMs - Date.now())),
    )
    const committed = run(
      members.map((waiting) => waiting.item),
      new Date(notAfter),
      statement.signal,
    )
    try {
      const answer = await Promise.race([committed, gaveUp])
      // A caller that left while the statement ran is not answered 200 for a view it never saw counted.
      const waiting = members.map((member) => !member.signal?.aborted)
      const results = answer(waiting)
      members.forEach((member, i) => (waiting[i] ? member.resolve(results[i]!) : member.reject(member.signal!.reason)))
      return 'settled'
    } catch (error) {
      if (statement.signal.reason === abandoned && isCancelled(error)) return 'abandoned'
      for (const waiting of members) waiting.reject(error)
      // Every caller was answered 503; should the statement commit after all, nobody is left to answer.
      if (error === late) committed.then((answer) => answer(members.map(() => false))).catch(() => {})
      return 'settled'
    } finally {
      committed.catch(() => {})
      clearTimeout(cancelAt)
      clearTimeout(giveUp)
      for (const waiting of members) waiting.signal?.removeEventListener('abort', abandon)
    }
  }

  function startNext() {
    while (running < concurrency && queue.length > 0) void runBatch(queue.splice(0, maxBatch))
  }

  return {
    submit(item: T, { deadline, signal }: Submission): Promise<R> {
      return new Promise<R>((resolve, reject) => {
        if (signal?.aborted) return reject(signal.reason)
        if (queue.length >= maxQueued)
          return reject(new DatabaseBusyError('too many views waiting for the database', 'DATABASE_BUSY'))
        const leave = (error: unknown) => {
          const at = queue.indexOf(waiting)
          if (at === -1) return
          queue.splice(at, 1)
          waiting.detach()
          reject(error)
        }
        const onAbort = () => leave(signal!.reason)
        const timer = setTimeout(() => leave(missedDeadline()), deadline - Date.now())
        const waiting: Waiting<T, R> = {
          item,
          deadline,
          signal,
          resolve,
          reject,
          detach() {
            clearTimeout(timer)
            signal?.removeEventListener('abort', onAbort)
          },
        }
        signal?.addEventListener('abort', onAbort, { once: true })
        queue.push(waiting)
        startNext()
      })
    },
  }
}
