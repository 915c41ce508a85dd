import { describe, expect, test } from 'bun:test'
import { rendered } from './rendered-manifests.ts'

// policy-controller rewrites a tag-only image to tag@digest in every new pod of a namespace
// labelled policy.sigstore.dev/include (pkg/webhook/validator.go resolvePodSpec); CNPG then finds
// the instance's image differs from the one it expects and recreates the pod, for ever
// (internal/controller/cluster_upgrade.go checkPodImageIsOutdated, and checkPodSpecIsOutdated for
// the operator-image init container; cloudnative-pg issue 10872).
describe('CNPG under policy-controller', () => {
  const verified = new Set(
    rendered
      .filter(
        (object) => object.kind === 'Namespace' && object.metadata.labels?.['policy.sigstore.dev/include'] === 'true',
      )
      .map((object) => object.metadata.name),
  )
  const clusters = rendered.filter((object) => object.kind === 'Cluster')

  test('every Cluster in a verified namespace pins its image by a real-looking digest', () => {
    for (const cluster of clusters.filter((object) => verified.has(object.metadata.namespace!))) {
      const image: string = cluster.spec.imageName ?? '(operator default, tag only)'
      expect({ cluster: cluster.metadata.name, image }).toEqual({
        cluster: cluster.metadata.name,
        image: expect.stringMatching(/@sha256:[0-9a-f]{64}$/),
      })
      // An owner-must-replace placeholder (all zeros, one repeated digit) would never pull.
      expect(new Set(image.split('@sha256:')[1]).size).toBeGreaterThan(4)
    }
  })

  test('every Cluster in a verified namespace leaves the operator-set images out of the rollout check', () => {
    for (const cluster of clusters.filter((object) => verified.has(object.metadata.namespace!))) {
      expect(cluster.metadata.annotations?.['cnpg.io/reconcilePodSpec']).toBe('disabled')
    }
  })

  test('the database does run in a verified namespace (so the two tests above are not vacuous)', () => {
    expect(clusters.length).toBe(1)
    expect(verified.has(clusters[0]!.metadata.namespace!)).toBe(true)
  })
})
