"""Per-condition cases for the Kubernetes workload checks (see tests/conditions/__init__.py).

Availability, scalability, supervision, rollback, resources, GitOps, API versions,
storage, backups and load balancing. Every tree is one ``all.yaml`` in namespace ``bi``
with one Superset web Deployment (``superset``) and what each check group needs beside
it. Runtime conditions (pods, Helm release records) are given as the objects a cluster
export holds (Pods with status and ownerReferences, Secrets labelled ``owner: helm``),
which file mode reads as live mode does. PDB minAvailable/maxUnavailable and HPA
minReplicas/maxReplicas boundaries live in tests/test_boundaries_kubernetes.py.
"""

from __future__ import annotations

from conditions import Case, replaced

WEB = "apps/v1/Deployment/bi/superset"
BEAT = "apps/v1/Deployment/bi/beat"
AT_TOP = ("all.yaml", 1)


def _web(replicas: str = "replicas: 2", extra_spec: str = "", pod: str = "",
         container: str = "", kind: str = "Deployment", image: str = "apache/superset:4.1.1",
         ) -> str:
    """The web workload; ``extra_spec``, ``pod`` and ``container`` are YAML lines indented
    for the controller spec, the pod spec and the container."""
    return f"""
apiVersion: apps/v1
kind: {kind}
metadata: {{name: superset, namespace: bi}}
spec:
  {replicas}
  selector: {{matchLabels: {{app: superset}}}}{extra_spec}
  template:
    metadata: {{labels: {{app: superset}}}}
    spec:{pod}
      containers:
        - name: web
          image: {image}{container}
"""


SERVICE = """
apiVersion: v1
kind: Service
metadata: {name: superset, namespace: bi}
spec:
  selector: {app: superset}
  ports: [{port: 8088}]
"""


def _tree(*docs: str) -> dict[str, str]:
    return {"all.yaml": "---".join(docs)}


# --- K8S-AVAILABILITY-001 -----------------------------------------------------------------
"""Web replicas: an HPA's minReplicas (default 1) when an HPA of the same kind and name in
the same namespace targets the workload, else spec.replicas (default 1). Fewer than 2
fails, a count that is not a number skips. Without a Superset process, every
Deployment/StatefulSet a Service selects (not a database, Redis, cache or job) is judged
as a serving tier."""

HPA = """
apiVersion: autoscaling/v2
kind: HorizontalPodAutoscaler
metadata: {name: superset, namespace: bi}
spec:
  scaleTargetRef: {apiVersion: apps/v1, kind: Deployment, name: superset}
  minReplicas: 2
  maxReplicas: 4
"""
A1 = _tree(_web())
A1_HPA = _tree(_web("replicas: 1"), HPA)
PROXY = _tree(_web(image="nginx:1.27.0"), SERVICE)

AVAILABILITY_1 = [
    Case("K8S-AVAILABILITY-001", "two replicas", A1, "pass", subject=WEB,
         evidence=("spec.replicas = 2",), message="2 web replicas", location=AT_TOP,
         target="all.yaml"),
    Case("K8S-AVAILABILITY-001", "one replica", replaced(A1, "all.yaml", "replicas: 2",
                                                         "replicas: 1"),
         "fail", subject=WEB, evidence=("spec.replicas = 1",),
         message="Deployment superset has 1 replica: one pod eviction or node loss takes the "
                 "UI down", location=AT_TOP),
    Case("K8S-AVAILABILITY-001", "replicas not a number",
         replaced(A1, "all.yaml", "replicas: 2", "replicas: '2'"), "skip", subject=WEB,
         evidence=("spec.replicas = None",), message="replica count is not a number"),
    Case("K8S-AVAILABILITY-001", "HPA minReplicas 2 over one replica", A1_HPA, "pass",
         subject=WEB, evidence=("HPA minReplicas = 2",)),
    Case("K8S-AVAILABILITY-001", "HPA minReplicas not a number",
         replaced(A1_HPA, "all.yaml", "minReplicas: 2", "minReplicas: two"), "skip",
         subject=WEB, evidence=("HPA minReplicas = None",)),
    Case("K8S-AVAILABILITY-001", "HPA on another kind is not this one's",
         replaced(A1_HPA, "all.yaml", "kind: Deployment, name", "kind: StatefulSet, name"),
         "fail", subject=WEB, evidence=("spec.replicas = 1",)),
    Case("K8S-AVAILABILITY-001", "HPA on another name is not this one's",
         replaced(A1_HPA, "all.yaml", "kind: Deployment, name: superset",
                  "kind: Deployment, name: other"),
         "fail", subject=WEB, evidence=("spec.replicas = 1",)),
    Case("K8S-AVAILABILITY-001", "HPA in another namespace is not this one's",
         replaced(A1_HPA, "all.yaml", "metadata: {name: superset, namespace: bi}\nspec:\n"
                  "  scaleTargetRef", "metadata: {name: superset, namespace: other}\nspec:\n"
                  "  scaleTargetRef"),
         "fail", subject=WEB, evidence=("spec.replicas = 1",)),
    Case("K8S-AVAILABILITY-001", "web StatefulSet with one replica",
         _tree(_web("replicas: 1", kind="StatefulSet")), "fail",
         subject="apps/v1/StatefulSet/bi/superset", evidence=("spec.replicas = 1",),
         message="StatefulSet superset has 1 replica"),
    Case("K8S-AVAILABILITY-001", "no Superset: a Service-backed tier with two replicas",
         PROXY, "pass", subject=WEB, evidence=("spec.replicas = 2",),
         message="2 serving replicas"),
    Case("K8S-AVAILABILITY-001", "no Superset: a Service-backed tier with one replica",
         replaced(PROXY, "all.yaml", "replicas: 2", "replicas: 1"), "fail", subject=WEB,
         evidence=("spec.replicas = 1",), message="takes what its Service serves down"),
]

# --- K8S-AVAILABILITY-002 -----------------------------------------------------------------
"""A PodDisruptionBudget in the web pods' namespace whose selector (matchLabels or
matchExpressions) selects them: none fails; one that blocks every drain fails (its
boundaries are in test_boundaries_kubernetes.py); status.disruptionsAllowed 0 fails."""

PDB = """
apiVersion: policy/v1
kind: PodDisruptionBudget
metadata: {name: web, namespace: bi}
spec:
  maxUnavailable: 1
  selector:
    matchLabels: {app: superset}
"""
A2 = _tree(_web(), PDB)

AVAILABILITY_2 = [
    Case("K8S-AVAILABILITY-002", "PDB with maxUnavailable 1", A2, "pass", subject=WEB,
         evidence=("PodDisruptionBudget web", "minAvailable=None maxUnavailable=1",
                   "replicas 2"),
         message="a PodDisruptionBudget keeps web pods during drains and still lets one go",
         location=AT_TOP),
    Case("K8S-AVAILABILITY-002", "no PDB", _tree(_web()), "fail", subject=WEB,
         message="no PodDisruptionBudget covers the web pods", location=AT_TOP),
    Case("K8S-AVAILABILITY-002", "PDB selects other pods",
         replaced(A2, "all.yaml", "matchLabels: {app: superset}\n",
                  "matchLabels: {app: other}\n"),
         "fail", subject=WEB, message="no PodDisruptionBudget covers the web pods"),
    Case("K8S-AVAILABILITY-002", "PDB in another namespace",
         replaced(A2, "all.yaml", "{name: web, namespace: bi}", "{name: web, namespace: x}"),
         "fail", subject=WEB, message="no PodDisruptionBudget covers the web pods"),
    Case("K8S-AVAILABILITY-002", "PDB matchExpressions In selects",
         replaced(A2, "all.yaml", "matchLabels: {app: superset}\n",
                  "matchExpressions: [{key: app, operator: In, values: [superset]}]\n"),
         "pass", subject=WEB, evidence=("PodDisruptionBudget web",)),
    Case("K8S-AVAILABILITY-002", "PDB matchExpressions NotIn excludes",
         replaced(A2, "all.yaml", "matchLabels: {app: superset}\n",
                  "matchExpressions: [{key: app, operator: NotIn, values: [superset]}]\n"),
         "fail", subject=WEB, message="no PodDisruptionBudget covers the web pods"),
    Case("K8S-AVAILABILITY-002", "PDB with an empty selector selects every pod",
         replaced(A2, "all.yaml", "selector:\n    matchLabels: {app: superset}\n",
                  "selector: {}\n"),
         "pass", subject=WEB, evidence=("PodDisruptionBudget web",)),
    Case("K8S-AVAILABILITY-002", "PDB without a selector selects none",
         replaced(A2, "all.yaml", "selector:\n    matchLabels: {app: superset}\n", ""),
         "fail", subject=WEB, message="no PodDisruptionBudget covers the web pods"),
    Case("K8S-AVAILABILITY-002", "PDB status allows no disruption now",
         _tree(_web(), PDB + "status: {disruptionsAllowed: 0}\n"), "fail", subject=WEB,
         evidence=("status.disruptionsAllowed = 0", "PodDisruptionBudget web"),
         message="the PodDisruptionBudget allows no disruption now: node drains will hang"),
    Case("K8S-AVAILABILITY-002", "PDB status allows one disruption",
         _tree(_web(), PDB + "status: {disruptionsAllowed: 1}\n"), "pass", subject=WEB,
         evidence=("replicas 2",)),
    Case("K8S-AVAILABILITY-002", "maxUnavailable '0' as a string",
         replaced(A2, "all.yaml", "maxUnavailable: 1", "maxUnavailable: '0'"), "fail",
         subject=WEB, evidence=("minAvailable=None maxUnavailable=0",),
         message="the PodDisruptionBudget web blocks every node drain: maxUnavailable 0 lets "
                 "no pod go"),
    Case("K8S-AVAILABILITY-002", "replicas not a number",
         replaced(A2, "all.yaml", "replicas: 2", "replicas: '2'"), "skip", subject=WEB,
         evidence=("PodDisruptionBudget web",), message="replica count is not a number",
         absent=("replicas 1",)),
    Case("K8S-AVAILABILITY-002", "minAvailable with the HPA minimum",
         _tree(_web("replicas: 5"), HPA, PDB.replace("maxUnavailable: 1", "minAvailable: 2")),
         "fail", subject=WEB, evidence=("replicas 2",),
         message="minAvailable 2 with 2 replica(s) leaves no pod to evict"),
]

