// The house rules for what runs in the cluster, checked on the rendered objects.
import { describe, expect, test } from 'bun:test'
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { parse } from 'yaml'
import { only, rendered, repoRoot } from './rendered-manifests.ts'

const deployment = only('Deployment')
const pod = deployment.spec.template.spec
const container = pod.containers[0]

describe('app Deployment', () => {
  test('meets the restricted Pod Security profile', () => {
    expect(pod.securityContext).toMatchObject({ runAsNonRoot: true, seccompProfile: { type: 'RuntimeDefault' } })
    expect(pod.securityContext.runAsUser).toBeGreaterThan(0)
    expect(container.securityContext).toMatchObject({
      allowPrivilegeEscalation: false,
      readOnlyRootFilesystem: true,
      capabilities: { drop: ['ALL'] },
    })
    expect(pod.automountServiceAccountToken).toBe(false)
  })

  test('writes only to an emptyDir /tmp; every other mount is read-only', () => {
    expect(container.volumeMounts.filter((mount: any) => !mount.readOnly)).toEqual([{ name: 'tmp', mountPath: '/tmp' }])
    expect(pod.volumes.filter((volume: any) => volume.emptyDir)).toEqual([
      { name: 'tmp', emptyDir: expect.any(Object) },
    ])
  })

  test('fits a Raspberry Pi: memory limit at most 128Mi, cpu 200m', () => {
    expect(container.resources.limits.memory).toMatch(/^(\d+)Mi$/)
    expect(Number.parseInt(container.resources.limits.memory, 10)).toBeLessThanOrEqual(128)
    expect(container.resources.limits.cpu).toBe('200m')
  })

  test('pins the image by digest and rolls without losing capacity', () => {
    expect(container.image).toMatch(/^forgejo\.uclab\.dev\/affragak\/view-counter@sha256:[0-9a-f]{64}$/)
    expect(deployment.spec.strategy.rollingUpdate.maxUnavailable).toBe(0)
  })
})

describe('namespace', () => {
  test('enforces restricted Pod Security and opts into image verification', () => {
    expect(only('Namespace').metadata.labels).toMatchObject({
      'pod-security.kubernetes.io/enforce': 'restricted',
      'policy.sigstore.dev/include': 'true',
    })
  })
})

describe('database', () => {
  const cluster = only('Cluster')

  test('archives through the Barman Cloud plugin into the ObjectStore, not the in-tree barmanObjectStore', () => {
    expect(cluster.spec.backup).toBeUndefined()
    const plugin = cluster.spec.plugins.find((p: any) => p.name === 'barman-cloud.cloudnative-pg.io')
    expect(plugin.isWALArchiver).toBe(true)
    expect(plugin.parameters.barmanObjectName).toBe(only('ObjectStore').metadata.name)
    expect(only('ObjectStore').spec.retentionPolicy).toMatch(/^\d+[dwm]$/)
    const backup = only('ScheduledBackup')
    expect(backup.spec).toMatchObject({
      method: 'plugin',
      cluster: { name: cluster.metadata.name },
      pluginConfiguration: { name: plugin.name },
    })
  })

  test('runs two instances on different nodes and is scraped by an explicit PodMonitor', () => {
    expect(cluster.spec.instances).toBe(2)
    expect(cluster.spec.affinity.enablePodAntiAffinity).toBe(true)
    expect(cluster.spec.monitoring?.enablePodMonitor).toBeUndefined()
    const monitors = rendered.filter(
      (object) => object.kind === 'PodMonitor' && object.spec.selector.matchLabels['cnpg.io/cluster'],
    )
    expect(monitors.map((monitor) => monitor.spec.selector.matchLabels['cnpg.io/cluster'])).toEqual([
      cluster.metadata.name,
    ])
  })

  // CNPG before 1.27.3 / 1.28.1 / 1.29.0 deletes a PodMonitor named like its Cluster
  // (cloudnative-pg issue 6109, fixed by PR 9340), so ours would flap.
  test("no PodMonitor shares a Cluster's name", () => {
    const clusters = rendered
      .filter((object) => object.kind === 'Cluster')
      .map((object) => `${object.metadata.namespace}/${object.metadata.name}`)
    const monitors = rendered
      .filter((object) => object.kind === 'PodMonitor')
      .map((object) => `${object.metadata.namespace}/${object.metadata.name}`)
    expect(monitors.filter((name) => clusters.includes(name))).toEqual([])
  })

  test("the app's metrics port is scraped by its own PodMonitor and let through by the NetworkPolicy", () => {
    const container = only('Deployment').spec.template.spec.containers[0]
    const port = container.ports.find((p: any) => p.name === 'metrics')
    expect(String(port.containerPort)).toBe(only('ConfigMap', 'viewcounter-configmap').data!.METRICS_PORT!)
    const monitor = only('PodMonitor', 'view-counter')
    expect(monitor.spec.podMetricsEndpoints[0]).toMatchObject({ port: 'metrics', path: '/metrics' })
    expect(monitor.spec.selector.matchLabels).toEqual(only('Deployment').spec.selector.matchLabels)
    const scrape = only('NetworkPolicy', 'prometheus-scrape').spec.ingress[0]
    expect(scrape.ports.map((p: any) => p.port)).toContain(port.containerPort)
    expect(scrape.from[0].namespaceSelector.matchLabels['kubernetes.io/metadata.name']).toBe('monitoring')
    expect(only('Service').spec.ports.map((p: any) => p.port)).not.toContain(port.containerPort)
  })

  test('`kubectl cnpg status` can reach the instances on 8000 from an address block the owner sets', () => {
    const ingress = only('NetworkPolicy', 'view-counter-db').spec.ingress
    const fromNodes = ingress.find((rule: any) => rule.from.some((peer: any) => peer.ipBlock))
    expect(fromNodes.from[0].ipBlock.cidr).toMatch(/^\d+\.\d+\.\d+\.\d+\/\d+$/)
    expect(fromNodes.ports).toEqual([{ port: 8000, protocol: 'TCP' }])
  })

  test('backup credentials come from the ExternalSecret the ObjectStore names', () => {
    const credentials = only('ObjectStore').spec.configuration.s3Credentials
    const target = only('ExternalSecret', 'view-counter-backup-s3')
    const keys = target.spec.data.map((entry: any) => entry.secretKey)
    for (const ref of [credentials.accessKeyId, credentials.secretAccessKey]) {
      expect(ref.name).toBe(target.spec.target.name)
      expect(keys).toContain(ref.key)
    }
  })
})

