// Builds the real Dockerfile with buildah on local stand-in base images, then runs the image the
// way the Deployment does (non-root, read-only root, only /tmp writable, no capabilities) against
// the local PostgreSQL, and checks /health, /ready, a POST and a GET, the image contents and a
// clean SIGTERM exit. Prints a result table with the image size and the size of our own layers.
// Needs: buildah, podman (apt), PostgreSQL on 127.0.0.1:5432 (user postgres, trust auth).
import { $ } from 'bun'
import { mkdirSync } from 'node:fs'
import { buildStandIns, standInNames } from './image/stand-ins.ts'

const work = process.env.IMAGE_TEST_DIR ?? '/var/tmp/view-counter-image-test'
const storage = ['--root', `${work}/storage`, '--runroot', `${work}/run`, '--storage-driver', 'vfs']
const image = 'localhost/view-counter:image-test'
const container = `view-counter-image-test-${process.pid}`
const database = 'view_counter_image_test'
const port = 19313 + (process.pid % 500)
const results: { check: string; result: string }[] = []
const started = performance.now()

function step(message: string) {
  console.log(`[image-test ${((performance.now() - started) / 1000).toFixed(1)}s] ${message}`)
}

function record(check: string, ok: boolean, detail = '') {
  results.push({ check, result: `${ok ? 'ok' : 'FAIL'}${detail ? ` (${detail})` : ''}` })
  if (!ok) throw new Error(`${check} failed${detail ? `: ${detail}` : ''}`)
}

async function run(tool: string, args: string[]) {
  const result = await $`${tool} ${args}`.nothrow().quiet()
  if (result.exitCode !== 0) throw new Error(`${tool} ${args.join(' ')}\n${result.stderr.toString().trim()}`)
  return result.stdout.toString()
}

const buildah = (args: string[]) => run('buildah', [...storage, ...args])
// runc rather than crun: crun refuses this sandbox's hybrid cgroup layout.
const podman = (args: string[]) => run('podman', [...storage, '--cgroup-manager', 'cgroupfs', '--runtime', 'runc', ...args])

function mib(bytes: number) {
  return `${(bytes / 1024 / 1024).toFixed(1)} MiB`
}

async function imageSize(name: string) {
  const [info] = JSON.parse(await podman(['image', 'inspect', name])) as { Size: number; RootFS: { Layers: string[] } }[]
  return { bytes: info!.Size, layers: info!.RootFS.Layers }
}

async function waitFor(url: string, timeoutMs: number) {
  const deadline = Date.now() + timeoutMs
  let last = ''
  while (Date.now() < deadline) {
    try {
      const response = await fetch(url)
      if (response.ok) return response
      last = `HTTP ${response.status}`
    } catch (error) {
      last = (error as Error).message
    }
    await Bun.sleep(250)
  }
  throw new Error(`${url} not ok after ${timeoutMs} ms: ${last}`)
}

async function inspectFilesystem() {
  const ctr = (await buildah(['from', '--pull=never', image])).trim()
  try {
    const root = (await buildah(['mount', ctr])).trim()
    const exists = async (path: string) => (await $`test -e ${root}${path}`.nothrow().quiet()).exitCode === 0
    record('migrations in /app/drizzle', await exists('/app/drizzle/meta/_journal.json'))
    record('no shell in final image', !(await exists('/bin/sh')))
    record('no .env or bunfig.toml', !(await exists('/app/.env')) && !(await exists('/app/bunfig.toml')))
    record('no dev dependencies', !(await exists('/app/node_modules/drizzle-kit')) && !(await exists('/app/node_modules/typescript')))
    record('no PGlite', !(await exists('/app/node_modules/@electric-sql')))
    record('no tests', !(await exists('/app/tests')))
  } finally {
    await buildah(['rm', ctr])
  }
}

async function inspectConfig() {
  const [config] = JSON.parse(await podman(['image', 'inspect', image])) as {
    Config: { User?: string; ExposedPorts?: Record<string, unknown>; Env?: string[] }
  }[]
  record('numeric non-root USER', /^[1-9]\d*(:\d+)?$/.test(config!.Config.User ?? ''), config!.Config.User)
  record('EXPOSE 9313', Object.keys(config!.Config.ExposedPorts ?? {}).includes('9313/tcp'))
  record('transpiler cache off', (config!.Config.Env ?? []).includes('BUN_RUNTIME_TRANSPILER_CACHE_PATH=0'))
}