# --- K8S-AVAILABILITY-003 -----------------------------------------------------------------
"""Spread: topologySpreadConstraints or podAntiAffinity (required terms, or preferred
podAffinityTerms) on kubernetes.io/hostname or topology.kubernetes.io/zone pass; any
other key, podAffinity, or nothing fails. Running pods (Pods owned by the Deployment's
ReplicaSet) all on one node fail when more than one replica is expected."""

SPREAD = """
      topologySpreadConstraints:
        - {maxSkew: 1, topologyKey: kubernetes.io/hostname, whenUnsatisfiable: ScheduleAnyway,
           labelSelector: {matchLabels: {app: superset}}}"""
ANTI = """
      affinity:
        podAntiAffinity:
          preferredDuringSchedulingIgnoredDuringExecution:
            - weight: 100
              podAffinityTerm:
                topologyKey: kubernetes.io/hostname
                labelSelector: {matchLabels: {app: superset}}"""
REQUIRED = """
      affinity:
        podAntiAffinity:
          requiredDuringSchedulingIgnoredDuringExecution:
            - topologyKey: topology.kubernetes.io/zone
              labelSelector: {matchLabels: {app: superset}}"""


def _pod(name: str, node: str, ready: str = "True", restarts: int = 0) -> str:
    return f"""
apiVersion: v1
kind: Pod
metadata:
  name: {name}
  namespace: bi
  ownerReferences: [{{kind: ReplicaSet, name: superset-5d9f, controller: true}}]
spec: {{nodeName: {node}, containers: [{{name: web, image: apache/superset:4.1.1}}]}}
status:
  phase: Running
  conditions: [{{type: Ready, status: '{ready}'}}]
  containerStatuses: [{{name: web, restartCount: {restarts}}}]
"""


A3 = _tree(_web(pod=SPREAD))
A3_PODS = _tree(_web(pod=SPREAD), _pod("superset-5d9f-a", "n1"), _pod("superset-5d9f-b", "n2"))

AVAILABILITY_3 = [
    Case("K8S-AVAILABILITY-003", "spread by hostname", A3, "pass", subject=WEB,
         evidence=("topology keys: kubernetes.io/hostname",),
         message="pods are spread across nodes or zones", location=AT_TOP),
    Case("K8S-AVAILABILITY-003", "spread by zone",
         replaced(A3, "all.yaml", "topologyKey: kubernetes.io/hostname",
                  "topologyKey: topology.kubernetes.io/zone"),
         "pass", subject=WEB, evidence=("topology keys: topology.kubernetes.io/zone",)),
    Case("K8S-AVAILABILITY-003", "spread by another key",
         replaced(A3, "all.yaml", "topologyKey: kubernetes.io/hostname",
                  "topologyKey: kubernetes.io/os"),
         "fail", subject=WEB, evidence=("topology keys: kubernetes.io/os",),
         message="nothing keeps web replicas off the same node", location=AT_TOP),
    Case("K8S-AVAILABILITY-003", "no spreading rule", _tree(_web()), "fail", subject=WEB,
         evidence=("topology keys: none",), message="nothing keeps web replicas off"),
    Case("K8S-AVAILABILITY-003", "preferred podAntiAffinity by hostname", _tree(_web(pod=ANTI)),
         "pass", subject=WEB, evidence=("topology keys: kubernetes.io/hostname",)),
    Case("K8S-AVAILABILITY-003", "required podAntiAffinity by zone",
         _tree(_web(pod=REQUIRED)), "pass", subject=WEB,
         evidence=("topology keys: topology.kubernetes.io/zone",)),
    Case("K8S-AVAILABILITY-003", "podAffinity is not anti-affinity",
         _tree(_web(pod=ANTI.replace("podAntiAffinity", "podAffinity"))), "fail",
         subject=WEB, evidence=("topology keys: none",)),
    Case("K8S-AVAILABILITY-003", "running pods on two nodes", A3_PODS, "pass", subject=WEB,
         evidence=("topology keys: kubernetes.io/hostname",)),
    Case("K8S-AVAILABILITY-003", "running pods all on one node",
         replaced(A3_PODS, "all.yaml", "nodeName: n2", "nodeName: n1"), "fail", subject=WEB,
         evidence=("all running pods on node n1", "topology keys: kubernetes.io/hostname"),
         message="every web pod runs on the same node"),
    Case("K8S-AVAILABILITY-003", "one pod on one node with one replica expected",
         _tree(_web("replicas: 1", pod=SPREAD), _pod("superset-5d9f-a", "n1")), "pass",
         subject=WEB, evidence=("topology keys: kubernetes.io/hostname",)),
]

# --- K8S-AVAILABILITY-004 -----------------------------------------------------------------
"""Celery beat: exactly one replica (spec.replicas, default 1; a bare Pod is one; a count
that is not a number skips); a DaemonSet runs one per node and fails; a Deployment whose
strategy is not Recreate (RollingUpdate by default) warns, since a rollout briefly runs
two; a StatefulSet replaces its pod in place (evidence: its updateStrategy)."""


def _beat(replicas: str = "replicas: 1", strategy: str = "\n  strategy: {type: Recreate}",
          kind: str = "Deployment") -> str:
    return f"""
apiVersion: apps/v1
kind: {kind}
metadata: {{name: beat, namespace: bi}}
spec:
  {replicas}{strategy}
  selector: {{matchLabels: {{app: beat}}}}
  template:
    metadata: {{labels: {{app: beat}}}}
    spec:
      containers:
        - name: beat
          image: apache/superset:4.1.1
          command: [celery, --app=superset.tasks.celery_app:app, beat]
"""


A4 = _tree(_beat())
BEAT_POD = """
apiVersion: v1
kind: Pod
metadata: {name: beat, namespace: bi}
spec:
  containers:
    - name: beat
      image: apache/superset:4.1.1
      command: [celery, --app=superset.tasks.celery_app:app, beat]
"""

