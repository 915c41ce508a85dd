// Builds the real Dockerfile with buildah on local stand-in base images, for linux/amd64 and
// linux/arm64 as the pipeline does, joins both into one image index, then runs each image this
// machine can execute (its own architecture; arm64 too when binfmt has QEMU registered) the way the
// Deployment does (non-root, read-only root, only /tmp writable, no capabilities) against the local
// PostgreSQL, and checks /health, /ready, the compose file's health check, a POST and a GET, the
// image contents and a clean SIGTERM exit. Prints a result table with the image size and the size
// of our own layers.
// Needs: buildah, podman, runc, libc6-arm64-cross (apt), npm (for the arm64 Bun), PostgreSQL on
// 127.0.0.1:5432 (user postgres, trust auth); qemu-user-static + binfmt-support to run arm64.

import { existsSync, mkdirSync, readFileSync } from 'node:fs'
import { $ } from 'bun'
import { parse } from 'yaml'
import { type Arch, architectures, buildStandIns, foreignBun, hostArch, standInNames } from './image/stand-ins.ts'

const work = process.env.IMAGE_TEST_DIR ?? '/var/tmp/view-counter-image-test'
const storage = ['--root', `${work}/storage`, '--runroot', `${work}/run`, '--storage-driver', 'vfs']
const index = 'localhost/view-counter:image-test'
const imageFor = (arch: Arch) => `${index}-${arch}`
const containerFor = (arch: Arch) => `view-counter-image-test-${arch}-${process.pid}`
const databaseFor = (arch: Arch) => `view_counter_image_test_${arch}`
const portFor = (arch: Arch) => 19313 + (process.pid % 500) + architectures.indexOf(arch)
const results: { check: string; result: string }[] = []
const composeHealthcheck = (
  parse(readFileSync('deploy/compose/compose.yaml', 'utf8')).services['view-counter'].healthcheck.test as string[]
).slice(1)
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
const podman = (args: string[]) =>
  run('podman', [...storage, '--cgroup-manager', 'cgroupfs', '--runtime', 'runc', ...args])

function mib(bytes: number) {
  return `${(bytes / 1024 / 1024).toFixed(1)} MiB`
}

