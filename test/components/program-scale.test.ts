// Pulumi.scale-example.yaml under runtime mocks: remote_write to an external store with its
// credentials, and an external Grafana managed through its API (grafanaMode external).
import { before, test } from "node:test";
import * as assert from "node:assert/strict";
import { byType, plaintextSecrets, runProgram, type ProgramRun } from "../harness";
import { parseStackConfig } from "../../config/parse";
import { stackRawConfig } from "../../config/stackFiles";
import { stackDashboards } from "../../config/dashboards";
import { dashboardFiles } from "../../dashboards/src";
import { dashboardProvisioned } from "../../model/services";

const secrets = { password: "store-password-never-in-plaintext", tenant: "tenant-never-in-plaintext", token: "glsa_token-never-in-plaintext" };
const file = stackRawConfig("scale-example");
const remoteWrite = (file.remoteWrite as Record<string, unknown>[]).map((t, i) => (i === 0 ? { ...t, password: secrets.password, headers: { "X-Scope-OrgID": secrets.tenant } } : t));
const m = parseStackConfig("scale-example", { ...file, remoteWrite, grafanaToken: secrets.token }).monitoring;
let run: ProgramRun;

before(async () => {
    run = await runProgram("scale-example", { remoteWrite, grafanaToken: secrets.token }, ["remoteWrite", "grafanaToken"]);
});

const grafanaResources = () => run.resources.filter((r) => r.type.startsWith("grafana:") || r.type === "pulumi:providers:grafana");

test("the external Grafana gets a folder per dashboard folder and every dashboard the stack shows, by uid, in its folder", () => {
    const expected = stackDashboards(m.alertThresholds).filter((d) => dashboardProvisioned(m, d.relativePath));
    const generated = new Set(dashboardFiles(m.alertThresholds).map((d) => d.relativePath));
    assert.ok(expected.some((d) => !generated.has(d.relativePath)), "the user's own dashboards (dashboards/Custom) are managed too");
    assert.ok(expected.length >= 4, `only ${expected.length} dashboards`);
    const folders = byType(run, "grafana:oss/folder:Folder");
    const expectedFolders = [...new Set(expected.map((d) => d.relativePath.split("/")[0]))].sort();
    assert.deepEqual(folders.map((f) => f.inputs.title).sort(), expectedFolders);
    const folderUidByTitle = new Map(folders.map((f) => [String(f.inputs.title), String(f.inputs.uid)]));
    const dashboards = byType(run, "grafana:oss/dashboard:Dashboard");
    const uidOf = (json: unknown) => (JSON.parse(String(json)) as { uid: string }).uid;
    assert.deepEqual(dashboards.map((d) => uidOf(d.inputs.configJson)).sort(), expected.map((d) => uidOf(d.content)).sort());
    for (const d of expected) {
        const resource = dashboards.find((r) => uidOf(r.inputs.configJson) === uidOf(d.content));
        assert.ok(resource);
        if (generated.has(d.relativePath)) assert.equal(resource.inputs.configJson, d.content, `${d.relativePath}: the same JSON the host's Grafana would provision`);
        // An export's ${DS_PROMETHEUS} input is rewritten as for file provisioning.
        assert.doesNotMatch(String(resource.inputs.configJson), /\$\{DS_/, `${d.relativePath}: no unresolved datasource input`);
        assert.equal(resource.inputs.folder, folderUidByTitle.get(d.relativePath.split("/")[0]));
        assert.equal(resource.inputs.overwrite, true);
    }
    assert.ok(!dashboards.some((d) => uidOf(d.inputs.configJson) === "redis"), "no Redis dashboard without a redis entry");
});

test("the remote store is the datasource every dashboard queries", () => {
    const [ds, ...more] = byType(run, "grafana:oss/dataSource:DataSource");
    assert.deepEqual(more, []);
    assert.equal(ds.inputs.uid, "prometheus");
    assert.equal(ds.inputs.url, "https://metrics.example.com/select/0/prometheus");
    assert.equal(ds.inputs.basicAuthEnabled, true);
    assert.equal(ds.inputs.basicAuthUsername, "vps-eu-1");
    assert.ok(ds.secretInputs.includes("secureJsonDataEncoded"));
    assert.deepEqual(JSON.parse(String(ds.inputs.secureJsonDataEncoded)), { basicAuthPassword: secrets.password, httpHeaderValue1: secrets.tenant });
    for (const d of byType(run, "grafana:oss/dashboard:Dashboard")) {
        const uids = [...String(d.inputs.configJson).matchAll(/"uid": "([^"]+)"/g)].map((x) => x[1]);
        assert.ok(uids.includes("prometheus"), "dashboards query the datasource uid prometheus");
    }
});

test("every Grafana resource goes through the provider made from grafanaUrl and the secret token", () => {
    const [provider, ...more] = byType(run, "pulumi:providers:grafana");
    assert.deepEqual(more, []);
    assert.equal(provider.inputs.url, "https://example.grafana.net");
    assert.ok(provider.secretInputs.includes("auth"));
    for (const r of grafanaResources().filter((x) => x.type.startsWith("grafana:"))) {
        assert.ok(r.provider.startsWith(provider.urn), `${r.name} uses ${r.provider}`);
    }
});

test("no Grafana container, files or password on the host; the tunnel leaves Grafana out", () => {
    assert.ok(!byType(run, "docker:index/container:Container").some((c) => String(c.inputs.name).endsWith("-grafana")));
    assert.ok(!run.resources.some((r) => r.name.includes("grafana/")), "no Grafana files");
    assert.deepEqual(byType(run, "random:index/randomPassword:RandomPassword"), []);
    assert.doesNotMatch(String(run.outputs.tunnel), /3000/);
    assert.equal((run.outputs.urls as Record<string, string>).grafana, "https://example.grafana.net");
});

test("remote_write credentials are files in the prometheus release, written from Pulumi secrets", () => {
    const writes = run.resources.filter((r) => r.name.startsWith("monitoring-prometheus-files-prometheus/secrets/remote-write-central-"));
    assert.deepEqual(writes.map((w) => w.name.split("/").pop()).sort(), ["remote-write-central-header-x-scope-orgid", "remote-write-central-password"]);
    for (const w of writes) assert.ok(w.secretInputs.includes("stdin"), `${w.name}: content is a secret`);
    const config = run.resources.find((r) => r.name === "monitoring-prometheus-files-prometheus/prometheus.yml");
    assert.ok(config);
    assert.match(String(config.inputs.stdin), /password_file: \/etc\/prometheus\/current\/secrets\/remote-write-central-password/);
});

test("no secret is in any resource input in plain text", () => {
    assert.deepEqual(plaintextSecrets(run, secrets), []);
});
