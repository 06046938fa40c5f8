// The service specs (model/services.ts) are where every layer learns about a service. The blackbox
// exporter is the proof that a new exporter is one spec entry (and its renderer): turned on here
// without a probe, it reaches the program (its component and container under mocks),
// prometheus.yml (its scrape job), the metric names dashboards may use, and the rehearsal.
import * as assert from "node:assert/strict";
import { before, test } from "node:test";
import * as command from "@pulumi/command";
import { load } from "js-yaml";
import { parseStackConfig } from "../../config/parse";
import { type MonitoringConfig } from "../../model/stack";
import { stackRawConfig } from "../../config/stackFiles";
import { allServiceSpecs, blackboxExporterDefaults, blackboxJob, serviceSpecs } from "../../model/services";
import { dashboardsDir } from "../../config/stackFiles";
import { readDashboards, renderGrafana } from "../../render/grafana";
import { renderPrometheus } from "../../render/prometheus";
import { renderServices } from "../../render/services";
import { rehearsalBinaries } from "../../rehearsal/harness";
import { localPaths, rewriteCommand } from "../../rehearsal/rewrite";
import { byType, type ProgramRun, runProgram } from "../harness";
import { knownMetricNames } from "../monitoringMetrics";

function localStack(withBlackbox: boolean): MonitoringConfig {
    const m = parseStackConfig("local", stackRawConfig("local"), { withoutSecrets: true }).monitoring;
    return withBlackbox ? { ...m, blackboxExporter: { ...blackboxExporterDefaults, enabled: true } } : m;
}

let run: ProgramRun;

before(async () => {
    run = await runProgram("local", {}, [], async () => {
        // Imported here: the stack's components must load after the mocks are set.
        const { MonitoringStack } = await import("../../components/stack");
        const hostReady = new command.local.Command("host-ready", { create: "true" });
        new MonitoringStack("monitoring", {
            config: localStack(true), shell: { kind: "local" }, protectData: false, hostReady,
            dashboards: [], grafanaAdminPassword: "test-password",
        });
        return {};
    });
});

test("a stack with the blackbox exporter on gets its component and a container from the spec, on loopback only", () => {
    assert.deepEqual(byType(run, "vps-monitoring:stack:BlackboxExporter").map((c) => c.name), ["monitoring-blackbox-exporter"]);
    const [container] = byType(run, "docker:index/container:Container").filter((c) => c.inputs.name === "monitoring-local-blackbox-exporter");
    assert.ok(container, "a blackbox exporter container");
    assert.deepEqual(container.inputs.command, ["--config.file=/etc/blackbox_exporter/current/blackbox.yml", "--web.listen-address=:9115"]);
    assert.deepEqual(container.inputs.ports, [], "published on no port: Prometheus scrapes it on the stack network");
    assert.equal(container.inputs.memory, blackboxExporterDefaults.memoryMb);
    const networks = container.inputs.networksAdvanced as { name: string; aliases?: string[] }[];
    assert.deepEqual(networks.map((n) => n.aliases ?? []), [["blackbox-exporter"]], "on the stack network under its alias (the local stack has no app networks)");
    const image = byType(run, "docker:index/remoteImage:RemoteImage").find((i) => i.name === "monitoring-blackbox-exporter-service-image");
    assert.equal(image?.inputs.name, "prom/blackbox-exporter:v0.27.0");
    assert.match(String((container.inputs.healthcheck as { tests: string[] }).tests[1]), /http:\/\/127\.0\.0\.1:9115\/-\/healthy/);
});

test("its scrape job reaches prometheus.yml, the staged file included, and only when it is on", () => {
    const jobsOf = (text: string) => (load(text) as { scrape_configs: { job_name: string; static_configs: { targets: string[] }[] }[] }).scrape_configs;
    const [on] = renderPrometheus(localStack(true));
    assert.deepEqual(jobsOf(on.content).find((j) => j.job_name === blackboxJob)?.static_configs, [{ targets: ["monitoring-local-blackbox-exporter:9115"] }]);
    const [off] = renderPrometheus(localStack(false));
    assert.equal(jobsOf(off.content).some((j) => j.job_name === blackboxJob), false);
    const staged = byType(run, "command:local:Command").find((c) => c.name.endsWith("-files-prometheus/prometheus.yml"));
    assert.ok(staged, "prometheus.yml is staged");
    assert.ok(jobsOf(String(staged.inputs.stdin)).some((j) => j.job_name === blackboxJob), "the deployed prometheus.yml scrapes it");
});

