// The house rules for what runs in the cluster, checked on the rendered objects.
import { describe, expect, test } from 'bun:test'
import { only, rendered } from './rendered-manifests.ts'

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
    expect(pod.volumes.filter((volume: any) => volume.emptyDir)).toEqual([{ name: 'tmp', emptyDir: expect.any(Object) }])
  })

  test('fits a Raspberry Pi: memory limit at most 128Mi, cpu 200m', () => {
    expect(container.resources.limits.memory).toMatch(/^(\d+)Mi$/)
    expect(Number.parseInt(container.resources.limits.memory)).toBeLessThanOrEqual(128)
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
    expect(backup.spec).toMatchObject({ method: 'plugin', cluster: { name: cluster.metadata.name }, pluginConfiguration: { name: plugin.name } })
  })

  test('runs two instances on different nodes and is scraped by an explicit PodMonitor', () => {
    expect(cluster.spec.instances).toBe(2)
    expect(cluster.spec.affinity.enablePodAntiAffinity).toBe(true)
    expect(cluster.spec.monitoring?.enablePodMonitor).toBeUndefined()
    expect(only('PodMonitor', 'view-counter-db').spec.selector.matchLabels['cnpg.io/cluster']).toBe(cluster.metadata.name)
  })

  test("the app's metrics port is scraped by its own PodMonitor and let through by the NetworkPolicy", () => {
    const container = only('Deployment').spec.template.spec.containers[0]
    const port = container.ports.find((p: any) => p.name === 'metrics')
    expect(String(port.containerPort)).toBe(only('ConfigMap', 'viewcounter-configmap').data!.METRICS_PORT!)
    const monitor = only('PodMonitor', 'view-counter')
    expect(monitor.spec.podMetricsEndpoints[0]).toMatchObject({ port: 'metrics', path: '/metrics' })
    expect(monitor.spec.selector.matchLabels).toEqual(only('Deployment').spec.selector.matchLabels)
    const scrape = only('NetworkPolicy', 'view-counter').spec.ingress.find((rule: any) => rule.ports.some((p: any) => p.port === port.containerPort))
    expect(scrape.from[0].namespaceSelector.matchLabels['kubernetes.io/metadata.name']).toBe('monitoring')
    expect(only('Service').spec.ports.map((p: any) => p.port)).not.toContain(port.containerPort)
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
    new RegExp(`^${glob.replace(/[.+?^${}()|[\]\\]/g, '\\$&').replace(/\*\*/g, '\u0000').replace(/\*/g, '[^/]*').replace(/\u0000/g, '.*')}$`)
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