AVAILABILITY_4 = [
    Case("K8S-AVAILABILITY-004", "one beat, Recreate", A4, "pass", subject=BEAT,
         evidence=("replicas = 1", "strategy = Recreate"), message="exactly one celery beat",
         location=AT_TOP),
    Case("K8S-AVAILABILITY-004", "replicas left out is one",
         replaced(A4, "all.yaml", "replicas: 1", ""), "pass", subject=BEAT,
         evidence=("replicas = 1",)),
    Case("K8S-AVAILABILITY-004", "two beats", replaced(A4, "all.yaml", "replicas: 1",
                                                       "replicas: 2"),
         "fail", subject=BEAT, evidence=("replicas = 2", "strategy = Recreate"),
         message="celery beat must run exactly once; it runs 2: scheduled reports and alerts "
                 "fire several times", location=AT_TOP),
    Case("K8S-AVAILABILITY-004", "no beat", replaced(A4, "all.yaml", "replicas: 1",
                                                     "replicas: 0"),
         "fail", subject=BEAT, evidence=("replicas = 0",), message="it runs 0"),
    Case("K8S-AVAILABILITY-004", "rolling update by default",
         _tree(_beat(strategy="")), "warn", subject=BEAT,
         evidence=("replicas = 1", "strategy = RollingUpdate"),
         message="one beat replica, but a rolling update briefly runs two"),
    Case("K8S-AVAILABILITY-004", "rolling update spelled out",
         replaced(A4, "all.yaml", "type: Recreate", "type: RollingUpdate"), "warn",
         subject=BEAT, evidence=("strategy = RollingUpdate",)),
    Case("K8S-AVAILABILITY-004", "beat as a DaemonSet",
         _tree(_beat(replicas="", strategy="", kind="DaemonSet")), "fail",
         subject="apps/v1/DaemonSet/bi/beat", evidence=("replicas = DaemonSet",),
         message="it runs on every node"),
    Case("K8S-AVAILABILITY-004", "beat as a StatefulSet of one",
         _tree(_beat(strategy="", kind="StatefulSet")), "pass",
         subject="apps/v1/StatefulSet/bi/beat",
         evidence=("replicas = 1", "updateStrategy = RollingUpdate")),
    Case("K8S-AVAILABILITY-004", "beat as a StatefulSet, updateStrategy OnDelete",
         _tree(_beat(strategy="\n  updateStrategy: {type: OnDelete}", kind="StatefulSet")),
         "pass", subject="apps/v1/StatefulSet/bi/beat",
         evidence=("updateStrategy = OnDelete",), absent=("strategy = RollingUpdate",)),
    Case("K8S-AVAILABILITY-004", "beat as a bare Pod", _tree(BEAT_POD), "pass",
         subject="v1/Pod/bi/beat", evidence=("replicas = 1",),
         message="exactly one celery beat"),
    Case("K8S-AVAILABILITY-004", "replicas not a number",
         replaced(A4, "all.yaml", "replicas: 1", "replicas: '1'"), "skip", subject=BEAT,
         evidence=("replicas = '1'",), message="replica count is not a number"),
]

# --- K8S-SCALABILITY-001 ------------------------------------------------------------------
"""An HPA on the web workload (or a KEDA ScaledObject naming it) that can scale
(maxReplicas > minReplicas, both numbers; boundaries in test_boundaries_kubernetes.py),
with the requests its Utilization targets measure against (CPU when it names no metric);
an HPA whose status shows currentReplicas at maxReplicas warns."""

REQUESTS = """
          resources: {requests: {cpu: 500m, memory: 1Gi}, limits: {memory: 2Gi}}"""
S1 = _tree(_web(container=REQUESTS), HPA)
KEDA = """
apiVersion: keda.sh/v1alpha1
kind: ScaledObject
metadata: {name: superset, namespace: bi}
spec:
  scaleTargetRef: {name: superset}
"""
MEMORY_HPA = HPA + """  metrics:
    - type: Resource
      resource: {name: memory, target: {type: Utilization, averageUtilization: 80}}
"""

SIDECAR_REQ = REQUESTS + """
        - name: envoy
          image: envoyproxy/envoy:v1.31.0"""
CONTAINER_HPA = HPA + """  metrics:
    - type: ContainerResource
      containerResource:
        name: cpu
        container: web
        target: {type: Utilization, averageUtilization: 70}
"""

SCALABILITY = [
    Case("K8S-SCALABILITY-001", "HPA 2 to 4 with CPU requests", S1, "pass", subject=WEB,
         evidence=("minReplicas 2, maxReplicas 4",), message="autoscaled from 2 to 4",
         location=AT_TOP),
    Case("K8S-SCALABILITY-001", "no autoscaler", _tree(_web(container=REQUESTS)), "fail",
         subject=WEB, message="no HorizontalPodAutoscaler: capacity is added by hand"),
    Case("K8S-SCALABILITY-001", "KEDA ScaledObject", _tree(_web(container=REQUESTS), KEDA),
         "pass", subject=WEB, message="a KEDA ScaledObject scales the web tier"),
    Case("K8S-SCALABILITY-001", "KEDA ScaledObject in another namespace",
         _tree(_web(container=REQUESTS), KEDA.replace("namespace: bi", "namespace: x")),
         "fail", subject=WEB, message="no HorizontalPodAutoscaler"),
    Case("K8S-SCALABILITY-001", "maxReplicas not a number",
         replaced(S1, "all.yaml", "maxReplicas: 4", "maxReplicas: four"), "fail",
         subject=WEB, evidence=("minReplicas 2, maxReplicas four",),
         message="the HPA cannot scale (maxReplicas <= minReplicas)"),
    Case("K8S-SCALABILITY-001", "minReplicas not a number",
         replaced(S1, "all.yaml", "minReplicas: 2", "minReplicas: two"), "fail",
         subject=WEB, evidence=("minReplicas two, maxReplicas 4",)),
    Case("K8S-SCALABILITY-001", "maxReplicas left out",
         replaced(S1, "all.yaml", "maxReplicas: 4", ""), "fail",
         subject=WEB, evidence=("minReplicas 2, maxReplicas None",)),
    Case("K8S-SCALABILITY-001", "pinned at maxReplicas",
         _tree(_web(container=REQUESTS), HPA + "status: {currentReplicas: 4}\n"), "warn",
         subject=WEB, evidence=("currentReplicas 4", "minReplicas 2, maxReplicas 4"),
         message="the HPA is pinned at maxReplicas"),
    Case("K8S-SCALABILITY-001", "another kind's HPA of the same name is pinned",
         _tree(_web(container=REQUESTS),
               HPA.replace("kind: Deployment, name", "kind: StatefulSet, name").replace(
                   "{name: superset, namespace: bi}", "{name: other, namespace: bi}")
               + "status: {currentReplicas: 4}\n", HPA + "status: {currentReplicas: 3}\n"),
         "pass", subject=WEB, message="autoscaled from 2 to 4", absent=("currentReplicas 4",)),
    Case("K8S-SCALABILITY-001", "one below maxReplicas",
         _tree(_web(container=REQUESTS), HPA + "status: {currentReplicas: 3}\n"), "pass",
         subject=WEB, evidence=("minReplicas 2, maxReplicas 4",)),
    Case("K8S-SCALABILITY-001", "no CPU request for the default CPU target",
         _tree(_web(container=REQUESTS.replace("cpu: 500m, ", "")), HPA), "fail",
         subject=WEB, message="the HPA has no CPU requests to measure against"),
    Case("K8S-SCALABILITY-001", "memory target with memory requests, no CPU request",
         _tree(_web(container=REQUESTS.replace("cpu: 500m, ", "")), MEMORY_HPA), "pass",
         subject=WEB, message="autoscaled from 2 to 4"),
    Case("K8S-SCALABILITY-001", "memory target without memory requests",
         _tree(_web(container=REQUESTS.replace(", memory: 1Gi", "")), MEMORY_HPA), "fail",
         subject=WEB, message="the HPA has no memory requests to measure against"),
    Case("K8S-SCALABILITY-001", "memory AverageValue target needs no request",
         _tree(_web(container=REQUESTS.replace("cpu: 500m, memory: 1Gi", "cpu: 500m")),
               MEMORY_HPA.replace("type: Utilization, averageUtilization: 80",
                                  "type: AverageValue, averageValue: 1Gi")),
         "pass", subject=WEB),
    Case("K8S-SCALABILITY-001", "external metric needs no request",
         _tree(_web(container=REQUESTS.replace("cpu: 500m, memory: 1Gi", "")),
               HPA + "  metrics:\n    - type: External\n      external: {metric: {name: "
               "queue}, target: {type: AverageValue, averageValue: '5'}}\n"),
         "pass", subject=WEB, message="autoscaled from 2 to 4"),
    Case("K8S-SCALABILITY-001", "CPU and memory targets, memory request missing",
         _tree(_web(container=REQUESTS.replace(", memory: 1Gi", "")),
               MEMORY_HPA + "    - type: Resource\n      resource: {name: cpu, target: "
               "{type: Utilization, averageUtilization: 70}}\n"),
         "fail", subject=WEB, message="the HPA has no memory requests to measure against"),
    Case("K8S-SCALABILITY-001", "ContainerResource CPU of the web container with a request",
         _tree(_web(container=SIDECAR_REQ), CONTAINER_HPA), "pass", subject=WEB),
    Case("K8S-SCALABILITY-001", "ContainerResource CPU of a container without a request",
         _tree(_web(container=SIDECAR_REQ), CONTAINER_HPA.replace("container: web",
                                                                  "container: envoy")),
         "fail", subject=WEB, message="the HPA has no CPU requests to measure against"),
    Case("K8S-SCALABILITY-001", "CPU Utilization over a sidecar without a request",
         _tree(_web(container=SIDECAR_REQ), HPA), "fail", subject=WEB,
         message="the HPA has no CPU requests to measure against"),
    Case("K8S-SCALABILITY-001", "autoscaling/v1 CPU percentage without CPU requests",
         _tree(_web(container=REQUESTS.replace("cpu: 500m, ", "")),
               HPA.replace("autoscaling/v2", "autoscaling/v1")
               + "  targetCPUUtilizationPercentage: 70\n"),
         "fail", subject=WEB, message="the HPA has no CPU requests to measure against"),
]

