import { zValidator } from '@hono/zod-validator'
import type { ValidationTargets } from 'hono'
import { HTTPException } from 'hono/http-exception'
import type { ZodType } from 'zod'

// zValidator with our error shape: the first problem, named, as {"error": "..."} via onError.
export const validate = <Target extends keyof ValidationTargets, Schema extends ZodType>(
  target: Target,
  schema: Schema,
) =>
  zValidator(target, schema, (result) => {
    if (result.success) return
    const issue = result.error.issues[0]!
    throw new HTTPException(400, { message: `${issue.path.join('.') || target}: ${issue.message}` })
  })
