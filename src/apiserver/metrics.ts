import { Counter, Gauge, Histogram, Registry as PromRegistry } from "prom-client";
import type { RequestInfo } from "./filters/requestInfo.js";
import type { Registry } from "./registry/index.js";

/** kube-apiserver's metric names for what kplane measures. */
export class ApiMetrics {
  private readonly prom = new PromRegistry();
  private readonly requests: Counter;
  private readonly duration: Histogram;
  private readonly objects: Gauge;

  constructor(private readonly registry: Registry) {
    const labelNames = ["verb", "dry_run", "group", "version", "resource", "subresource", "scope", "component", "code"];
    this.requests = new Counter({ name: "apiserver_request_total", help: "Counter of apiserver requests broken out for each verb, dry run value, group, version, resource, scope, component, and HTTP response code.", labelNames, registers: [this.prom] });
    this.duration = new Histogram({
      name: "apiserver_request_duration_seconds",
      help: "Response latency distribution in seconds for each verb, dry run value, group, version, resource, subresource, scope and component.",
      labelNames: labelNames.filter((l) => l !== "code"),
      buckets: [0.005, 0.025, 0.05, 0.1, 0.2, 0.4, 0.6, 0.8, 1, 1.25, 1.5, 2, 3, 4, 5, 6, 8, 10, 15, 20, 30, 45, 60],
      registers: [this.prom],
    });
    const reg = this.registry;
    this.objects = new Gauge({
      name: "apiserver_storage_objects",
      help: "Number of stored objects at the time of last check split by kind.",
      labelNames: ["resource"],
      registers: [this.prom],
      async collect() {
        const seen = new Set<string>();
        for (const info of reg.resources) {
          if (seen.has(info.etcdPrefix)) continue;
          seen.add(info.etcdPrefix);
          const store = reg.byResource(info.group, info.resource);
          if (!store || !info.verbs.includes("list")) continue;
          try {
            const n = await store.storage.count(`/registry/${info.etcdPrefix}/`);
            this.set({ resource: info.group ? `${info.resource}.${info.group}` : info.resource }, n);
          } catch {
            // A store that cannot answer leaves its last value.
          }
        }
      },
    });
  }

  observe(info: RequestInfo, code: number, seconds: number): void {
    if (!info.isResourceRequest) {
      this.requests.inc({ verb: info.verb.toUpperCase(), dry_run: "", group: "", version: "", resource: "", subresource: "", scope: "", component: "apiserver", code: String(code) });
      return;
    }
    const scope = info.name ? "resource" : info.namespace ? "namespace" : "cluster";
    const verb = info.verb === "watch" ? "WATCH" : info.verb === "list" ? "LIST" : info.verb === "create" ? "POST" : info.verb === "update" ? "PUT" : info.verb.toUpperCase();
    const labels = { verb, dry_run: "", group: info.apiGroup, version: info.apiVersion, resource: info.resource, subresource: info.subresource, scope, component: "apiserver" };
    this.requests.inc({ ...labels, code: String(code) });
    this.duration.observe(labels, seconds);
  }

  async render(): Promise<{ body: string; contentType: string }> {
    return { body: await this.prom.metrics(), contentType: this.prom.contentType };
  }
}