# --- K8S-SUPERVISION-001 ------------------------------------------------------------------
"""Probes on every main container of the app's long-running workloads: liveness
everywhere, readiness except on workers and beat; a web container running Superset must
have a readiness httpGet on /health, /healthcheck or /ping (sidecars are exempt from
the path); a bare Pod must restart Always (the default)."""

PROBES = """
          livenessProbe: {httpGet: {path: /health, port: 8088}}
          readinessProbe: {httpGet: {path: /health, port: 8088}}"""
P1 = _tree(_web(container=PROBES))
WORKER = """
apiVersion: apps/v1
kind: Deployment
metadata: {name: worker, namespace: bi}
spec:
  selector: {matchLabels: {app: worker}}
  template:
    metadata: {labels: {app: worker}}
    spec:
      containers:
        - name: worker
          image: apache/superset:4.1.1
          command: [celery, --app=superset.tasks.celery_app:app, worker]
          livenessProbe: {exec: {command: [celery, inspect, ping]}}
"""
SIDECAR = PROBES + """
        - name: envoy
          image: envoyproxy/envoy:v1.31.0
          livenessProbe: {tcpSocket: {port: 9901}}
          readinessProbe: {tcpSocket: {port: 9901}}"""
BARE_POD = """
apiVersion: v1
kind: Pod
metadata: {name: superset, namespace: bi}
spec:
  restartPolicy: Always
  containers:
    - name: web
      image: apache/superset:4.1.1
      livenessProbe: {httpGet: {path: /health, port: 8088}}
      readinessProbe: {httpGet: {path: /health, port: 8088}}
"""

SUPERVISION_1 = [
    Case("K8S-SUPERVISION-001", "liveness and readiness on /health", P1, "pass", subject=WEB,
         message="liveness and readiness probes are set", location=AT_TOP),
    Case("K8S-SUPERVISION-001", "no livenessProbe",
         replaced(P1, "all.yaml", "livenessProbe: {httpGet: {path: /health, port: 8088}}", ""),
         "fail", subject=WEB, evidence=("web: no livenessProbe",), location=AT_TOP),
    Case("K8S-SUPERVISION-001", "no readinessProbe",
         replaced(P1, "all.yaml", "readinessProbe: {httpGet: {path: /health, port: 8088}}",
                  ""),
         "fail", subject=WEB, evidence=("web: no readinessProbe",)),
    Case("K8S-SUPERVISION-001", "empty readinessProbe",
         replaced(P1, "all.yaml", "readinessProbe: {httpGet: {path: /health, port: 8088}}",
                  "readinessProbe: {}"),
         "fail", subject=WEB, evidence=("web: no readinessProbe",)),
    Case("K8S-SUPERVISION-001", "readiness on /healthcheck",
         replaced(P1, "all.yaml", "readinessProbe: {httpGet: {path: /health,",
                  "readinessProbe: {httpGet: {path: /healthcheck,"), "pass", subject=WEB),
    Case("K8S-SUPERVISION-001", "readiness on /ping",
         replaced(P1, "all.yaml", "readinessProbe: {httpGet: {path: /health,",
                  "readinessProbe: {httpGet: {path: /ping,"), "pass", subject=WEB),
    Case("K8S-SUPERVISION-001", "readiness on /login",
         replaced(P1, "all.yaml", "readinessProbe: {httpGet: {path: /health,",
                  "readinessProbe: {httpGet: {path: /login,"),
         "fail", subject=WEB, evidence=("web: readiness does not call /health",),
         message="web: readiness does not call /health"),
    Case("K8S-SUPERVISION-001", "readiness by TCP only",
         replaced(P1, "all.yaml", "readinessProbe: {httpGet: {path: /health, port: 8088}}",
                  "readinessProbe: {tcpSocket: {port: 8088}}"),
         "fail", subject=WEB, evidence=("web: readiness does not call /health",)),
    Case("K8S-SUPERVISION-001", "sidecar with TCP probes", _tree(_web(container=SIDECAR)),
         "pass", subject=WEB, message="liveness and readiness probes are set"),
    Case("K8S-SUPERVISION-001", "sidecar without liveness",
         replaced(_tree(_web(container=SIDECAR)), "all.yaml",
                  "livenessProbe: {tcpSocket: {port: 9901}}", ""),
         "fail", subject=WEB, evidence=("envoy: no livenessProbe",)),
    Case("K8S-SUPERVISION-001", "worker with liveness only", _tree(WORKER), "pass",
         subject="apps/v1/Deployment/bi/worker"),
    Case("K8S-SUPERVISION-001", "worker without liveness",
         replaced(_tree(WORKER), "all.yaml",
                  "livenessProbe: {exec: {command: [celery, inspect, ping]}}", ""),
         "fail", subject="apps/v1/Deployment/bi/worker", evidence=("worker: no livenessProbe",)),
    Case("K8S-SUPERVISION-001", "beat without readiness",
         _tree(_beat().replace("beat]\n", "beat]\n          livenessProbe: "
                                          "{exec: {command: [pgrep, celery]}}\n")),
         "pass", subject=BEAT),
    Case("K8S-SUPERVISION-001", "bare Pod restarting Always", _tree(BARE_POD), "pass",
         subject="v1/Pod/bi/superset"),
    Case("K8S-SUPERVISION-001", "bare Pod restartPolicy left out",
         replaced(_tree(BARE_POD), "all.yaml", "restartPolicy: Always", ""), "pass",
         subject="v1/Pod/bi/superset"),
    Case("K8S-SUPERVISION-001", "bare Pod restartPolicy Never",
         replaced(_tree(BARE_POD), "all.yaml", "restartPolicy: Always", "restartPolicy: Never"),
         "fail", subject="v1/Pod/bi/superset", evidence=("restartPolicy Never",)),
    Case("K8S-SUPERVISION-001", "bare Pod restartPolicy OnFailure",
         replaced(_tree(BARE_POD), "all.yaml", "restartPolicy: Always",
                  "restartPolicy: OnFailure"),
         "fail", subject="v1/Pod/bi/superset", evidence=("restartPolicy OnFailure",)),
]

# --- K8S-SUPERVISION-002 ------------------------------------------------------------------
"""Rollouts of the app's Deployments (beat excepted): strategy Recreate fails;
RollingUpdate fails when maxUnavailable can take every pod down at once (100 %, or a
count at or above the replicas, the HPA's minimum when one scales it)."""

R2 = _tree(_web(extra_spec="\n  strategy: {type: RollingUpdate, rollingUpdate: "
                           "{maxUnavailable: 1}}"))

