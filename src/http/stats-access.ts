import type { MiddlewareHandler } from 'hono'
import { basicAuth } from 'hono/basic-auth'
import { bearerAuth } from 'hono/bearer-auth'
import { some } from 'hono/combine'
import { HTTPException } from 'hono/http-exception'

export interface StatsCredentials {
  /** STATS_TOKEN: accepted as `Authorization: Bearer <token>`. */
  token?: string
  /** STATS_USER and STATS_PASSWORD: accepted as basic auth, which a browser asks for by itself. */
  user?: string
  password?: string
}

const REALM = 'view-counter stats'

/** Nothing when no credential is configured (the page is public); otherwise any one of them opens it. */
export function statsAccess({ token, user, password }: StatsCredentials): MiddlewareHandler | undefined {
  const checks: MiddlewareHandler[] = []
  const challenges: string[] = []
  // Basic first: a browser only prompts for a challenge it understands, and reads the first one.
  if (user !== undefined && password !== undefined) {
    checks.push(basicAuth({ username: user, password, realm: REALM }))
    challenges.push(`Basic realm="${REALM}", charset="UTF-8"`)
  }
  if (token !== undefined) {
    checks.push(bearerAuth({ token, realm: REALM }))
    challenges.push(`Bearer realm="${REALM}"`)
  }
  if (checks.length === 0) return undefined
  const anyOf = some(...checks)
  return async function requireStatsCredential(c, next) {
    try {
      await anyOf(c, next)
    } catch (error) {
      if (!(error instanceof HTTPException)) throw error
      // Hono's middlewares answer in plain text with one challenge each; ours is one JSON 401,
      // through onError, naming every scheme that would be accepted.
      throw new HTTPException(401, {
        message: 'unauthorized',
        res: new Response(null, { headers: { 'WWW-Authenticate': challenges.join(', ') } }),
      })
    }
  }
}
