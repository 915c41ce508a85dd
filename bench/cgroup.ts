import {
  closeSync,
  existsSync,
  mkdirSync,
  openSync,
  readFileSync,
  readSync,
  rmdirSync,
  writeFileSync,
  writeSync,
} from 'node:fs'
import type { PodLimits } from './pod-limits.ts'

// The files read and written here are the kernel's: Documentation/admin-guide/cgroup-v2.rst
// (cpu.max, cpu.stat throttled_usec, memory.max, memory.peak, memory.events oom_kill) and
// Documentation/admin-guide/cgroup-v1/memory.rst + scheduler/sched-bwc.rst (cpu.cfs_quota_us,
// cpu.stat throttled_time in ns, memory.limit_in_bytes, memory.max_usage_in_bytes, memory.oom_control).

export interface CgroupCounters {
  /** Time the group was held back by its CPU quota, µs, since it was made. */
  throttledUs: number
  /** Quota periods in which it was held back. */
  throttledPeriods: number
  /** Processes the kernel's OOM killer killed in it. */
  oomKills: number
}

export interface Cgroup {
  version: 1 | 2
  /** Its directories: one per v1 hierarchy, one for v2. */
  dirs: string[]
  /** A command prefix that moves the process into the group before it execs the rest, so its startup runs inside. */
  launcher: string[]
  /** Starts a new period for `peakBytes`. */
  resetPeak(): void
  /** The group's largest memory charge since the last reset (page cache included, as the limit counts it). */
  peakBytes(): number
  counters(): CgroupCounters
  /** The group has hit its limit and could not reclaim (v1 `under_oom`); false where the kernel does not say. */
  underOom(): boolean
  remove(): Promise<void>
}

export class CgroupUnavailable extends Error {}

const read = (file: string) => readFileSync(file, 'utf8')
const field = (text: string, key: string) => Number(text.match(new RegExp(`^${key} (\\d+)$`, 'm'))?.[1] ?? 0)

interface Mount {
  root: string
  point: string
  type: string
  options: string[]
}

function mounts(): Mount[] {
  return read('/proc/self/mountinfo')
    .trim()
    .split('\n')
    .map((line) => {
      const [before, after] = line.split(' - ')
      const fields = before!.split(' ')
      const [type, , superOptions] = after!.split(' ')
      return { root: fields[3]!, point: fields[4]!, type: type!, options: superOptions!.split(',') }
    })
    .filter((mount) => mount.type === 'cgroup' || mount.type === 'cgroup2')
}

/** This process's cgroup in the v1 hierarchy holding `controller`, or in v2 (`''`). */
function ownPath(controller: string): string | undefined {
  for (const line of read('/proc/self/cgroup').trim().split('\n')) {
    const [, controllers, path] = line.match(/^\d+:([^:]*):(.*)$/)!
    if (controllers!.split(',').includes(controller)) return path
  }
}

const inMount = (mount: Mount, path: string) =>
  `${mount.point}${mount.root !== '/' && path.startsWith(mount.root) ? path.slice(mount.root.length) : path}`

/**
 * A new cgroup with the pod's CPU quota and memory limit, beneath the one this process runs in
 * (so it stays inside whatever limits this process already has). v2 is used when its hierarchy
 * has the cpu and memory controllers, else v1; anything else is a CgroupUnavailable saying why.
 */
export function createCgroup(name: string, limits: PodLimits): Cgroup {
  const v2 = mounts().find((mount) => mount.type === 'cgroup2')
  const v2Controllers = v2 ? read(`${v2.point}/cgroup.controllers`).trim().split(' ') : []
  if (v2 && v2Controllers.includes('cpu') && v2Controllers.includes('memory')) return createV2(v2, name, limits)
  const cpu = mounts().find((mount) => mount.type === 'cgroup' && mount.options.includes('cpu'))
  const memory = mounts().find((mount) => mount.type === 'cgroup' && mount.options.includes('memory'))
  if (cpu && memory) return createV1(cpu, memory, name, limits)
  throw new CgroupUnavailable(
    `no cgroup hierarchy with the cpu and memory controllers: v2 ${v2 ? `at ${v2.point} has only [${v2Controllers.join(' ')}]` : 'is not mounted'}, ` +
      `v1 ${cpu ? '' : 'cpu '}${memory ? '' : 'memory '}is not mounted`,
  )
}

function makeDir(dir: string) {
  try {
    mkdirSync(dir)
  } catch (error) {
    throw new CgroupUnavailable(
      `cannot create ${dir} (${(error as NodeJS.ErrnoException).code}): the bench needs root and a writable /sys/fs/cgroup`,
    )
  }
}