SUPERVISION_2 = [
    Case("K8S-SUPERVISION-002", "rolling, maxUnavailable 1 of 2", R2, "pass", subject=WEB,
         evidence=("strategy RollingUpdate", "maxUnavailable 1"),
         message="rolling updates keep pods serving", location=AT_TOP),
    Case("K8S-SUPERVISION-002", "defaults", _tree(_web()), "pass", subject=WEB,
         evidence=("strategy RollingUpdate", "maxUnavailable 25%")),
    Case("K8S-SUPERVISION-002", "Recreate", replaced(R2, "all.yaml", "type: RollingUpdate",
                                                     "type: Recreate"),
         "fail", subject=WEB, evidence=("strategy Recreate",),
         message="strategy Recreate stops every pod before starting new ones"),
    Case("K8S-SUPERVISION-002", "maxUnavailable 100%",
         replaced(R2, "all.yaml", "maxUnavailable: 1", "maxUnavailable: 100%"), "fail",
         subject=WEB, evidence=("maxUnavailable 100%",),
         message="maxUnavailable lets a rollout stop every pod"),
    Case("K8S-SUPERVISION-002", "maxUnavailable equal to replicas",
         replaced(R2, "all.yaml", "maxUnavailable: 1", "maxUnavailable: 2"), "fail",
         subject=WEB, evidence=("maxUnavailable 2",)),
    Case("K8S-SUPERVISION-002", "maxUnavailable above replicas",
         replaced(R2, "all.yaml", "maxUnavailable: 1", "maxUnavailable: 3"), "fail",
         subject=WEB, evidence=("maxUnavailable 3",)),
    Case("K8S-SUPERVISION-002", "maxUnavailable 50% of 2 rounds down to 1",
         replaced(R2, "all.yaml", "maxUnavailable: 1", "maxUnavailable: 50%"), "pass",
         subject=WEB, evidence=("maxUnavailable 50%",)),
    Case("K8S-SUPERVISION-002", "maxUnavailable 99% of 2 rounds down to 1",
         replaced(R2, "all.yaml", "maxUnavailable: 1", "maxUnavailable: 99%"), "pass",
         subject=WEB, evidence=("maxUnavailable 99%",)),
    Case("K8S-SUPERVISION-002", "maxUnavailable 50% of 1 rounds down to 0",
         replaced(replaced(R2, "all.yaml", "maxUnavailable: 1", "maxUnavailable: 50%"),
                  "all.yaml", "replicas: 2", "replicas: 1"), "pass",
         subject=WEB, evidence=("maxUnavailable 50%",)),
    Case("K8S-SUPERVISION-002", "maxUnavailable 0",
         replaced(R2, "all.yaml", "maxUnavailable: 1", "maxUnavailable: 0"), "pass",
         subject=WEB, evidence=("maxUnavailable 0",)),
    Case("K8S-SUPERVISION-002", "maxUnavailable 1 with replicas left out",
         replaced(R2, "all.yaml", "replicas: 2", ""), "fail",
         subject=WEB, evidence=("maxUnavailable 1",)),
    Case("K8S-SUPERVISION-002", "maxUnavailable 1 with an HPA minimum of 2",
         _tree(replaced(R2, "all.yaml", "replicas: 2", "")["all.yaml"], HPA), "pass",
         subject=WEB, evidence=("maxUnavailable 1",)),
]

# --- K8S-SUPERVISION-003 ------------------------------------------------------------------
"""Runtime: the pods of a long-running workload (owned through its ReplicaSet) are all
Ready and restarted fewer than 5 times. Live-only otherwise; in files, Pods with status."""

RUN = _tree(_web(), _pod("superset-5d9f-a", "n1"), _pod("superset-5d9f-b", "n2"))

SUPERVISION_3 = [
    Case("K8S-SUPERVISION-003", "two ready pods", RUN, "pass", subject=WEB,
         message="2 pod(s) ready, none restarting", location=AT_TOP),
    Case("K8S-SUPERVISION-003", "one pod not ready",
         replaced(RUN, "all.yaml", "status: 'True'}]\n  containerStatuses: [{name: web, "
                  "restartCount: 0}]\n---\napiVersion: v1\nkind: Pod\nmetadata:\n  name: "
                  "superset-5d9f-b", "status: 'False'}]\n  containerStatuses: [{name: web, "
                  "restartCount: 0}]\n---\napiVersion: v1\nkind: Pod\nmetadata:\n  name: "
                  "superset-5d9f-b"),
         "fail", subject=WEB, evidence=("superset-5d9f-a: not ready",),
         message="1 of 2 pod(s) not ready or restarting"),
    Case("K8S-SUPERVISION-003", "four restarts",
         _tree(_web(), _pod("superset-5d9f-a", "n1", restarts=4)), "pass", subject=WEB,
         message="1 pod(s) ready, none restarting"),
    Case("K8S-SUPERVISION-003", "five restarts",
         _tree(_web(), _pod("superset-5d9f-a", "n1", restarts=5)), "fail", subject=WEB,
         evidence=("superset-5d9f-a: 5 restarts",)),
    Case("K8S-SUPERVISION-003", "not ready and six restarts",
         _tree(_web(), _pod("superset-5d9f-a", "n1", ready="False", restarts=6)), "fail",
         subject=WEB, evidence=("superset-5d9f-a: not ready, 6 restarts",)),
]

# --- K8S-ROLLBACK-001 ---------------------------------------------------------------------
"""Images of every container (init included): a digest passes, a release tag warns, a
moving tag (latest), no tag or no image fails."""

DIGEST = "apache/superset@sha256:" + "ab" * 32
INIT = """
      initContainers:
        - name: migrate
          image: busybox:latest"""

ROLLBACK_1 = [
    Case("K8S-ROLLBACK-001", "pinned by digest", _tree(_web(image=DIGEST)), "pass",
         subject=WEB, message="1 image(s) pinned by digest", location=AT_TOP),
    Case("K8S-ROLLBACK-001", "release tag", _tree(_web()), "warn", subject=WEB,
         evidence=("web: tag 4.1.1 names one release",),
         message="images pinned by tag, not digest"),
    Case("K8S-ROLLBACK-001", "latest", _tree(_web(image="apache/superset:latest")), "fail",
         subject=WEB, evidence=("web: ",), message="images with no tag or a moving tag"),
    Case("K8S-ROLLBACK-001", "no tag", _tree(_web(image="apache/superset")), "fail",
         subject=WEB, evidence=("web: ",)),
    Case("K8S-ROLLBACK-001", "no image", _tree(_web(image="''")), "fail", subject=WEB,
         evidence=("web: no image",)),
    Case("K8S-ROLLBACK-001", "init container on latest", _tree(_web(image=DIGEST, pod=INIT)),
         "fail", subject=WEB, evidence=("migrate: ",)),
]

# --- K8S-ROLLBACK-002 ---------------------------------------------------------------------
"""Deployments' revisionHistoryLimit (default 10): 0 fails."""

ROLLBACK_2 = [
    Case("K8S-ROLLBACK-002", "default history", _tree(_web()), "pass", subject=WEB,
         message="keeps 10 old ReplicaSets for rollback", location=AT_TOP),
    Case("K8S-ROLLBACK-002", "history 0",
         _tree(_web(extra_spec="\n  revisionHistoryLimit: 0")), "fail", subject=WEB,
         evidence=("revisionHistoryLimit = 0",), message="revisionHistoryLimit is 0"),
    Case("K8S-ROLLBACK-002", "history 1", _tree(_web(extra_spec="\n  revisionHistoryLimit: 1")),
         "pass", subject=WEB, message="keeps 1 old ReplicaSets"),
]

# --- K8S-ROLLBACK-003 ---------------------------------------------------------------------
"""Helm releases from their records (Secrets labelled owner=helm): the latest revision
failed or pending fails, any other status but deployed warns; no earlier revision kept
after revision 1 warns. Without records, the chart label (helm.sh/chart or chart) of the
Superset chart: 0.22.8 or later (deprecated upstream) warns."""


def _release(revision: int, status: str = "deployed") -> str:
    return f"""
apiVersion: v1
kind: Secret
type: helm.sh/release.v1
metadata:
  name: sh.helm.release.v1.superset.v{revision}
  namespace: bi
  labels: {{owner: helm, name: superset, version: '{revision}', status: {status}}}
"""


def _labelled(label: str) -> dict[str, str]:
    return _tree(_web().replace("metadata: {name: superset, namespace: bi}",
                                f"metadata: {{name: superset, namespace: bi, labels: "
                                f"{{{label}}}}}"))


RELEASES = _tree(_web(), _release(2, "superseded"), _release(3))
HELM = "helm/bi/superset"