describe('ClusterImagePolicy', () => {
  const policies = rendered.filter((object) => object.kind === 'ClusterImagePolicy')
  const globToRegExp = (glob: string) =>
    new RegExp(
      `^${glob
        .replace(/[.+?^${}()|[\]\\]/g, '\\$&')
        .replace(/\*\*/g, '\u0000')
        .replace(/\*/g, '[^/]*')
        .replace(/\u0000/g, '.*')}$`,
    )
  const matching = (image: string) =>
    policies.filter((policy) => policy.spec.images.some(({ glob }: { glob: string }) => globToRegExp(glob).test(image)))

  test('verifies our image with our key and nothing else', () => {
    const ours = matching(container.image)
    expect(ours.map((policy) => policy.metadata.name)).toEqual(['view-counter-signed'])
    const [authority] = ours[0]!.spec.authorities
    expect(authority.key.secretRef.name).toBe(only('ExternalSecret', 'view-counter-cosign-pub').spec.target.name)
    expect(authority.static).toBeUndefined()
  })

  test('lets the CloudNativePG, Barman Cloud and cloudflared images through', () => {
    for (const image of [
      'ghcr.io/cloudnative-pg/postgresql:17.5',
      'ghcr.io/cloudnative-pg/cloudnative-pg:1.26.0',
      'ghcr.io/cloudnative-pg/plugin-barman-cloud-sidecar:v0.5.0',
      'index.docker.io/cloudflare/cloudflared:2025.4.0',
    ]) {
      const found = matching(image)
      expect({ image, policies: found.length }).toEqual({ image, policies: 1 })
      expect(found[0]!.spec.authorities).toEqual([{ static: { action: 'pass' } }])
    }
  })
})

describe('Prometheus selection', () => {
  const folder = parse(readFileSync(join(repoRoot, 'manifests/prometheus/kustomization.yaml'), 'utf8'))
  const selection: Record<string, string> = folder.labels[0].pairs

  test('every PodMonitor carries the labels set once, in manifests/prometheus/kustomization.yaml', () => {
    expect(selection.release).toBe('kube-prometheus-stack')
    const monitors = rendered.filter((object) => object.kind === 'PodMonitor')
    expect(monitors.length).toBe(2)
    for (const monitor of monitors) expect(monitor.metadata.labels).toMatchObject(selection)
    const files = readFileSync(join(repoRoot, 'manifests/prometheus/podmonitor.yaml'), 'utf8')
    expect(files).not.toContain('release:')
  })

  test("Prometheus's namespace is named in one NetworkPolicy only", () => {
    const naming = rendered.filter(
      (object) => object.kind === 'NetworkPolicy' && JSON.stringify(object).includes('"monitoring"'),
    )
    expect(naming.map((object) => object.metadata.name)).toEqual(['prometheus-scrape'])
  })
})
