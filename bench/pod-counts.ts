import postgres from 'postgres'
import type { RunningService } from '../harness/service.ts'
import { hotSlug, slugs } from './scenarios.ts'

export interface ExactCounts {
  requests: number
  answered200: number
  /** Answers other than 200, by status; a fetch that failed is `error`. */
  otherAnswers: Record<string, number>
  /** How much the sum of `views.count` grew, read after the service was killed. */
  databaseDelta: number
  exact: boolean
}

export async function sumOfCounts(url: string): Promise<number> {
  const sql = postgres(url, { max: 1, onnotice: () => {} })
  const [row] = await sql`select coalesce(sum(count), 0)::bigint as n from views`
  await sql.end()
  return Number(row!.n)
}

// wrk cannot say whether a request it cut off at the end was counted, so exactness is checked with
// requests that each get their answer: every 200 must be in the database and nothing else. The
// service is then SIGKILLed, not stopped, so a view answered but not yet committed would be missing.
export async function checkExactCounts(
  url: string,
  service: RunningService,
  { requests, concurrency, headers }: { requests: number; concurrency: number; headers: Record<string, string> },
): Promise<ExactCounts> {
  const before = await sumOfCounts(url)
  let next = 0
  let answered200 = 0
  const otherAnswers: Record<string, number> = {}
  const worker = async () => {
    for (let i = next++; i < requests; i = next++) {
      // Half to the hot slug, half spread over every page.
      const slug = i % 2 === 0 ? hotSlug : slugs[i % slugs.length]!
      const status = await fetch(`${service.url}/views/${slug}`, { method: 'POST', headers }).then(
        async (response) => {
          await response.arrayBuffer()
          return String(response.status)
        },
        () => 'error',
      )
      if (status === '200') answered200++
      else otherAnswers[status] = (otherAnswers[status] ?? 0) + 1
    }
  }
  await Promise.all(Array.from({ length: concurrency }, worker))
  await service.stop('SIGKILL')
  const databaseDelta = (await sumOfCounts(url)) - before
  return { requests, answered200, otherAnswers, databaseDelta, exact: databaseDelta === answered200 }
}
