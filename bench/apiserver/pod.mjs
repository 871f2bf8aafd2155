// A realistic pod (~2.8 KiB as served, once defaults and the service-account token volume are in): one container
// with resources, probes, ports, env (including downward-API fields), labels and annotations.
export function podJSON(ns, name, i) {
  return JSON.stringify({
    apiVersion: "v1",
    kind: "Pod",
    metadata: {
      name,
      namespace: ns,
      labels: {
        app: "bench", tier: "backend", "pod-template-hash": "7d9c6b5f4d",
        "app.kubernetes.io/name": "bench", "app.kubernetes.io/instance": `bench-${i % 100}`, "app.kubernetes.io/version": "1.4.2",
      },
      annotations: { "kplane.io/bench": "apiserver", "prometheus.io/scrape": "true", "prometheus.io/port": "9090" },
    },
    spec: {
      containers: [{
        name: "app",
        image: "registry.example.com/team/bench-app:1.4.2",
        imagePullPolicy: "IfNotPresent",
        command: ["/bin/app"],
        args: ["--listen=:8080", "--metrics=:9090", "--log-level=info"],
        ports: [{ name: "http", containerPort: 8080, protocol: "TCP" }, { name: "metrics", containerPort: 9090, protocol: "TCP" }],
        env: [
          { name: "APP_MODE", value: "production" },
          { name: "APP_REGION", value: "local" },
          { name: "POD_NAME", valueFrom: { fieldRef: { fieldPath: "metadata.name" } } },
          { name: "POD_IP", valueFrom: { fieldRef: { fieldPath: "status.podIP" } } },
          { name: "GOMAXPROCS", value: "2" },
        ],
        resources: { requests: { cpu: "100m", memory: "128Mi" }, limits: { cpu: "500m", memory: "256Mi" } },
        readinessProbe: { httpGet: { path: "/readyz", port: 8080 }, periodSeconds: 10 },
        livenessProbe: { httpGet: { path: "/healthz", port: 8080 }, initialDelaySeconds: 5, periodSeconds: 10 },
        volumeMounts: [{ name: "config", mountPath: "/etc/app", readOnly: true }],
      }],
      volumes: [{ name: "config", configMap: { name: "bench-config" } }],
      restartPolicy: "Always",
      terminationGracePeriodSeconds: 30,
      dnsPolicy: "ClusterFirst",
    },
  });
}

/** Pod names sort and rotate predictably: bench-000000, bench-000001, ... */
export const podName = (prefix, i) => `${prefix}-${String(i).padStart(6, "0")}`;