ROLLBACK_3 = [
    Case("K8S-ROLLBACK-003", "deployed with an earlier revision", RELEASES, "pass",
         subject=HELM, evidence=("revision 3, status deployed", "2 revision(s) kept"),
         message="release superset is deployed"),
    Case("K8S-ROLLBACK-003", "first revision alone", _tree(_web(), _release(1)), "pass",
         subject=HELM, evidence=("revision 1, status deployed", "1 revision(s) kept")),
    Case("K8S-ROLLBACK-003", "no earlier revision kept", _tree(_web(), _release(3)), "warn",
         subject=HELM, evidence=("revision 3, status deployed", "1 revision(s) kept"),
         message="no earlier revision is kept to roll back to"),
    *[Case("K8S-ROLLBACK-003", f"latest revision {status}",
           replaced(RELEASES, "all.yaml", "status: deployed", f"status: {status}"), "fail",
           subject=HELM, evidence=(f"revision 3, status {status}",),
           message=f"release superset is {status}")
      for status in ("failed", "pending-install", "pending-upgrade", "pending-rollback")],
    *[Case("K8S-ROLLBACK-003", f"latest revision {status}",
           replaced(RELEASES, "all.yaml", "status: deployed", f"status: {status}"), "warn",
           subject=HELM, evidence=(f"revision 3, status {status}",),
           message=f"release superset is {status}, not deployed")
      for status in ("uninstalling", "uninstalled", "superseded", "unknown")],
    Case("K8S-ROLLBACK-003", "chart 0.22.7", _labelled("helm.sh/chart: superset-0.22.7"),
         "pass", subject=WEB, evidence=("helm.sh/chart = superset-0.22.7",),
         message="chart superset-0.22.7 is versioned by Helm", location=AT_TOP),
    Case("K8S-ROLLBACK-003", "chart 0.22.8", _labelled("helm.sh/chart: superset-0.22.8"),
         "warn", subject=WEB, evidence=("helm.sh/chart = superset-0.22.8",),
         message="chart superset-0.22.8 is deprecated upstream"),
    Case("K8S-ROLLBACK-003", "chart 0.23.0", _labelled("helm.sh/chart: superset-0.23.0"),
         "warn", subject=WEB, evidence=("helm.sh/chart = superset-0.23.0",)),
    Case("K8S-ROLLBACK-003", "chart 1.0.0", _labelled("helm.sh/chart: superset-1.0.0"),
         "warn", subject=WEB),
    Case("K8S-ROLLBACK-003", "chart 0.21.9", _labelled("helm.sh/chart: superset-0.21.9"),
         "pass", subject=WEB),
    Case("K8S-ROLLBACK-003", "old chart label",
         _labelled("chart: superset-0.10.0, app.kubernetes.io/instance: bi"), "pass",
         subject=WEB, evidence=("chart = superset-0.10.0", "app.kubernetes.io/instance = bi"),
         absent=("helm.sh/chart = superset-0.10.0",)),
    Case("K8S-ROLLBACK-003", "chart label with app version",
         _labelled("helm.sh/chart: superset-0.22.8, app.kubernetes.io/version: 4.1.1"),
         "warn", subject=WEB, evidence=("app.kubernetes.io/version = 4.1.1",)),
]

# --- K8S-RESOURCES-001 --------------------------------------------------------------------
"""Every container, init containers included: a CPU request, a memory request and a
memory limit; each missing one is named."""

BOUNDED = REQUESTS
RES = _tree(_web(container=BOUNDED))

RESOURCES = [
    Case("K8S-RESOURCES-001", "requests and memory limit", RES, "pass", subject=WEB,
         message="every container has requests and a memory limit", location=AT_TOP),
    Case("K8S-RESOURCES-001", "no cpu request",
         replaced(RES, "all.yaml", "cpu: 500m, ", ""), "fail", subject=WEB,
         evidence=("container web: no cpu request",), location=AT_TOP),
    Case("K8S-RESOURCES-001", "no memory request",
         replaced(RES, "all.yaml", ", memory: 1Gi", ""), "fail", subject=WEB,
         evidence=("container web: no memory request",)),
    Case("K8S-RESOURCES-001", "no memory limit",
         replaced(RES, "all.yaml", "limits: {memory: 2Gi}", "limits: {cpu: 1}"), "fail",
         subject=WEB, evidence=("container web: no memory limit",)),
    Case("K8S-RESOURCES-001", "no resources", _tree(_web()), "fail", subject=WEB,
         evidence=("container web: no cpu request, memory request, memory limit",)),
    Case("K8S-RESOURCES-001", "init container unbounded",
         _tree(_web(pod=INIT, container=BOUNDED)), "fail", subject=WEB,
         evidence=("init container migrate: no cpu request, memory request, memory limit",)),
]

# --- K8S-GITOPS-001 -----------------------------------------------------------------------
"""What manages a workload: a Helm, Argo CD or Flux label or annotation (or
app.kubernetes.io/managed-by, named by its value) passes; kubectl edits in managedFields
or a last-applied-configuration annotation fail; plain manifests warn."""

G_PLAIN = _tree(_web())
G_MANAGED = [
    ("app.kubernetes.io/managed-by", "Helm", "Helm"),
    ("helm.sh/chart", "superset-0.12.0", "Helm"),
    ("heritage", "Helm", "Helm"),
    ("argocd.argoproj.io/instance", "superset", "Argo CD"),
    ("kustomize.toolkit.fluxcd.io/name", "apps", "Flux"),
    ("helm.toolkit.fluxcd.io/name", "superset", "Flux"),
]


def _meta(extra: str) -> dict[str, str]:
    return replaced(G_PLAIN, "all.yaml", "metadata: {name: superset, namespace: bi}",
                    f"metadata: {{name: superset, namespace: bi, {extra}}}")


GITOPS = [
    Case("K8S-GITOPS-001", "plain manifests", G_PLAIN, "warn", subject=WEB,
         message="plain manifests: declarative, but no Helm, Argo CD or Flux label",
         location=AT_TOP),
    *[Case("K8S-GITOPS-001", f"label {key}", _meta(f"labels: {{{key}: {value}}}"), "pass",
           subject=WEB, evidence=(f"{key}={value}",), message=f"managed by {tool}")
      for key, value, tool in G_MANAGED],
    Case("K8S-GITOPS-001", "annotation argocd instance",
         _meta("annotations: {argocd.argoproj.io/instance: superset}"), "pass", subject=WEB,
         evidence=("argocd.argoproj.io/instance=superset",), message="managed by Argo CD"),
    Case("K8S-GITOPS-001", "last-applied-configuration",
         _meta("annotations: {kubectl.kubernetes.io/last-applied-configuration: '{}'}"),
         "fail", subject=WEB,
         evidence=("kubectl apply (last-applied-configuration annotation)",),
         message="changed by hand with kubectl"),
    *[Case("K8S-GITOPS-001", f"managedFields {manager}",
           _meta(f"managedFields: [{{manager: {manager}, operation: Update}}]"), "fail",
           subject=WEB, evidence=(manager,), message="changed by hand with kubectl")
      for manager in ("kubectl-edit", "kubectl-patch", "kubectl-create",
                      "kubectl-client-side-apply", "kubectl-set", "kubectl-scale", "kubectl")],
    Case("K8S-GITOPS-001", "managedFields by a controller",
         _meta("managedFields: [{manager: kube-controller-manager, operation: Update}]"),
         "warn", subject=WEB, message="plain manifests"),
]

# --- K8S-UPDATES-001 ----------------------------------------------------------------------
"""An object on an apiVersion/kind the listed Kubernetes release removed fails, on that
object; with none, every workload passes."""

REMOVED = [
    ("extensions/v1beta1", "Deployment", "1.16"), ("extensions/v1beta1", "DaemonSet", "1.16"),
    ("extensions/v1beta1", "ReplicaSet", "1.16"), ("extensions/v1beta1", "Ingress", "1.22"),
    ("extensions/v1beta1", "NetworkPolicy", "1.16"), ("apps/v1beta1", "Deployment", "1.16"),
    ("apps/v1beta1", "StatefulSet", "1.16"), ("apps/v1beta2", "Deployment", "1.16"),
    ("apps/v1beta2", "StatefulSet", "1.16"), ("apps/v1beta2", "DaemonSet", "1.16"),
    ("networking.k8s.io/v1beta1", "Ingress", "1.22"),
    ("policy/v1beta1", "PodDisruptionBudget", "1.25"),
    ("policy/v1beta1", "PodSecurityPolicy", "1.25"), ("batch/v1beta1", "CronJob", "1.25"),
    ("autoscaling/v2beta1", "HorizontalPodAutoscaler", "1.25"),
    ("autoscaling/v2beta2", "HorizontalPodAutoscaler", "1.26"),
    ("rbac.authorization.k8s.io/v1beta1", "ClusterRole", "1.22"),
    ("rbac.authorization.k8s.io/v1beta1", "Role", "1.22"),
]
OLD = """
apiVersion: {api}
kind: {kind}
metadata: {{name: old, namespace: bi}}
spec: {{}}
"""


