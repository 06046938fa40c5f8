import assert from "node:assert/strict";
import { test } from "node:test";
import { load } from "js-yaml";
import { parseStackConfig } from "../../config/parse";
import { type MonitoringConfig } from "../../model/stack";
import { dockerGateway, externalLabels, prometheusCommand, renderPrometheus } from "../../render/prometheus";

interface ScrapeJob {
    job_name: string;
    metrics_path?: string;
    scheme?: string;
    static_configs: { targets: string[]; labels?: Record<string, string> }[];
}
interface PrometheusYaml {
    global: { scrape_interval: string; scrape_timeout: string; evaluation_interval: string; external_labels: Record<string, string> };
    rule_files: string[];
    alerting: { alertmanagers: { static_configs: { targets: string[] }[] }[] };
    scrape_configs: ScrapeJob[];
}

function monitoring(raw: Record<string, unknown> = {}): MonitoringConfig {
    return parseStackConfig("test", { hetznerSshKeyName: "deploy", ...raw }).monitoring;
}

function rendered(m: MonitoringConfig): PrometheusYaml {
    const files = renderPrometheus(m);
    assert.equal(files.length, 1);
    return load(files[0].content) as PrometheusYaml;
}

function job(config: PrometheusYaml, name: string): ScrapeJob {
    const found = config.scrape_configs.find((j) => j.job_name === name);
    assert.ok(found, `job ${name} missing; jobs: ${config.scrape_configs.map((j) => j.job_name).join(", ")}`);
    return found;
}

const apps = [
    { job: "api", targets: ["api:8000", "host.docker.internal:8001"], labels: { service: "api", team: "core" } },
    { job: "worker", targets: ["worker:9000"], metricsPath: "/internal/metrics", scheme: "https" },
];
const redis = [{ name: "main", address: "redis:6379" }, { name: "cache", address: "cache:6379", password: "s3cret" }];

test("prometheus.yml is a non-secret file owned by the prometheus user", () => {
    const [file] = renderPrometheus(monitoring());
    assert.equal(file.path, "prometheus/prometheus.yml");
    assert.equal(file.secret, false);
    assert.equal(file.owner, 65534);
});

test("global settings come from the config, with the environment and host labels", () => {
    const m = monitoring({ environment: "staging", serverName: "vps-eu-1", scrapeInterval: "30s", scrapeTimeout: "20s", evaluationInterval: "1m" });
    const { global } = rendered(m);
    assert.equal(global.scrape_interval, "30s");
    assert.equal(global.scrape_timeout, "20s");
    assert.equal(global.evaluation_interval, "1m");
    assert.deepEqual(global.external_labels, { environment: "staging", host: "vps-eu-1" });
    assert.deepEqual(externalLabels(m), global.external_labels);
});

test("rules are loaded from the rules folder and alerts go to the stack's own Alertmanager, by its unique container name", () => {
    const config = rendered(monitoring());
    assert.deepEqual(config.rule_files, ["/etc/prometheus/current/rules/*.yml"]);
    // Prometheus also sits on the apps' networks, where `alertmanager` could be an app's own.
    assert.deepEqual(config.alerting.alertmanagers[0].static_configs[0].targets, ["monitoring-test-alertmanager:9093"]);
});

test("the stack's own services are scraped, by container names that carry the stack", () => {
    const config = rendered(monitoring());
    assert.deepEqual(job(config, "prometheus").static_configs[0].targets, ["localhost:9090"]);
    assert.deepEqual(job(config, "alertmanager").static_configs[0].targets, ["monitoring-test-alertmanager:9093"]);
    assert.deepEqual(job(config, "grafana").static_configs[0].targets, ["monitoring-test-grafana:3000"]);
});

test("node-exporter is scraped on the monitoring network's gateway, only when enabled", () => {
    const on = rendered(monitoring({ dockerSubnet: "10.77.0.0/24" }));
    assert.deepEqual(job(on, "node").static_configs[0].targets, ["10.77.0.1:9100"]);
    const off = rendered(monitoring({ nodeExporter: false }));
    assert.equal(off.scrape_configs.some((j) => j.job_name === "node"), false);
});

