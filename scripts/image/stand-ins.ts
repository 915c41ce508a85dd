// Local stand-ins for the oven/bun base images, which cannot be pulled here (only the npm registry
// is reachable). Each is a scratch rootfs holding the Bun binary that runs this script (the npm
// `bun` package, the same version the Dockerfile pins) plus the glibc it links against, laid out
// like the real images: bun at /usr/local/bin/bun, the distroless "nonroot" user 65532, a /tmp.
// The builder stand-in adds /bin/sh and rm, as the Debian-based oven/bun image has them, and this
// machine's CA bundle, because registry traffic here passes a TLS-inspecting egress proxy.
import { $ } from 'bun'
import { chmodSync, copyFileSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { dirname, join } from 'node:path'

export interface Buildah {
  (args: string[]): Promise<string>
}

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

async function commitRootfs(buildah: Buildah, root: string, name: string, bunVersion: string, env: string[]) {
  const container = (await buildah(['from', 'scratch'])).trim()
  try {
    await buildah(['copy', container, root, '/'])
    await buildah([
      'config',
      '--env', 'PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin',
      '--env', 'BUN_RUNTIME_TRANSPILER_CACHE_PATH=0',
      '--entrypoint', '["/usr/local/bin/bun"]',
      '--label', `view-counter.stand-in-bun=${bunVersion}`,
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

export const standInNames = {
  builder: 'localhost/oven/bun:1.4.5',
  runtime: 'localhost/oven/bun:1.4.5-distroless',
}

export async function buildStandIns(buildah: Buildah, bunBinary: string, bunVersion: string) {
  for (const [kind, name] of Object.entries(standInNames)) {
    const root = mkdtempSync(join(tmpdir(), `stand-in-${kind}-`))
    try {
      await copyWithLibraries(root, bunBinary, '/usr/local/bin/bun')
      const env: string[] = []
      if (kind === 'builder') {
        await copyWithLibraries(root, '/bin/dash', '/bin/sh')
        await copyWithLibraries(root, '/bin/rm')
        mkdirSync(join(root, 'etc/ssl/certs'), { recursive: true })
        copyFileSync(hostCaBundle, join(root, hostCaBundle))
        env.push(`NODE_EXTRA_CA_CERTS=${hostCaBundle}`)
      }
      writeDistrolessEtc(root)
      await commitRootfs(buildah, root, name, bunVersion, env)
    } finally {
      rmSync(root, { recursive: true, force: true })
    }
  }
}
