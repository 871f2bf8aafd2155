import { Gauge, Registry as PromRegistry } from "prom-client";
import type { RequestInfo } from "./filters/requestInfo.js";
import type { Registry } from "./registry/index.js";

const REQUEST_LABELS = ["verb", "dry_run", "group", "version", "resource", "subresource", "scope", "component"] as const;
const DURATION_BUCKETS = [0.005, 0.025, 0.05, 0.1, 0.2, 0.4, 0.6, 0.8, 1, 1.25, 1.5, 2, 3, 4, 5, 6, 8, 10, 15, 20, 30, 45, 60];

/** One label set's request count per code and duration histogram. */
interface Series {
  labels: string; // `verb="GET",...` as the exposition format writes it
  codes: Map<string, number>;
  buckets: number[]; // non-cumulative
  sum: number;
  count: number;
}

function escapeLabel(v: string): string {
  return v.replace(/\\/g, "\\\\").replace(/\n/g, "\\n").replace(/"/g, '\\"');
}

/**
 * kube-apiserver's metric names for what kplane measures. The per-request pair
 * (`apiserver_request_total`, `apiserver_request_duration_seconds`) is kept here in a map keyed
 * by the label values and written out in the text format: prom-client hashes its label object on
 * every call, a few per cent of a GET. The rest goes through prom-client.
 */
export class ApiMetrics {
  private readonly prom = new PromRegistry();
  private readonly series = new Map<string, Series>();
  private readonly objects: Gauge;

  constructor(private readonly registry: Registry) {
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
      this.count([info.verb.toUpperCase(), "", "", "", "", "", "", "apiserver"], String(code), undefined);
      return;
    }
    const scope = info.name ? "resource" : info.namespace ? "namespace" : "cluster";
    const verb = info.verb === "watch" ? "WATCH" : info.verb === "list" ? "LIST" : info.verb === "create" ? "POST" : info.verb === "update" ? "PUT" : info.verb.toUpperCase();
    this.count([verb, "", info.apiGroup, info.apiVersion, info.resource, info.subresource, scope, "apiserver"], String(code), seconds);
  }

  /** Counts a request; `seconds` also goes in the duration histogram (not for non-resource URLs). */
  private count(values: string[], code: string, seconds: number | undefined): void {
    const key = values.join("\u0000");
    let s = this.series.get(key);
    if (!s) {
      s = { labels: REQUEST_LABELS.map((l, i) => `${l}="${escapeLabel(values[i]!)}"`).join(","), codes: new Map(), buckets: [], sum: 0, count: 0 };
      this.series.set(key, s);
    }
    s.codes.set(code, (s.codes.get(code) ?? 0) + 1);
    if (seconds === undefined) return;
    if (!s.buckets.length) s.buckets = new Array<number>(DURATION_BUCKETS.length).fill(0);
    let i = 0;
    while (i < DURATION_BUCKETS.length && seconds > DURATION_BUCKETS[i]!) i++;
    if (i < DURATION_BUCKETS.length) s.buckets[i]!++;
    s.sum += seconds;
    s.count++;
  }

  private renderRequests(): string {
    const total = "apiserver_request_total";
    const dur = "apiserver_request_duration_seconds";
    const out = [
      `# HELP ${total} Counter of apiserver requests broken out for each verb, dry run value, group, version, resource, scope, component, and HTTP response code.`,
      `# TYPE ${total} counter`,
    ];
    for (const s of this.series.values()) for (const [code, n] of s.codes) out.push(`${total}{${s.labels},code="${code}"} ${n}`);
    out.push(
      `# HELP ${dur} Response latency distribution in seconds for each verb, dry run value, group, version, resource, subresource, scope and component.`,
      `# TYPE ${dur} histogram`,
    );
    for (const s of this.series.values()) {
      if (!s.buckets.length) continue;
      let acc = 0;
      DURATION_BUCKETS.forEach((le, i) => {
        acc += s.buckets[i]!;
        out.push(`${dur}_bucket{${s.labels},le="${le}"} ${acc}`);
      });
      out.push(`${dur}_bucket{${s.labels},le="+Inf"} ${s.count}`, `${dur}_sum{${s.labels}} ${s.sum}`, `${dur}_count{${s.labels}} ${s.count}`);
    }
    return out.join("\n") + "\n";
  }

  async render(): Promise<{ body: string; contentType: string }> {
    return { body: this.renderRequests() + (await this.prom.metrics()), contentType: this.prom.contentType };
  }
}
