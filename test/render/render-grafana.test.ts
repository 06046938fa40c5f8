// Grafana has no offline checker, so its files are checked where they are rendered: before any resource.
import assert from "node:assert/strict";
import { test } from "node:test";
import { parseStackConfig } from "../../config/parse";
import { grafanaEnvironment, renderGrafana } from "../../render/grafana";
import { containerPaths } from "../../model/catalog";
import { stackRawConfig } from "../../config/stackFiles";

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