async function runAgainstPostgres() {
  await $`psql -h 127.0.0.1 -U postgres -d postgres -qc ${`drop database if exists ${database}`} -c ${`create database ${database}`}`.quiet()
  await podman([
    'run', '--detach', '--name', container,
    '--read-only', '--read-only-tmpfs=false', '--tmpfs', '/tmp:rw,size=16m,mode=1777',
    '--cap-drop', 'ALL', '--security-opt', 'no-new-privileges',
    '--network', 'host', '--memory', '128m',
    // Podman's root defaults for these exceed what this sandbox lets a process raise them to.
    '--ulimit', 'nofile=1024:1024', '--ulimit', 'nproc=4096:4096',
    // The same variables the Deployment provides (ConfigMap + Secret).
    '--env', 'DB_HOST=127.0.0.1', '--env', 'DB_PORT=5432', '--env', `DB_NAME=${database}`,
    '--env', 'DB_USER=postgres', '--env', 'DB_PASSWORD=', '--env', `PORT=${port}`,
    image,
  ])
  const base = `http://127.0.0.1:${port}`
  const t0 = performance.now()
  const health = await waitFor(`${base}/health`, 20_000)
  record('GET /health', ((await health.json()) as { status: string }).status === 'ok', `${Math.round(performance.now() - t0)} ms to first answer`)
  await waitFor(`${base}/ready`, 20_000)
  record('GET /ready (migrated)', true)
  // A browser's request, so the app's bot filter lets the view count.
  const visitor = { 'user-agent': 'Mozilla/5.0 (X11; Linux x86_64; rv:128.0) Gecko/20100101 Firefox/128.0', origin: 'https://uclab.dev' }
  const post = await fetch(`${base}/views/posts/image-test/`, { method: 'POST', headers: visitor })
  const posted = (await post.json()) as { count: number }
  record('POST /views/posts/image-test/', post.ok && posted.count === 1, `count ${posted.count}`)
  const get = await fetch(`${base}/views/posts/image-test/`, { headers: visitor })
  const got = (await get.json()) as { count: number }
  record('GET /views/posts/image-test/', get.ok && got.count === 1, `count ${got.count}`)
  const [hostUser, capabilities] = (await podman(['top', container, 'huser', 'capeff'])).trim().split('\n').at(-1)!.trim().split(/\s+/)
  record('process runs as uid 65532, no capabilities', hostUser === '65532' && capabilities === 'none', `${hostUser}, ${capabilities}`)
  const t1 = performance.now()
  await podman(['stop', '--time', '15', container])
  const stopMs = Math.round(performance.now() - t1)
  const exitCode = (await podman(['inspect', '--format', '{{.State.ExitCode}}', container])).trim()
  record('SIGTERM exits 0', exitCode === '0', `exit ${exitCode} after ${stopMs} ms`)
}

async function main() {
  mkdirSync(work, { recursive: true })
  for (const tool of ['buildah', 'podman', 'runc', 'psql']) {
    if (!Bun.which(tool)) throw new Error(`${tool} missing: apt-get install -y buildah podman runc postgresql-client`)
  }
  step('building stand-in base images from the local Bun binary')
  await buildStandIns(buildah, process.execPath, Bun.version)
  step('building the Dockerfile (vfs, chroot isolation)')
  const buildStart = performance.now()
  const build = await $`buildah ${storage} bud --isolation chroot --layers=false --pull=never ${[
    '--build-arg', `BUN_IMAGE=${standInNames.builder}`,
    '--build-arg', `RUNTIME_IMAGE=${standInNames.runtime}`,
    '-t', image, '.',
  ]}`.nothrow().quiet()
  if (build.exitCode !== 0) {
    console.error(build.stdout.toString(), build.stderr.toString())
    throw new Error('buildah bud failed')
  }
  const buildSeconds = ((performance.now() - buildStart) / 1000).toFixed(1)
  record('buildah bud', true, `${buildSeconds} s`)
  step('inspecting the image')
  await inspectConfig()
  await inspectFilesystem()
  // Our layers are whatever the image adds on top of the runtime base (uncompressed sizes).
  const base = await imageSize(standInNames.runtime)
  const built = await imageSize(image)
  const ownLayers = built.layers.filter((layer) => !base.layers.includes(layer)).length
  step('running the image against PostgreSQL')
  try {
    await runAgainstPostgres()
  } finally {
    const logs = await podman(['logs', container]).catch(() => '')
    if (logs) console.log(logs.trim().split('\n').map((line) => `  | ${line}`).join('\n'))
    await podman(['rm', '--force', container]).catch(() => '')
    await $`psql -h 127.0.0.1 -U postgres -d postgres -qc ${`drop database if exists ${database}`}`.nothrow().quiet()
  }
  console.log(`\nimage ${mib(built.bytes)} uncompressed: base (stand-in for ${'oven/bun:1.4.5-distroless'}) ${mib(base.bytes)}, our ${ownLayers} layer(s) ${mib(built.bytes - base.bytes)}; build ${buildSeconds} s`)
}

try {
  await main()
} catch (error) {
  console.error(`\n${(error as Error).message}`)
  process.exitCode = 1
} finally {
  console.log('\n| check | result |\n|---|---|')
  for (const { check, result } of results) console.log(`| ${check} | ${result} |`)
  console.log(`\nimage-test: ${results.filter((r) => r.result.startsWith('ok')).length} passed, ${results.filter((r) => r.result.startsWith('FAIL')).length} failed`)
}