def _removed_subject(api: str, kind: str) -> str:
    # A ClusterRole is cluster-scoped: its subject names no namespace.
    return f"{api}/{kind}/-/old" if kind == "ClusterRole" else f"{api}/{kind}/bi/old"


UPDATES = [
    Case("K8S-UPDATES-001", "current APIs", _tree(_web()), "pass", subject=WEB,
         message="current API versions", location=AT_TOP),
    Case("K8S-UPDATES-001", "current policy/v1 PDB beside", _tree(_web(), PDB), "pass",
         subject=WEB),
    Case("K8S-UPDATES-001", "still-served apps/v1 in a beta-looking group",
         _tree(_web(), OLD.format(api="autoscaling/v2", kind="HorizontalPodAutoscaler")),
         "pass", subject=WEB),
    *[Case("K8S-UPDATES-001", f"{api} {kind}", _tree(_web(), OLD.format(api=api, kind=kind)),
           "fail", subject=_removed_subject(api, kind), evidence=(f"apiVersion: {api}",),
           message=f"{api} {kind} was removed in Kubernetes {version}",
           location=("all.yaml", 14))
      for api, kind, version in REMOVED],
]

# --- K8S-STORAGE-001 ----------------------------------------------------------------------
"""The database's data on a volume claim (volumeClaimTemplates or a persistentVolumeClaim
volume) and on no emptyDir outside scratch paths (/tmp, /run, /var/run, /dev/shm and
Bitnami's tmp/conf folders, whole path components) fails otherwise; Redis without a claim
warns; a PersistentVolumeClaim whose status.phase is not Bound fails."""


def _db(volumes: str = "", templates: str = "\n  volumeClaimTemplates:\n    - metadata: "
        "{name: data}\n      spec: {accessModes: [ReadWriteOnce], resources: {requests: "
        "{storage: 8Gi}}}", mounts: str = "\n          volumeMounts:\n            - {name: "
        "data, mountPath: /var/lib/postgresql/data}", image: str = "postgres:16.4",
        name: str = "postgres") -> str:
    return f"""
apiVersion: apps/v1
kind: StatefulSet
metadata: {{name: {name}, namespace: bi}}
spec:
  serviceName: {name}
  selector: {{matchLabels: {{app: {name}}}}}{templates}
  template:
    metadata: {{labels: {{app: {name}}}}}
    spec:{volumes}
      containers:
        - name: {name}
          image: {image}{mounts}
"""


DB = "apps/v1/StatefulSet/bi/postgres"
REDIS = "apps/v1/StatefulSet/bi/redis"
EMPTY = "\n      volumes:\n        - {name: data, emptyDir: {}}"
CLAIM = "\n      volumes:\n        - {name: data, persistentVolumeClaim: {claimName: pg}}"
SCRATCH_MOUNT = "\n            - {name: scratch, mountPath: %s}"
SCRATCH_VOLUME = "\n        - {name: scratch, emptyDir: {}}"


def _scratch(path: str) -> dict[str, str]:
    """The passing database plus one emptyDir mounted at ``path``."""
    base = _db(volumes=CLAIM + SCRATCH_VOLUME, templates="")
    return _tree(base.replace("/var/lib/postgresql/data}", "/var/lib/postgresql/data}"
                              + SCRATCH_MOUNT % path))


PVC = """
apiVersion: v1
kind: PersistentVolumeClaim
metadata: {name: pg, namespace: bi}
spec: {accessModes: [ReadWriteOnce], resources: {requests: {storage: 8Gi}}}
status: {phase: Pending}
"""

STORAGE = [
    Case("K8S-STORAGE-001", "volumeClaimTemplates", _tree(_db()), "pass", subject=DB,
         message="the database stores data on a PersistentVolumeClaim", location=AT_TOP),
    Case("K8S-STORAGE-001", "persistentVolumeClaim volume", _tree(_db(CLAIM, templates="")),
         "pass", subject=DB),
    Case("K8S-STORAGE-001", "emptyDir data", _tree(_db(EMPTY, templates="")), "fail",
         subject=DB, evidence=("emptyDir data",),
         message="the database stores its data in the pod", location=AT_TOP),
    Case("K8S-STORAGE-001", "no volume at all", _tree(_db(templates="", mounts="")), "fail",
         subject=DB, evidence=("no volume claim",)),
    Case("K8S-STORAGE-001", "claim beside an emptyDir data mount",
         _tree(_db(EMPTY))
         , "fail", subject=DB, evidence=("emptyDir data",)),
    *[Case("K8S-STORAGE-001", f"emptyDir scratch at {path}", _scratch(path), "pass",
           subject=DB) for path in ("/tmp", "/run", "/var/run", "/dev/shm", "/tmp/pg",
                                    "/opt/bitnami/postgresql/tmp",
                                    "/opt/bitnami/postgresql/conf")],
    *[Case("K8S-STORAGE-001", f"emptyDir at {path} is not scratch", _scratch(path), "fail",
           subject=DB, evidence=("emptyDir scratch",))
      for path in ("/tmpdata", "/runtime", "/var/running", "/opt/bitnami/postgresql/tmpdata")],
    Case("K8S-STORAGE-001", "claim declared but never mounted",
         _tree(_db(CLAIM, templates="", mounts="")), "fail", subject=DB,
         evidence=("no volume claim",)),
    Case("K8S-STORAGE-001", "mysql on emptyDir",
         _tree(_db(EMPTY, templates="", image="mysql:8.4.2")), "fail", subject=DB,
         evidence=("emptyDir data",)),
    Case("K8S-STORAGE-001", "Redis with a claim",
         _tree(_db(image="redis:7.4.0", name="redis")), "pass", subject=REDIS,
         message="Redis keeps its data on a volume claim"),
    Case("K8S-STORAGE-001", "Redis on emptyDir",
         _tree(_db(EMPTY, templates="", image="redis:7.4.0", name="redis")), "warn",
         subject=REDIS, evidence=("emptyDir data",),
         message="Redis has no persistence: the Celery queue and results are lost on restart"),
    Case("K8S-STORAGE-001", "PVC Pending", _tree(_db(CLAIM, templates=""), PVC), "fail",
         subject="v1/PersistentVolumeClaim/bi/pg", evidence=("status.phase = Pending",),
         message="PersistentVolumeClaim is Pending", location=("all.yaml", 18)),
    Case("K8S-STORAGE-001", "PVC Lost",
         _tree(_db(CLAIM, templates=""), PVC.replace("Pending", "Lost")), "fail",
         subject="v1/PersistentVolumeClaim/bi/pg", evidence=("status.phase = Lost",)),
]

# --- K8S-BACKUPS-001 ----------------------------------------------------------------------
"""With a database or Superset among the objects: a CronJob running a backup tool
(pg_dump, pg_dumpall, pg_basebackup, pgbackrest, barman, wal-g, mysqldump, restic,
velero) passes when it copies off the cluster (s3, gs, az, rclone, aws, gsutil, restic,
wal-g, pgbackrest, azcopy), warns when the copy stays inside, fails when suspended; a
Velero Schedule covering the namespace passes (one that is paused or covers other
namespaces does not count); nothing fails on the database (or the web workload); a
metadata database outside the audited objects skips."""


def _cron(command: str, extra: str = "") -> str:
    return f"""
apiVersion: batch/v1
kind: CronJob
metadata: {{name: backup, namespace: bi}}
spec:
  schedule: '0 3 * * *'{extra}
  jobTemplate:
    spec:
      template:
        spec:
          restartPolicy: OnFailure
          containers:
            - name: dump
              image: postgres:16.4
              command: [sh, -c, '{command}']
"""


DUMP = "pg_dump -h postgres superset | aws s3 cp - s3://backups/superset.sql"
VELERO = """
apiVersion: velero.io/v1
kind: Schedule
metadata: {name: daily, namespace: velero}
spec:
  schedule: '0 3 * * *'
  template: {includedNamespaces: [bi]}
"""
B_DB = _db()
CRON = "batch/v1/CronJob/bi/backup"
EXTERNAL_URI = """
          volumeMounts: [{name: config, mountPath: /app/pythonpath}]
      volumes:
        - {name: config, configMap: {name: superset-config}}"""
