"""The Kubernetes style: manifests, Helm charts and live clusters, one engine for all three."""
