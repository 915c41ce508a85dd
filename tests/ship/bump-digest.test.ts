// The deploy job's script, run for real against local bare repositories standing in for the
// GitOps repository and the app's own: what it writes, what it refuses, and how it races.
import { afterAll, describe, expect, setDefaultTimeout, test } from 'bun:test'
import { chmodSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { repoRoot } from './rendered-manifests.ts'

// Each test runs git and the script several times over; a busy machine needs more than 5 s.
setDefaultTimeout(30_000)

const script = join(repoRoot, '.forgejo/scripts/bump-digest.sh')
const image = 'forgejo.uclab.dev/affragak/view-counter'
const deployFile = 'apps/base/view-counter/deployment.yaml'
const placeholder = `sha256:${'0'.repeat(64)}`
const digest = (fill: string) => `sha256:${fill.repeat(64)}`
const scratch = mkdtempSync(join(tmpdir(), 'vc-bump-'))
afterAll(() => rmSync(scratch, { recursive: true, force: true }))

const identity = {
  GIT_AUTHOR_NAME: 'test',
  GIT_AUTHOR_EMAIL: 't@example.com',
  GIT_COMMITTER_NAME: 'test',
  GIT_COMMITTER_EMAIL: 't@example.com',
}

function git(cwd: string, ...args: string[]): string {
  const result = Bun.spawnSync(['git', ...args], { cwd, env: { ...process.env, ...identity } })
  if (result.exitCode !== 0) throw new Error(`git ${args.join(' ')}: ${result.stderr}`)
  return result.stdout.toString().trim()
}

let counter = 0
/** A bare repository whose main holds the given files, and a work tree to inspect it. */
function bareRepo(files: Record<string, string>) {
  const dir = join(scratch, `repo-${++counter}`)
  git(scratch, 'init', '--quiet', '--bare', '-b', 'main', `${dir}.git`)
  git(scratch, 'clone', '--quiet', `${dir}.git`, dir)
  git(dir, 'checkout', '--quiet', '-b', 'main')
  for (const [path, text] of Object.entries(files)) {
    Bun.spawnSync(['mkdir', '-p', join(dir, path, '..')])
    writeFileSync(join(dir, path), text)
  }
  git(dir, 'add', '-A')
  git(dir, 'commit', '--quiet', '-m', 'initial')
  git(dir, 'push', '--quiet', 'origin', 'main')
  return {
    url: `${dir}.git`,
    head: () => git(scratch, '--git-dir', `${dir}.git`, 'rev-parse', 'main'),
    file: (path: string) => git(scratch, '--git-dir', `${dir}.git`, 'show', `main:${path}`),
    commit(message: string) {
      git(dir, 'commit', '--quiet', '--allow-empty', '-m', message)
      git(dir, 'push', '--quiet', 'origin', 'main')
      return git(dir, 'rev-parse', 'HEAD')
    },
  }
}

const deployment = (ref: string) =>
  `spec:\n  template:\n    spec:\n      containers:\n        - name: view-counter\n          image: ${image}@${ref}\n`

function setup(current = placeholder) {
  const gitops = bareRepo({ [deployFile]: deployment(current), 'apps/other.yaml': 'other: 1\n' })
  const app = bareRepo({ 'README.md': 'app\n' })
  return { gitops, app }
}

function bump(env: Record<string, string>) {
  const result = Bun.spawnSync(['bash', script], {
    env: {
      PATH: process.env.PATH!,
      HOME: process.env.HOME!,
      ...identity,
      IMAGE: image,
      DEPLOY_FILE: deployFile,
      ...env,
    },
  })
  return { exitCode: result.exitCode, output: result.stdout.toString() + result.stderr.toString() }
}

describe('bump-digest.sh', () => {
  test('writes the first real digest over the all-zero placeholder, touching nothing else', () => {
    const { gitops, app } = setup()
    const result = bump({ DIGEST: digest('a'), GITOPS_REPO: gitops.url, APP_REPO: app.url, DEPLOY_SHA: app.head() })
    expect(result).toMatchObject({ exitCode: 0 })
    expect(gitops.file(deployFile)).toBe(deployment(digest('a')).trim())
    expect(gitops.file('apps/other.yaml')).toBe('other: 1')
  })

  for (const bad of [
    '',
    'sha256:abc',
    `sha256:${'A'.repeat(64)}`,
    `sha512:${'a'.repeat(64)}`,
    `${digest('a')}\nimage: evil`,
    'latest',
  ]) {
    test(`refuses the digest ${JSON.stringify(bad)} before editing anything`, () => {
      const { gitops, app } = setup()
      const before = gitops.head()
      const result = bump({ DIGEST: bad, GITOPS_REPO: gitops.url, APP_REPO: app.url, DEPLOY_SHA: app.head() })
      expect(result.exitCode).not.toBe(0)
      expect(gitops.head()).toBe(before)
    })
  }

  test('steps aside when the commit it built is no longer the head of main', () => {
    const { gitops, app } = setup(digest('b'))
    const built = app.head()
    app.commit('a newer change, deployed by its own pipeline')
    const before = gitops.head()
    const result = bump({ DIGEST: digest('a'), GITOPS_REPO: gitops.url, APP_REPO: app.url, DEPLOY_SHA: built })
    expect(result.exitCode).toBe(0)
    expect(result.output).toContain('skipping')
    expect(gitops.head()).toBe(before)
    expect(gitops.file(deployFile)).toContain(digest('b'))
  })

  test('a second run with the same digest commits nothing', () => {
    const { gitops, app } = setup()
    const env = { DIGEST: digest('c'), GITOPS_REPO: gitops.url, APP_REPO: app.url, DEPLOY_SHA: app.head() }
    expect(bump(env).exitCode).toBe(0)
    const after = gitops.head()
    const again = bump(env)
    expect(again.exitCode).toBe(0)
    expect(again.output).toContain('nothing to commit')
    expect(gitops.head()).toBe(after)
  })

  test('a push rejected because another push landed first is redone on top of it', () => {
    const { gitops, app } = setup()
    // The GitOps server's hook lands someone else's commit while our push is being received, once,
    // so our push finds main moved under it exactly as in a real race.
    const hook = join(gitops.url, 'hooks/pre-receive')
    writeFileSync(
      hook,
      `#!/usr/bin/env bash
set -e
[ -e "$GIT_DIR/raced" ] && exit 0
touch "$GIT_DIR/raced"
unset GIT_QUARANTINE_PATH GIT_OBJECT_DIRECTORY GIT_ALTERNATE_OBJECT_DIRECTORIES
parent=$(git rev-parse refs/heads/main)
blob=$(printf 'other: 2\\n' | git hash-object -w --stdin)
export GIT_INDEX_FILE="$GIT_DIR/race-index"
git read-tree main
git update-index --cacheinfo 100644,"$blob",apps/other.yaml
commit=$(git commit-tree "$(git write-tree)" -p "$parent" -m 'a concurrent change')
git update-ref refs/heads/main "$commit" "$parent"
`,
    )
    chmodSync(hook, 0o755)
    const result = bump({ DIGEST: digest('d'), GITOPS_REPO: gitops.url, APP_REPO: app.url, DEPLOY_SHA: app.head() })
    expect(result.output).toContain('rebasing')
    expect(result.exitCode).toBe(0)
    expect(gitops.file(deployFile)).toContain(digest('d'))
    expect(gitops.file('apps/other.yaml')).toBe('other: 2')
    expect(git(scratch, '--git-dir', gitops.url, 'log', '--format=%s', 'main')).toStartWith(
      `view-counter: deploy ${digest('d')}`,
    )
  })

  test('gives up, failing, after a bounded number of rejected pushes', () => {
    const { gitops, app } = setup()
    const hook = join(gitops.url, 'hooks/pre-receive')
    writeFileSync(hook, '#!/bin/sh\necho always rejected >&2\nexit 1\n')
    chmodSync(hook, 0o755)
    const result = bump({
      DIGEST: digest('e'),
      GITOPS_REPO: gitops.url,
      APP_REPO: app.url,
      DEPLOY_SHA: app.head(),
      PUSH_ATTEMPTS: '3',
    })
    expect(result.exitCode).toBe(1)
    expect(result.output.match(/push rejected/g)?.length).toBe(3)
    expect(gitops.file(deployFile)).toContain(placeholder)
  })
})

test('the deploy job runs this script with the digest of the build and the commit it built', () => {
  const workflow = readFileSync(join(repoRoot, '.forgejo/workflows/ship.yml'), 'utf8')
  expect(workflow).toMatch(/^ +\.forgejo\/scripts\/bump-digest\.sh$/m)
  expect(workflow).toMatch(/DEPLOY_SHA: \$\{\{ github\.sha \}\}/)
})
