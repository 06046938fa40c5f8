// Grafana has no offline checker, so its files are checked where they are rendered: before any resource.
import assert from "node:assert/strict";
import { test } from "node:test";
import { parseStackConfig } from "../../config/parse";
import { grafanaEnvironment, renderGrafana } from "../../render/grafana";
import { containerPaths } from "../../model/catalog";
import { stackRawConfig } from "../../config/stackFiles";
import type { MonitoringConfig } from "../../model/stack";

const prod = parseStackConfig("prod", stackRawConfig("prod"), { withoutSecrets: true }).monitoring;

test("a dashboard that is not valid JSON is refused when rendered, naming the file", () => {
    assert.throws(() => renderGrafana(prod, [{ relativePath: "Hosts/broken.json", content: '{"uid": "x",' }]), /dashboards\/Hosts\/broken\.json is not valid JSON/);
});

test("a JSON file that is not a dashboard (no string uid) is refused", () => {
    assert.throws(() => renderGrafana(prod, [{ relativePath: "Hosts/list.json", content: "[1, 2]" }]), /Hosts\/list\.json is not a dashboard/);
    assert.throws(() => renderGrafana(prod, [{ relativePath: "Hosts/nouid.json", content: "{}" }]), /not a dashboard/);
    assert.throws(() => renderGrafana(prod, [{ relativePath: "Hosts/null.json", content: "null" }]), /^Error: dashboards\/Hosts\/null\.json is not a dashboard: a JSON object with a string uid is required$/);
});

test("Grafana reads provisioning and the password file through the current release", () => {
    const env = grafanaEnvironment(prod);
    assert.equal(env.GF_PATHS_PROVISIONING, containerPaths.grafanaProvisioningDir);
    assert.match(env.GF_PATHS_PROVISIONING, /\/current\/provisioning$/);
    assert.match(env.GF_SECURITY_ADMIN_PASSWORD__FILE, /\/current\/secrets\/admin_password$/);
    const providers = renderGrafana(prod, []).find((f) => f.path.endsWith("provisioning/dashboards/dashboards.yml"));
    assert.match(providers?.content ?? "", /path: \/etc\/grafana-monitoring\/current\/dashboards/);
});

test("a service's dashboard is provisioned only while the stack runs that service; a dashboard no service owns always is", () => {
    const dashboards = ["Monitoring/overview.json", "Hosts/host.json", "Redis/redis.json", "Probes/probes.json", "Apps/api.json"]
        .map((relativePath) => ({ relativePath, content: JSON.stringify({ uid: relativePath.replace(/\W/g, "-") }) }));
    const provisioned = (m: MonitoringConfig) => renderGrafana(m, dashboards)
        .map((f) => /\/dashboards\/(\w+\/[\w-]+\.json)$/.exec(f.path)?.[1]).filter((p) => p !== undefined);
    const raw = { hetznerSshKeyName: "deploy" };
    const bare = parseStackConfig("test", { ...raw, nodeExporter: false }).monitoring;
    assert.deepEqual(provisioned(bare), ["Monitoring/overview.json", "Apps/api.json"]);
    const full = parseStackConfig("test", {
        ...raw, redis: [{ name: "main", address: "redis:6379" }], probes: [{ name: "site", kind: "http", url: "https://example.com/" }],
    }).monitoring;
    assert.deepEqual(provisioned(full), dashboards.map((d) => d.relativePath));
    // The blackbox exporter's settings are optional in MonitoringConfig: without them, no probes dashboard.
    const { blackboxExporter: _, ...withoutBlackbox } = full;
    assert.deepEqual(provisioned(withoutBlackbox), ["Monitoring/overview.json", "Hosts/host.json", "Redis/redis.json", "Apps/api.json"]);
});
