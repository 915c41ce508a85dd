// Local stand-ins for the oven/bun base images, which cannot be pulled here (only the npm registry
// is reachable). Each is a scratch rootfs holding the Bun binary that runs this script (the npm
// `bun` package, the same version the Dockerfile pins) plus the glibc it links against, laid out
// like the real images: bun at /usr/local/bin/bun, the distroless "nonroot" user 65532, a /tmp.
// The builder stand-in adds /bin/sh and rm, as the Debian-based oven/bun image has them, and this
// machine's CA bundle, because registry traffic here passes a TLS-inspecting egress proxy.
// The arm64 runtime stand-in holds the npm `@oven/bun-linux-aarch64` binary of the same version
// and Debian's arm64 glibc (package libc6-arm64-cross), in the places an arm64 Debian has them.

import { chmodSync, copyFileSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { dirname, join } from 'node:path'
import { $ } from 'bun'

export type Buildah = (args: string[]) => Promise<string>

async function sharedLibraries(binary: string): Promise<string[]> {
  const out = await $`ldd ${binary}`.text()
  // "libc.so.6 => /lib/x86_64-linux-gnu/libc.so.6 (0x...)" and "/lib64/ld-linux-x86-64.so.2 (0x...)"
  return [...out.matchAll(/(\/\S+) \(0x/g)].map((match) => match[1]!)
}

async function copyWithLibraries(root: string, binary: string, target = binary) {
  mkdirSync(join(root, dirname(target)), { recursive: true })
  copyFileSync(binary, join(root, target))
  chmodSync(join(root, target), 0o755)
  for (const library of await sharedLibraries(binary)) {
    const real = (await $`readlink -f ${library}`.text()).trim()
    mkdirSync(join(root, dirname(library)), { recursive: true })
    copyFileSync(real, join(root, library))
  }
}

function writeDistrolessEtc(root: string) {
  mkdirSync(join(root, 'etc'), { recursive: true })
  writeFileSync(
    join(root, 'etc/passwd'),
    'root:x:0:0:root:/root:/sbin/nologin\nnobody:x:65534:65534:nobody:/nonexistent:/sbin/nologin\nnonroot:x:65532:65532:nonroot:/home/nonroot:/sbin/nologin\n',
  )
  writeFileSync(join(root, 'etc/group'), 'root:x:0:\nnobody:x:65534:\nnonroot:x:65532:\n')
  writeFileSync(join(root, 'etc/nsswitch.conf'), 'passwd: files\ngroup: files\nhosts: files dns\n')
  mkdirSync(join(root, 'tmp'), { recursive: true })
  chmodSync(join(root, 'tmp'), 0o1777)
  mkdirSync(join(root, 'home/nonroot'), { recursive: true })
  mkdirSync(join(root, 'root'), { recursive: true })
}

async function commitRootfs(
  buildah: Buildah,
  root: string,
  name: string,
  bunVersion: string,
  env: string[],
  arch: Arch,
) {
  const container = (await buildah(['from', 'scratch'])).trim()
  try {
    await buildah(['copy', container, root, '/'])
    await buildah([
      'config',
      '--os',
      'linux',
      '--arch',
      arch,
      '--env',
      'PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin',
      '--env',
      'BUN_RUNTIME_TRANSPILER_CACHE_PATH=0',
      '--entrypoint',
      '["/usr/local/bin/bun"]',
      '--label',
      `view-counter.stand-in-bun=${bunVersion}`,
      ...env.flatMap((pair) => ['--env', pair]),
      container,
    ])
    await buildah(['commit', '--rm', container, name])
  } catch (error) {
    await buildah(['rm', container]).catch(() => {})
    throw error
  }
}

const hostCaBundle = '/etc/ssl/certs/ca-certificates.crt'
const arm64Glibc = '/usr/aarch64-linux-gnu/lib'

export const architectures = ['amd64', 'arm64'] as const
export type Arch = (typeof architectures)[number]

export const standInNames = {
  builder: 'localhost/oven/bun:1.4.5',
  runtime: (arch: Arch) => `localhost/oven/bun:1.4.5-distroless-${arch}`,
}

/** Where this machine's own architecture is concerned, the Bun binary running this script. */
export const hostArch: Arch = process.arch === 'arm64' ? 'arm64' : 'amd64'

// The arm64 Bun of the same version, from npm (the only registry reachable here), kept between runs.
export async function foreignBun(arch: Arch, bunVersion: string, cacheDir: string): Promise<string> {
  const binary = join(cacheDir, `bun-linux-${arch}-${bunVersion}`)
  if (await Bun.file(binary).exists()) return binary
  const pkg = `@oven/bun-linux-${arch === 'arm64' ? 'aarch64' : 'x64'}@${bunVersion}`
  const tarball = (await $`npm pack --silent --pack-destination ${cacheDir} ${pkg}`.text()).trim().split('\n').at(-1)!
  await $`tar -xzf ${join(cacheDir, tarball)} -C ${cacheDir} package/bin/bun`
  await $`mv ${join(cacheDir, 'package/bin/bun')} ${binary}`
  rmSync(join(cacheDir, tarball))
  return binary
}

async function copyArm64Glibc(root: string) {
  if (!(await Bun.file(join(arm64Glibc, 'libc.so.6')).exists()))
    throw new Error(`${arm64Glibc} missing: apt-get install -y libc6-arm64-cross`)
  mkdirSync(join(root, 'lib/aarch64-linux-gnu'), { recursive: true })
  for (const library of [
    'ld-linux-aarch64.so.1',
    'libc.so.6',
    'libm.so.6',
    'libpthread.so.0',
    'libdl.so.2',
    'librt.so.1',
  ]) {
    copyFileSync(join(arm64Glibc, library), join(root, 'lib/aarch64-linux-gnu', library))
  }
  copyFileSync(join(arm64Glibc, 'ld-linux-aarch64.so.1'), join(root, 'lib/ld-linux-aarch64.so.1'))
}

async function buildStandIn(
  buildah: Buildah,
  name: string,
  bunVersion: string,
  arch: Arch,
  fill: (root: string) => Promise<string[]>,
) {
  const root = mkdtempSync(join(tmpdir(), 'stand-in-'))
  try {
    const env = await fill(root)
    writeDistrolessEtc(root)
    await commitRootfs(buildah, root, name, bunVersion, env, arch)
  } finally {
    rmSync(root, { recursive: true, force: true })
  }
}

/** The builder for this machine, and a runtime image for each architecture given its Bun binary. */
export async function buildStandIns(buildah: Buildah, bunVersion: string, runtimes: Partial<Record<Arch, string>>) {
  await buildStandIn(buildah, standInNames.builder, bunVersion, hostArch, async (root) => {
    await copyWithLibraries(root, process.execPath, '/usr/local/bin/bun')
    await copyWithLibraries(root, '/bin/dash', '/bin/sh')
    await copyWithLibraries(root, '/bin/rm')
    mkdirSync(join(root, 'etc/ssl/certs'), { recursive: true })
    copyFileSync(hostCaBundle, join(root, hostCaBundle))
    return [`NODE_EXTRA_CA_CERTS=${hostCaBundle}`]
  })
  for (const [arch, bunBinary] of Object.entries(runtimes) as [Arch, string][]) {
    await buildStandIn(buildah, standInNames.runtime(arch), bunVersion, arch, async (root) => {
      if (arch === hostArch) {
        await copyWithLibraries(root, bunBinary, '/usr/local/bin/bun')
      } else {
        mkdirSync(join(root, 'usr/local/bin'), { recursive: true })
        copyFileSync(bunBinary, join(root, 'usr/local/bin/bun'))
        chmodSync(join(root, 'usr/local/bin/bun'), 0o755)
        if (arch !== 'arm64') throw new Error(`no stand-in C library for ${arch}`)
        await copyArm64Glibc(root)
      }
      return []
    })
  }
}
