// What the pipeline does, read from the workflow and the Dockerfile as the runner and buildx would.
import { describe, expect, test } from 'bun:test'
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { parse } from 'yaml'
import { allowedTestDatabaseHosts, databaseHost } from '../support/database-hosts.ts'
import { repoRoot } from './rendered-manifests.ts'

const workflow = parse(readFileSync(join(repoRoot, '.forgejo/workflows/ship.yml'), 'utf8'))
const dockerfile = readFileSync(join(repoRoot, 'Dockerfile'), 'utf8')

describe('the test job', () => {
  const job = workflow.jobs.test

  test("reaches its database by the service's key, the host name the runner gives it", () => {
    const host = databaseHost(job.env.DATABASE_URL)
    expect(Object.keys(job.services)).toContain(host)
    expect(job.services[host].image).toMatch(/^postgres:/)
    expect(new URL(job.env.DATABASE_URL).port || '5432').toBe('5432')
  })

  test('allows the tests to create databases on that host', () => {
    expect(allowedTestDatabaseHosts(job.env.TEST_DATABASE_HOSTS)).toContain(databaseHost(job.env.DATABASE_URL))
  })
})

describe('the preload', () => {
  function preload(env: Record<string, string>) {
    const result = Bun.spawnSync(['bun', join(repoRoot, 'tests/preload.ts')], {
      env: { PATH: process.env.PATH!, ...env },
    })
    return { exitCode: result.exitCode, stderr: result.stderr.toString() }
  }

  test('accepts this machine by default, and a host listed in TEST_DATABASE_HOSTS', () => {
    for (const host of ['127.0.0.1', 'localhost', '[::1]'])
      expect(preload({ DATABASE_URL: `postgres://u@${host}:5432/t` }).exitCode).toBe(0)
    expect(preload({ DATABASE_URL: 'postgres://u@postgres:5432/t', TEST_DATABASE_HOSTS: 'postgres' }).exitCode).toBe(0)
    expect(
      preload({ TEST_DATABASE_URL: 'postgres://u@db.ci:5432/t', TEST_DATABASE_HOSTS: 'localhost, db.ci' }).exitCode,
    ).toBe(0)
  })

  test('refuses any other host, naming it and the variable that would allow it', () => {
    const refused = preload({ DATABASE_URL: 'postgres://u@postgres:5432/t' })
    expect(refused.exitCode).not.toBe(0)
    expect(refused.stderr).toContain('refusing to run against postgres:5432')
    expect(refused.stderr).toContain('TEST_DATABASE_HOSTS')
    // The list replaces the default: naming the CI host does not keep production reachable by accident.
    expect(preload({ DATABASE_URL: 'postgres://u@prod-db:5432/t', TEST_DATABASE_HOSTS: 'postgres' }).exitCode).not.toBe(
      0,
    )
  })
})

describe('the image', () => {
  const steps = workflow.jobs.build.steps as { id?: string; uses?: string; with?: Record<string, unknown> }[]
  const build = steps.find((step) => step.uses?.includes('docker/build-push-action'))!

  test('is built for both architectures of the cluster and pushed as one index', () => {
    expect(
      String(build.with!.platforms)
        .split(',')
        .map((p) => p.trim())
        .sort(),
    ).toEqual(['linux/amd64', 'linux/arm64'])
    expect(build.with!.push).toBe(true)
    expect(workflow.jobs.build.outputs.digest).toBe(`\${{ steps.${build.id}.outputs.digest }}`)
  })

  test('is signed and verified by the digest of that pushed index', () => {
    const sign = workflow.jobs.sign
    expect(sign.needs).toBe('build')
    // biome-ignore lint/suspicious/noTemplateCurlyInString: a Forgejo expression, compared as written
    expect(sign.env.DIGEST).toBe('${{ needs.build.outputs.digest }}')
    const runs = (sign.steps as { run?: string }[]).flatMap((step) => (step.run ? [step.run] : []))
    expect(runs.some((run) => /^cosign sign .*"\$\{IMAGE\}@\$\{DIGEST\}"$/.test(run))).toBe(true)
    expect(runs.some((run) => /^cosign verify .*"\$\{IMAGE\}@\$\{DIGEST\}"/.test(run))).toBe(true)
    // biome-ignore lint/suspicious/noTemplateCurlyInString: a Forgejo expression, compared as written
    expect(workflow.jobs.deploy.steps.at(-1).env.DIGEST).toBe('${{ needs.build.outputs.digest }}')
  })

  test("needs no emulation: every RUN is in a stage on the build machine's platform", () => {
    const stages = dockerfile.split(/^(?=FROM )/m).filter((stage) => stage.startsWith('FROM '))
    for (const stage of stages) {
      if (/^RUN /m.test(stage)) expect(stage).toStartWith('FROM --platform=$BUILDPLATFORM ')
    }
    expect(stages.at(-1)).toMatch(/^FROM (--platform=\$TARGETPLATFORM )?\S+\n/)
  })
})
