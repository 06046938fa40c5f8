// Pulumi.scale-example.yaml switched to grafanaMode embedded with the embedded long-term store
// (victoriaMetrics: true), under runtime mocks: no @pulumiverse/grafana resource at all, the
// store as one more loopback-free, memory-limited container with its data on a protected volume,
// and a second datasource in the host Grafana's provisioning.
import { before, test } from "node:test";
import * as assert from "node:assert/strict";
import { dataMountPath } from "../../model/dataSafety";
import { byType, type ProgramRun, runProgram } from "../harness";
import { stackRawConfig } from "../../config/stackFiles";
import { victoriaMetricsDefaults } from "../../model/remoteWrite";

const file = stackRawConfig("scale-example");
const remoteWrite = (file.remoteWrite as Record<string, unknown>[]).map((t) => ({ ...t, password: "store-password-never-in-plaintext" }));
let run: ProgramRun;

before(async () => {
    run = await runProgram("scale-example", { remoteWrite, grafanaMode: "embedded", grafanaUrl: "", victoriaMetrics: true, victoriaMetricsRetention: "2y" }, ["remoteWrite"]);
});

test("embedded mode creates no Grafana API resource and no Grafana provider", () => {
    assert.deepEqual(run.resources.filter((r) => r.type.startsWith("grafana:") || r.type === "pulumi:providers:grafana" || r.type === "vps-monitoring:grafana:GrafanaApi").map((r) => r.name), []);
    assert.ok(byType(run, "docker:index/container:Container").some((c) => c.inputs.name === "monitoring-scale-example-grafana"), "Grafana runs on the host");
});

test("VictoriaMetrics runs pinned, memory-limited, unpublished, on the stack network, with its own retention and its data on the stack's data volume", () => {
    const vm = byType(run, "docker:index/container:Container").find((c) => c.inputs.name === "monitoring-scale-example-victoria-metrics");
    assert.ok(vm);
    assert.deepEqual(vm.inputs.ports ?? [], [], "published nowhere: Prometheus and Grafana reach it on the stack's network");
    assert.equal(vm.inputs.memory, victoriaMetricsDefaults.memoryMb);
    assert.ok((vm.inputs.command as string[]).includes("-retentionPeriod=2y"));
    assert.deepEqual((vm.inputs.networksAdvanced as { name: string }[]).map((n) => n.name), ["monitoring-scale-example"]);
    const image = byType(run, "docker:index/remoteImage:RemoteImage").find((i) => String(i.inputs.name).startsWith("victoriametrics/"));
    assert.match(String(image?.inputs.name), /:v\d+\.\d+\.\d+$/);
    // On the stack's data volume (dataVolume, on by default for a new Hetzner server), like every service's data.
    const storage = (vm.inputs.volumes as { hostPath?: string; readOnly?: boolean; containerPath: string }[]).find((v) => v.containerPath === "/storage");
    assert.equal(storage?.hostPath, `${dataMountPath}/victoria-metrics`, "its data directory on the volume");
    assert.notEqual(storage?.readOnly, true);
    const mount = run.resources.find((r) => r.name === "host-data-mount");
    assert.match(String(mount?.inputs.create ?? mount?.inputs.stdin ?? ""), /victoria-metrics/, "the mount step makes its directory");
});

test("Prometheus writes to the embedded store first, and the host's Grafana shows it as a second datasource", () => {
    const prometheusYml = run.resources.find((r) => r.name === "monitoring-prometheus-files-prometheus/prometheus.yml");
    assert.match(String(prometheusYml?.inputs.stdin), /remote_write:\n {2}- name: victoriametrics\n {4}url: http:\/\/monitoring-scale-example-victoria-metrics:8428\/api\/v1\/write\n[\s\S]*- name: central/);
    const datasources = run.resources.find((r) => r.name === "monitoring-grafana-files-grafana/provisioning/datasources/datasources.yml");
    assert.match(String(datasources?.inputs.stdin), /uid: victoriametrics\n/);
    assert.match(String(datasources?.inputs.stdin), /uid: remote-central\n/);
});

test("the store's password reaches Prometheus and Grafana only as secret files", () => {
    const password = String(remoteWrite[0].password);
    const holders = run.resources.filter((r) => Object.entries(r.inputs).some(([, v]) => JSON.stringify(v).includes(password)));
    assert.deepEqual(holders.map((r) => r.name).sort(), [
        // The push host's agent Prometheus writes to the same store.
        "fleet-edge-1-prometheus-agent-files-prometheus/secrets/remote-write-central-password",
        "monitoring-grafana-files-grafana/secrets/datasource-central-basicAuthPassword",
        "monitoring-prometheus-files-prometheus/secrets/remote-write-central-password",
    ]);
    for (const r of holders) {
        for (const [key, value] of Object.entries(r.inputs)) if (JSON.stringify(value).includes(password)) assert.ok(r.secretInputs.includes(key), `${r.name}.${key} is not secret`);
    }
});