const launcherFor = (procsFiles: string[]) => [
  'sh',
  '-c',
  'while [ "$1" != -- ]; do echo $$ > "$1" || exit 125; shift; done; shift; exec "$@"',
  'cgroup-join',
  ...procsFiles,
  '--',
]

async function removeDirs(dirs: string[]) {
  // A process that just exited may still be leaving the group for a moment.
  for (const dir of dirs) {
    for (let attempt = 0; existsSync(dir); attempt++) {
      try {
        rmdirSync(dir)
      } catch (error) {
        if (attempt >= 50) throw error
        await Bun.sleep(100)
      }
    }
  }
}

function createV1(cpuMount: Mount, memoryMount: Mount, name: string, limits: PodLimits): Cgroup {
  const cpu = `${inMount(cpuMount, ownPath('cpu') ?? '/')}/${name}`.replace('//', '/')
  const memory = `${inMount(memoryMount, ownPath('memory') ?? '/')}/${name}`.replace('//', '/')
  const dirs = [...new Set([cpu, memory])]
  for (const dir of dirs) makeDir(dir)
  writeFileSync(`${cpu}/cpu.cfs_period_us`, String(limits.periodUs))
  writeFileSync(`${cpu}/cpu.cfs_quota_us`, String(limits.quotaUs))
  writeFileSync(`${memory}/memory.limit_in_bytes`, String(limits.memoryBytes))
  // A pod gets no swap by default; memory+swap equal to memory means none here either.
  if (existsSync(`${memory}/memory.memsw.limit_in_bytes`))
    writeFileSync(`${memory}/memory.memsw.limit_in_bytes`, String(limits.memoryBytes))
  return {
    version: 1,
    dirs,
    launcher: launcherFor(dirs.map((dir) => `${dir}/cgroup.procs`)),
    resetPeak: () => writeFileSync(`${memory}/memory.max_usage_in_bytes`, '0'),
    peakBytes: () => Number(read(`${memory}/memory.max_usage_in_bytes`)),
    counters() {
      const stat = read(`${cpu}/cpu.stat`)
      return {
        throttledUs: field(stat, 'throttled_time') / 1000,
        throttledPeriods: field(stat, 'nr_throttled'),
        oomKills: field(read(`${memory}/memory.oom_control`), 'oom_kill'),
      }
    },
    underOom: () => field(read(`${memory}/memory.oom_control`), 'under_oom') === 1,
    remove: () => removeDirs(dirs),
  }
}

function createV2(mount: Mount, name: string, limits: PodLimits): Cgroup {
  // A v2 group holding processes cannot hand controllers to children, except the root: try our
  // own group first, then the hierarchy's root.
  const parents = [inMount(mount, ownPath('') ?? '/'), mount.point]
  let dir: string | undefined
  const failures: string[] = []
  for (const parent of [...new Set(parents)]) {
    try {
      const enabled = read(`${parent}/cgroup.subtree_control`).trim().split(' ')
      if (!enabled.includes('cpu') || !enabled.includes('memory'))
        writeFileSync(`${parent}/cgroup.subtree_control`, '+cpu +memory')
      dir = `${parent}/${name}`.replace('//', '/')
      makeDir(dir)
      break
    } catch (error) {
      failures.push(`${parent}: ${(error as Error).message}`)
    }
  }
  if (!dir) throw new CgroupUnavailable(`cgroup v2 is not writable here:\n  ${failures.join('\n  ')}`)
  const at = dir
  writeFileSync(`${at}/cpu.max`, `${limits.quotaUs} ${limits.periodUs}`)
  writeFileSync(`${at}/memory.max`, String(limits.memoryBytes))
  if (existsSync(`${at}/memory.swap.max`)) writeFileSync(`${at}/memory.swap.max`, '0')
  // Since Linux 6.12 a write to memory.peak resets it for reads through the same descriptor;
  // before that it is the peak since the group was made, which is what older kernels report.
  const peak = openSync(`${at}/memory.peak`, 'r+')
  const buffer = Buffer.alloc(64)
  return {
    version: 2,
    dirs: [at],
    launcher: launcherFor([`${at}/cgroup.procs`]),
    resetPeak() {
      try {
        writeSync(peak, 'reset')
      } catch {
        // An older kernel: the peak stays the one since creation.
      }
    },
    peakBytes: () => Number(buffer.toString('utf8', 0, readSync(peak, buffer, 0, buffer.length, 0))),
    counters() {
      const stat = read(`${at}/cpu.stat`)
      return {
        throttledUs: field(stat, 'throttled_usec'),
        throttledPeriods: field(stat, 'nr_throttled'),
        oomKills: field(read(`${at}/memory.events`), 'oom_kill'),
      }
    },
    underOom: () => false,
    async remove() {
      closeSync(peak)
      await removeDirs([at])
    },
  }
}