test("its metric names are names dashboards and rules may use", () => {
    for (const name of serviceSpecs.blackboxExporter.exportedMetrics) assert.ok(knownMetricNames.has(name), name);
});

test("the rehearsal runs every service that has a Debian binary, the blackbox exporter included", () => {
    for (const key of ["prometheus", "alertmanager", "nodeExporter", "redisExporter", "blackboxExporter"] as const) {
        const r = serviceSpecs[key].rehearsal;
        assert.ok(r !== "stub" && rehearsalBinaries[r.binary] === r.debianPackage, key);
    }
});

test("every container's rehearsed command line is its rendered one with only paths and listen addresses moved", () => {
    const m: MonitoringConfig = { ...localStack(true), redis: [{ name: "cache", address: "cache:6379", password: "pw" }] };
    const places = { configRoot: m.configRoot, localRoot: "/tmp/r", dataDir: "/tmp/r/data" };
    for (const service of renderServices(m)) {
        const local = rewriteCommand(service.command ?? [], "127.0.0.1:1", localPaths(service, places));
        assert.equal(local.length, (service.command ?? []).length, service.spec.key);
        for (const [i, arg] of local.entries()) {
            const rendered = (service.command ?? [])[i];
            if (arg === rendered) continue;
            assert.equal(arg.split("=")[0], rendered.split("=")[0], `${service.spec.key}: the same flag`);
            assert.match(arg, /=(127\.0\.0\.1:1|\/tmp\/r|\/proc|\/sys|\/$)/, `${service.spec.key}: ${rendered} moved to a local path or address`);
        }
    }
    const prometheus = renderServices(m).find((s) => s.spec.key === "prometheus");
    assert.ok(prometheus);
    const rehearsed = rewriteCommand(prometheus.command ?? [], "127.0.0.1:1", localPaths(prometheus, places));
    assert.ok(rehearsed.includes(`--storage.tsdb.retention.time=${m.prometheus.retentionTime}`));
    assert.ok(rehearsed.includes(`--storage.tsdb.retention.size=${m.prometheus.retentionSize}`));
    assert.ok(rehearsed.includes("--config.file=/tmp/r/prometheus/current/prometheus.yml"));
    assert.ok(rehearsed.includes("--storage.tsdb.path=/tmp/r/data"));
});

test("a service's dashboards are provisioned while the stack runs it, and every dashboard a spec names exists", () => {
    const committed = readDashboards(dashboardsDir).map((d) => d.relativePath);
    for (const spec of allServiceSpecs) {
        for (const d of spec.dashboards) assert.ok(committed.includes(d), `${spec.key} names dashboards/${d}, which does not exist`);
    }
    const provisioned = (overrides: Record<string, unknown>) =>
        renderGrafana(parseStackConfig("test", { hostMode: "local", ...overrides }).monitoring, readDashboards(dashboardsDir))
            .map((f) => f.path.replace(/^grafana\/dashboards\//, "")).filter((p) => p.endsWith(".json"));
    const withRedis = provisioned({ redis: [{ name: "main", address: "redis:6379" }], probes: [{ name: "web", kind: "http", url: "https://example.com/" }] });
    assert.deepEqual(withRedis.sort(), [...committed].sort(), "a stack running every service gets every dashboard");
    const plain = provisioned({ nodeExporter: false });
    assert.ok(!plain.includes("Redis/redis.json"), "no Redis dashboard without a redis entry");
    assert.ok(!plain.includes("Hosts/host.json"), "no host dashboard without node-exporter");
    assert.ok(!plain.includes("Probes/probes.json"), "no probes dashboard without probes");
    assert.ok(plain.includes("Monitoring/overview.json") && plain.includes("Applications/applications.json"), "the rest stays");
});