async function imageSize(name: string) {
  const [info] = JSON.parse(await podman(['image', 'inspect', name])) as {
    Size: number
    RootFS: { Layers: string[] }
  }[]
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

// The ELF header's machine field: the binary that will run is the one for the image's platform.
const elfMachine: Record<Arch, number> = { amd64: 0x3e, arm64: 0xb7 }

async function inspectFilesystem(arch: Arch) {
  const image = imageFor(arch)
  const ctr = (await buildah(['from', '--pull=never', '--platform', `linux/${arch}`, image])).trim()
  try {
    const root = (await buildah(['mount', ctr])).trim()
    const exists = async (path: string) => (await $`test -e ${root}${path}`.nothrow().quiet()).exitCode === 0
    const machine = readFileSync(`${root}/usr/local/bin/bun`).readUInt16LE(18)
    record(`${arch}: bun is a ${arch} binary`, machine === elfMachine[arch], `ELF machine 0x${machine.toString(16)}`)
    // The install ran on the build machine's platform; only platform-free JavaScript may come out of it.
    const native = (await $`find ${root}/app/node_modules -name '*.node'`.text()).trim()
    record(`${arch}: no native addons in node_modules`, native === '', native.replaceAll(root, ''))
    record(`${arch}: migrations in /app/drizzle`, await exists('/app/drizzle/meta/_journal.json'))
    record(`${arch}: no shell in final image`, !(await exists('/bin/sh')))
    record(`${arch}: no .env or bunfig.toml`, !(await exists('/app/.env')) && !(await exists('/app/bunfig.toml')))
    record(
      `${arch}: no dev dependencies`,
      !(await exists('/app/node_modules/drizzle-kit')) && !(await exists('/app/node_modules/typescript')),
    )
    record(`${arch}: no PGlite`, !(await exists('/app/node_modules/@electric-sql')))
    record(`${arch}: no tests`, !(await exists('/app/tests')))
  } finally {
    await buildah(['rm', ctr])
  }
}

async function inspectConfig(arch: Arch) {
  const [config] = JSON.parse(await podman(['image', 'inspect', imageFor(arch)])) as {
    Architecture: string
    Config: { User?: string; ExposedPorts?: Record<string, unknown>; Env?: string[] }
  }[]
  record(`${arch}: image platform`, config!.Architecture === arch, `linux/${config!.Architecture}`)
  record(`${arch}: numeric non-root USER`, /^[1-9]\d*(:\d+)?$/.test(config!.Config.User ?? ''), config!.Config.User)
  record(`${arch}: EXPOSE 9313`, Object.keys(config!.Config.ExposedPorts ?? {}).includes('9313/tcp'))
  record(`${arch}: transpiler cache off`, (config!.Config.Env ?? []).includes('BUN_RUNTIME_TRANSPILER_CACHE_PATH=0'))
}

// The pipeline pushes one index and signs its digest; this builds the same index locally.
async function assembleIndex(arches: Arch[]) {
  await buildah(['manifest', 'rm', index]).catch(() => '')
  await buildah(['manifest', 'create', index])
  for (const arch of arches) await buildah(['manifest', 'add', index, imageFor(arch)])
  const layout = `${work}/index-layout`
  await $`rm -rf ${layout}`
  await buildah(['manifest', 'push', '--all', '--format', 'oci', index, `oci:${layout}`])
  const top = JSON.parse(readFileSync(`${layout}/index.json`, 'utf8')) as { manifests: { digest: string }[] }
  const digest = top.manifests[0]!.digest
  const list = JSON.parse(readFileSync(`${layout}/blobs/${digest.replace(':', '/')}`, 'utf8')) as {
    manifests: { platform: { os: string; architecture: string } }[]
  }
  const platforms = list.manifests.map(({ platform }) => `${platform.os}/${platform.architecture}`).sort()
  record(
    'one index for both platforms',
    platforms.join(',') ===
      arches
        .map((arch) => `linux/${arch}`)
        .sort()
        .join(','),
    `${platforms.join(' + ')}, ${digest.slice(0, 19)}…`,
  )
}

/** Whether this machine can execute the architecture's binaries (natively or through binfmt + QEMU). */
function canRun(arch: Arch): boolean {
  if (arch === hostArch) return true
  const handler = `/proc/sys/fs/binfmt_misc/qemu-${arch === 'arm64' ? 'aarch64' : 'x86_64'}`
  return existsSync(handler) && readFileSync(handler, 'utf8').startsWith('enabled')
}

async function runAgainstPostgres(arch: Arch) {
  const [image, container, database, port] = [imageFor(arch), containerFor(arch), databaseFor(arch), portFor(arch)]
  // Under QEMU everything runs several times slower, and the emulator's own memory (its translated
  // code, about 170 MiB measured) counts against the container's limit: the pod's 128 MiB holds
  // for native runs only.
  const emulated = arch !== hostArch
  const startMs = emulated ? 120_000 : 20_000
  await $`psql -h 127.0.0.1 -U postgres -d postgres -qc ${`drop database if exists ${database}`} -c ${`create database ${database}`}`.quiet()
  await podman([
    'run',
    '--detach',
    '--name',
    container,
    '--read-only',
    '--read-only-tmpfs=false',
    '--tmpfs',
    '/tmp:rw,size=16m,mode=1777',
    '--cap-drop',
    'ALL',
    '--security-opt',
    'no-new-privileges',
    '--network',
    'host',
    '--memory',
    emulated ? '512m' : '128m',
    // Podman's root defaults for these exceed what this sandbox lets a process raise them to.
    '--ulimit',
    'nofile=1024:1024',
    '--ulimit',
    'nproc=4096:4096',
    // The same variables the Deployment provides (ConfigMap + Secret).
    '--env',
    'DB_HOST=127.0.0.1',
    '--env',
    'DB_PORT=5432',
    '--env',
    `DB_NAME=${database}`,
    '--env',
    'DB_USER=postgres',
    '--env',
    'DB_PASSWORD=',
    '--env',
    `PORT=${port}`,
    '--env',
    'CORS_ORIGINS=https://uclab.dev',
    '--platform',
    `linux/${arch}`,
    image,
  ])
  const base = `http://127.0.0.1:${port}`
  const t0 = performance.now()
  const health = await waitFor(`${base}/health`, startMs)
  record(
    `${arch}: GET /health`,
    ((await health.json()) as { status: string }).status === 'ok',
    `${Math.round(performance.now() - t0)} ms to first answer`,
  )
  await waitFor(`${base}/ready`, startMs)
  record(`${arch}: GET /ready (migrated)`, true)
  // The image has no shell or curl: deploy/compose/compose.yaml's health check runs its own Bun.
  const healthcheck = composeHealthcheck.map((arg) => arg.replace('127.0.0.1:9313', `127.0.0.1:${port}`))
  await podman(['exec', container, ...healthcheck])
  record(`${arch}: compose health check exits 0`, true, healthcheck.slice(0, 2).join(' '))
  // A browser's request, so the app's bot filter lets the view count.
  const visitor = {
    'user-agent': 'Mozilla/5.0 (X11; Linux x86_64; rv:128.0) Gecko/20100101 Firefox/128.0',
    origin: 'https://uclab.dev',
  }
  const post = await fetch(`${base}/views/posts/image-test/`, { method: 'POST', headers: visitor })
  const posted = (await post.json()) as { count: number }
  record(`${arch}: POST /views/posts/image-test/`, post.ok && posted.count === 1, `count ${posted.count}`)
  const get = await fetch(`${base}/views/posts/image-test/`, { headers: visitor })
  const got = (await get.json()) as { count: number }
  record(`${arch}: GET /views/posts/image-test/`, get.ok && got.count === 1, `count ${got.count}`)
  const [hostUser, capabilities] = (await podman(['top', container, 'huser', 'capeff']))
    .trim()
    .split('\n')
    .at(-1)!
    .trim()
    .split(/\s+/)
  record(
    `${arch}: process runs as uid 65532, no capabilities`,
    hostUser === '65532' && capabilities === 'none',
    `${hostUser}, ${capabilities}`,
  )
  const t1 = performance.now()
  await podman(['stop', '--time', '15', container])
  const stopMs = Math.round(performance.now() - t1)
  const exitCode = (await podman(['inspect', '--format', '{{.State.ExitCode}}', container])).trim()
  record(`${arch}: SIGTERM exits 0`, exitCode === '0', `exit ${exitCode} after ${stopMs} ms`)
}

async function buildImage(arch: Arch) {
  const build = await $`buildah ${storage} bud --isolation chroot --layers=false --pull=never ${[
    '--platform',
    `linux/${arch}`,
    // BuildKit predefines these; Debian 12's buildah 1.28 does not.
    '--build-arg',
    `BUILDPLATFORM=linux/${hostArch}`,
    '--build-arg',
    `TARGETPLATFORM=linux/${arch}`,
    '--build-arg',
    `BUN_IMAGE=${standInNames.builder}`,
    '--build-arg',
    `RUNTIME_IMAGE=${standInNames.runtime(arch)}`,
    '-t',
    imageFor(arch),
    '.',
  ]}`
    .nothrow()
    .quiet()
  if (build.exitCode !== 0) {
    console.error(build.stdout.toString(), build.stderr.toString())
    throw new Error(`buildah bud for linux/${arch} failed`)
  }
}

async function runImage(arch: Arch) {
  try {
    await runAgainstPostgres(arch)
  } finally {
    const logs = await podman(['logs', containerFor(arch)]).catch(() => '')
    if (logs)
      console.log(
        logs
          .trim()
          .split('\n')
          .map((line) => `  | ${line}`)
          .join('\n'),
      )
    await podman(['rm', '--force', containerFor(arch)]).catch(() => '')
    await $`psql -h 127.0.0.1 -U postgres -d postgres -qc ${`drop database if exists ${databaseFor(arch)}`}`
      .nothrow()
      .quiet()
  }
}

async function main() {
  mkdirSync(work, { recursive: true })
  for (const tool of ['buildah', 'podman', 'runc', 'psql', 'npm']) {
    if (!Bun.which(tool))
      throw new Error(`${tool} missing: apt-get install -y buildah podman runc postgresql-client npm`)
  }
  step("building stand-in base images (this machine's Bun, and npm's Bun for the other architecture)")
  const runtimes: Partial<Record<Arch, string>> = {}
  for (const arch of architectures)
    runtimes[arch] = arch === hostArch ? process.execPath : await foreignBun(arch, Bun.version, work)
  await buildStandIns(buildah, Bun.version, runtimes)
  const buildSeconds: string[] = []
  for (const arch of architectures) {
    step(`building the Dockerfile for linux/${arch} (vfs, chroot isolation)`)
    const buildStart = performance.now()
    await buildImage(arch)
    buildSeconds.push(`${arch} ${((performance.now() - buildStart) / 1000).toFixed(1)} s`)
    record(`${arch}: buildah bud`, true, buildSeconds.at(-1))
    await inspectConfig(arch)
    await inspectFilesystem(arch)
  }
  step('joining both images into one index')
  await assembleIndex([...architectures])
  // Our layers are whatever the image adds on top of the runtime base (uncompressed sizes).
  const base = await imageSize(standInNames.runtime(hostArch))
  const built = await imageSize(imageFor(hostArch))
  const ownLayers = built.layers.filter((layer) => !base.layers.includes(layer)).length
  for (const arch of architectures) {
    if (!canRun(arch)) {
      results.push({ check: `${arch}: run against PostgreSQL`, result: 'not run (no binfmt handler for QEMU)' })
      continue
    }
    step(`running the linux/${arch} image against PostgreSQL${arch === hostArch ? '' : ' (emulated by QEMU)'}`)
    await runImage(arch)
  }
  console.log(
    `\nimage (${hostArch}) ${mib(built.bytes)} uncompressed: base (stand-in for ${'oven/bun:1.4.5-distroless'}) ${mib(base.bytes)}, our ${ownLayers} layer(s) ${mib(built.bytes - base.bytes)}; builds: ${buildSeconds.join(', ')}`,
  )
}

try {
  await main()
} catch (error) {
  console.error(`\n${(error as Error).message}`)
  process.exitCode = 1
} finally {
  console.log('\n| check | result |\n|---|---|')
  for (const { check, result } of results) console.log(`| ${check} | ${result} |`)
  console.log(
    `\nimage-test: ${results.filter((r) => r.result.startsWith('ok')).length} passed, ${results.filter((r) => r.result.startsWith('FAIL')).length} failed`,
  )
}
