import { parse } from 'yaml'

const manifests = new URL('../manifests/', import.meta.url).pathname

export interface PodLimits {
  /** As written in the manifest, e.g. `200m` and `128Mi`. */
  cpu: string
  memory: string
  /** CFS bandwidth: the container may run `quotaUs` of CPU time in every `periodUs`. */
  quotaUs: number
  periodUs: number
  memoryBytes: number
}

export interface PodSpec {
  limits: PodLimits
  /** The app container's settings from its ConfigMap, as the pod gets them through `envFrom`. */
  config: Record<string, string>
}

// The kubelet's default CFS period; a limit of 1 CPU is 100 ms of CPU time per 100 ms.
const CFS_PERIOD_US = 100_000

// Kubernetes quantities (https://kubernetes.io/docs/reference/kubernetes-api/common-definitions/quantity/):
// `m` is thousandths; binary suffixes Ki..Ei, decimal k..E.
const suffixes: Record<string, number> = {
  '': 1,
  m: 1e-3,
  k: 1e3,
  M: 1e6,
  G: 1e9,
  T: 1e12,
  Ki: 2 ** 10,
  Mi: 2 ** 20,
  Gi: 2 ** 30,
  Ti: 2 ** 40,
}

export function quantity(text: string): number {
  const match = String(text).match(/^([0-9.]+)(m|k|M|G|T|Ki|Mi|Gi|Ti)?$/)
  if (!match) throw new Error(`not a Kubernetes quantity: ${text}`)
  return Number(match[1]) * suffixes[match[2] ?? '']!
}

interface Container {
  name: string
  envFrom?: { configMapRef?: { name: string } }[]
  resources?: { limits?: { cpu?: string; memory?: string } }
}

// The app container is the one named after the Deployment, so a sidecar added later is not measured instead.
export async function readPodSpec(): Promise<PodSpec> {
  const deployment = parse(await Bun.file(`${manifests}deployment.yaml`).text())
  const containers: Container[] = deployment.spec.template.spec.containers
  const app = containers.find((container) => container.name === deployment.metadata.name) ?? containers[0]!
  const { cpu, memory } = app.resources?.limits ?? {}
  if (!cpu || !memory) throw new Error(`manifests/deployment.yaml: container ${app.name} has no cpu and memory limits`)
  const configMapNames = (app.envFrom ?? []).flatMap((source) => source.configMapRef?.name ?? [])
  const configMap = parse(await Bun.file(`${manifests}configmap.yaml`).text())
  if (!configMapNames.includes(configMap.metadata.name))
    throw new Error(`manifests/configmap.yaml (${configMap.metadata.name}) is not the app's envFrom ConfigMap`)
  return {
    limits: {
      cpu,
      memory,
      quotaUs: Math.round(quantity(cpu) * CFS_PERIOD_US),
      periodUs: CFS_PERIOD_US,
      memoryBytes: quantity(memory),
    },
    config: Object.fromEntries(
      Object.entries(configMap.data as Record<string, unknown>).map(([k, v]) => [k, String(v)]),
    ),
  }
}