test("dockerGateway is the first host address of the subnet", () => {
    assert.equal(dockerGateway("172.30.0.0/24"), "172.30.0.1");
    assert.equal(dockerGateway("10.20.30.64/26"), "10.20.30.65");
    assert.equal(dockerGateway("192.168.5.77/24"), "192.168.5.1");
    assert.equal(dockerGateway("172.16.0.0/12"), "172.16.0.1");
});

test("every Redis gets a job scraping its own exporter, labelled with its name", () => {
    const config = rendered(monitoring({ redis }));
    for (const { name } of redis) {
        const { static_configs } = job(config, `redis-${name}`);
        assert.deepEqual(static_configs, [{ targets: [`monitoring-test-redis-exporter-${name}:9121`], labels: { redis: name } }]);
    }
});

test("Redis passwords never reach prometheus.yml", () => {
    const [file] = renderPrometheus(monitoring({ redis }));
    assert.equal(file.content.includes("s3cret"), false);
});

test("every app gets its job with targets, path, scheme and labels", () => {
    const config = rendered(monitoring({ apps }));
    const api = job(config, "api");
    assert.equal(api.metrics_path, "/metrics");
    assert.equal(api.scheme, "http");
    assert.deepEqual(api.static_configs, [{ targets: ["api:8000", "host.docker.internal:8001"], labels: { service: "api", team: "core" } }]);
    const worker = job(config, "worker");
    assert.equal(worker.metrics_path, "/internal/metrics");
    assert.equal(worker.scheme, "https");
    assert.deepEqual(worker.static_configs, [{ targets: ["worker:9000"] }]);
});

test("job names are unique", () => {
    const names = rendered(monitoring({ apps, redis })).scrape_configs.map((j) => j.job_name);
    assert.equal(new Set(names).size, names.length);
});

test("the command keeps data for the configured time and size, reads its config through current, and has no lifecycle API", () => {
    const cmd = prometheusCommand(monitoring({ retentionTime: "30d", retentionSize: "12GB" }));
    assert.ok(cmd.includes("--config.file=/etc/prometheus/current/prometheus.yml"));
    assert.ok(cmd.includes("--storage.tsdb.path=/prometheus"));
    assert.ok(cmd.includes("--storage.tsdb.retention.time=30d"));
    assert.ok(cmd.includes("--storage.tsdb.retention.size=12GB"));
    assert.ok(!cmd.some((flag) => flag.startsWith("--web.enable-lifecycle")), "SIGHUP reloads; no HTTP endpoint may stop or reload it");
    assert.ok(cmd.includes("--web.listen-address=:9090"));
});

test("the listen port inside the container does not follow the published port", () => {
    const m = monitoring({ prometheusPort: 19090 });
    assert.ok(prometheusCommand(m).includes("--web.listen-address=:9090"));
    assert.deepEqual(job(rendered(m), "prometheus").static_configs[0].targets, ["localhost:9090"]);
});

test("the Docker gateway of a /0 subnet is 0.0.0.1, the network's first address", () => {
    assert.equal(dockerGateway("172.20.5.0/0"), "0.0.0.1");
    assert.equal(dockerGateway("172.20.5.0/24"), "172.20.5.1");
});

test("prometheus.yml has no remote_write section without remoteWrite stores", () => {
    const config = rendered(monitoring()) as unknown as Record<string, unknown>;
    assert.equal("remote_write" in config, false);
    assert.ok(!renderPrometheus(monitoring())[0].content.includes("remote_write"));
});

test("the TSDB admin API is on only for the backup's snapshots", () => {
    const without = prometheusCommand(monitoring());
    assert.equal(without.at(-1), "--web.listen-address=:9090");
    assert.ok(!without.includes("--web.enable-admin-api"));
    assert.equal(prometheusCommand(monitoring({ backupRepository: "/srv/restic", backupPassword: "pw" })).at(-1), "--web.enable-admin-api");
});