CONFIG = """
apiVersion: v1
kind: ConfigMap
metadata: {name: superset-config, namespace: bi}
data:
  superset_config.py: |
    SQLALCHEMY_DATABASE_URI = "postgresql://superset@db.example.com:5432/superset"
"""

BACKUPS = [
    Case("K8S-BACKUPS-001", "pg_dump to S3", _tree(B_DB, _cron(DUMP)), "pass", subject=CRON,
         evidence=("schedule 0 3 * * *", "tool: pg_dump"),
         message="a scheduled backup copies the database off the cluster",
         location=("all.yaml", 19)),
    Case("K8S-BACKUPS-001", "pg_dump to a volume",
         _tree(B_DB, _cron("pg_dump -h postgres superset > /backup/superset.sql")), "warn",
         subject=CRON, evidence=("tool: pg_dump",),
         message="backups are scheduled but stay inside the cluster"),
    Case("K8S-BACKUPS-001", "suspended", _tree(B_DB, _cron(DUMP, "\n  suspend: true")), "fail",
         subject=CRON, evidence=("schedule 0 3 * * *", "tool: pg_dump"),
         message="the backup CronJob is suspended"),
    Case("K8S-BACKUPS-001", "suspend false", _tree(B_DB, _cron(DUMP, "\n  suspend: false")),
         "pass", subject=CRON),
    *[Case("K8S-BACKUPS-001", f"tool {tool}",
           _tree(B_DB, _cron(f"{tool} --host postgres > /backup/out")), "warn", subject=CRON,
           evidence=(f"tool: {tool}",))
      for tool in ("pg_dumpall", "pg_basebackup", "barman", "mysqldump")],
    *[Case("K8S-BACKUPS-001", f"off-site tool {tool}",
           _tree(B_DB, _cron(f"{tool} backup --host postgres")), "pass", subject=CRON,
           evidence=(f"tool: {tool}",))
      for tool in ("pgbackrest", "wal-g", "restic")],
    *[Case("K8S-BACKUPS-001", f"pg_dump then {word}",
           _tree(B_DB, _cron(f"pg_dump -h postgres superset > /b/x && {word} /b/x")), "pass",
           subject=CRON, evidence=("tool: pg_dump",))
      for word in ("rclone copy", "gsutil cp", "azcopy copy", "aws s3 cp")],
    *[Case("K8S-BACKUPS-001", f"pg_dump to {scheme}://",
           _tree(B_DB, _cron(f"pg_dump -h postgres superset | upload {scheme}://bucket/x")),
           "pass", subject=CRON, evidence=("tool: pg_dump",))
      for scheme in ("s3", "gs", "az")],
    Case("K8S-BACKUPS-001", "CronJob without a backup tool",
         _tree(B_DB, _cron("psql -h postgres -c vacuum")), "fail", subject=DB,
         evidence=("looked for CronJobs running pg_dump",),
         message="no backup CronJob or Velero Schedule"),
    Case("K8S-BACKUPS-001", "no backup", _tree(B_DB), "fail", subject=DB,
         message="no backup CronJob or Velero Schedule", location=AT_TOP),
    Case("K8S-BACKUPS-001", "no backup, Superset alone", _tree(_web()), "fail", subject=WEB,
         message="none among the audited objects backs up the metadata database"),
    Case("K8S-BACKUPS-001", "Velero Schedule of the namespace", _tree(B_DB, VELERO), "pass",
         subject="velero.io/v1/Schedule/velero/daily", message="a Velero Schedule backs up bi"),
    Case("K8S-BACKUPS-001", "Velero Schedule of the whole cluster",
         _tree(B_DB, VELERO.replace("template: {includedNamespaces: [bi]}", "template: {}")),
         "pass", subject="velero.io/v1/Schedule/velero/daily",
         message="a Velero Schedule backs up the cluster"),
    Case("K8S-BACKUPS-001", "Velero Schedule with a wildcard",
         _tree(B_DB, VELERO.replace("[bi]", "['*']")), "pass",
         subject="velero.io/v1/Schedule/velero/daily"),
    Case("K8S-BACKUPS-001", "Velero Schedule of other namespaces",
         _tree(B_DB, VELERO.replace("[bi]", "[monitoring]")), "fail", subject=DB,
         message="no backup CronJob or Velero Schedule"),
    Case("K8S-BACKUPS-001", "Velero Schedule excluding the namespace",
         _tree(B_DB, VELERO.replace("{includedNamespaces: [bi]}",
                                    "{excludedNamespaces: [bi]}")),
         "fail", subject=DB, message="no backup CronJob or Velero Schedule"),
    Case("K8S-BACKUPS-001", "Velero Schedule paused",
         _tree(B_DB, VELERO.replace("spec:\n", "spec:\n  paused: true\n")), "fail",
         subject="velero.io/v1/Schedule/velero/daily",
         message="the Velero Schedule is paused"),
    Case("K8S-BACKUPS-001", "a Schedule of another API group",
         _tree(B_DB, VELERO.replace("velero.io/v1", "example.com/v1")), "fail", subject=DB),
    Case("K8S-BACKUPS-001", "database outside the audited objects",
         _tree(_web(container=EXTERNAL_URI), CONFIG), "skip", subject=WEB,
         message="db.example.com"),
]

# --- K8S-LOAD-BALANCING-001 ---------------------------------------------------------------
"""A Service selecting the web pods, and two or more of them (the HPA's minimum when an
HPA scales the workload): no Service fails, one pod fails, a count that is not a number
skips."""

LB = _tree(_web(), SERVICE)

LOAD_BALANCING = [
    Case("K8S-LOAD-BALANCING-001", "Service over two pods", LB, "pass", subject=WEB,
         message="Service superset spreads traffic over 2+ pods", location=AT_TOP),
    Case("K8S-LOAD-BALANCING-001", "Service over one pod",
         replaced(LB, "all.yaml", "replicas: 2", "replicas: 1"), "fail", subject=WEB,
         evidence=("replicas 1",), message="Service superset has one pod to send traffic to"),
    Case("K8S-LOAD-BALANCING-001", "no Service", _tree(_web()), "fail", subject=WEB,
         message="no Service selects the web pods", location=AT_TOP),
    Case("K8S-LOAD-BALANCING-001", "Service selects other pods",
         replaced(LB, "all.yaml", "selector: {app: superset}", "selector: {app: other}"),
         "fail", subject=WEB, message="no Service selects the web pods"),
    Case("K8S-LOAD-BALANCING-001", "Service in another namespace",
         replaced(LB, "all.yaml", "{name: superset, namespace: bi}\nspec:\n  selector",
                  "{name: superset, namespace: x}\nspec:\n  selector"),
         "fail", subject=WEB, message="no Service selects the web pods"),
    Case("K8S-LOAD-BALANCING-001", "replicas not a number",
         replaced(LB, "all.yaml", "replicas: 2", "replicas: '2'"), "skip", subject=WEB,
         evidence=("Service superset",), message="replica count is not a number",
         absent=("replicas 1",)),
    Case("K8S-LOAD-BALANCING-001", "replicas left out is one",
         replaced(LB, "all.yaml", "replicas: 2", ""), "fail", subject=WEB,
         evidence=("replicas 1",)),
    Case("K8S-LOAD-BALANCING-001", "three replicas", replaced(LB, "all.yaml", "replicas: 2",
                                                              "replicas: 3"),
         "pass", subject=WEB, message="Service superset spreads traffic over 3+ pods"),
    Case("K8S-LOAD-BALANCING-001", "one replica, HPA minimum 2",
         _tree(_web("replicas: 1"), SERVICE, HPA), "pass", subject=WEB,
         message="spreads traffic over 2+ pods"),
    Case("K8S-LOAD-BALANCING-001", "no Superset: a Service-backed tier with one replica",
         replaced(PROXY, "all.yaml", "replicas: 2", "replicas: 1"), "fail", subject=WEB,
         evidence=("replicas 1",)),
]

CASES: list[Case] = [
    *AVAILABILITY_1, *AVAILABILITY_2, *AVAILABILITY_3, *AVAILABILITY_4, *SCALABILITY,
    *SUPERVISION_1, *SUPERVISION_2, *SUPERVISION_3, *ROLLBACK_1, *ROLLBACK_2, *ROLLBACK_3,
    *RESOURCES, *GITOPS, *UPDATES, *STORAGE, *BACKUPS, *LOAD_BALANCING,
]
