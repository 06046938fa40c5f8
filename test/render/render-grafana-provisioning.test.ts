// Grafana's provisioning as the user meets it: the two datasources the dashboards reference, the
// dashboards provider that picks edits up, one file per dashboard, and a login with no anonymous door.
import assert from "node:assert/strict";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { test } from "node:test";
import { load } from "js-yaml";
import { containerPaths, containerPorts, containerUids } from "../../model/catalog";
import { parseStackConfig } from "../../config/parse";
import { datasourceUids } from "../../render/mixin";
import { grafanaEnvironment, readDashboards, renderDatasources, renderGrafana } from "../../render/grafana";

const monitoring = parseStackConfig("test", { hetznerSshKeyName: "deploy", scrapeInterval: "30s", grafanaPort: 3001, grafanaAdminUser: "ops" }).monitoring;

interface Datasource { name: string; type: string; uid: string; url: string; isDefault?: boolean; editable: boolean; access: string; jsonData: Record<string, unknown> }
interface Provider { name: string; type: string; disableDeletion: boolean; allowUiUpdates: boolean; updateIntervalSeconds: number; options: { path: string; foldersFromFilesStructure: boolean } }

function datasources(): Datasource[] {
    const file = renderDatasources(monitoring);
    assert.equal(file.path, "grafana/provisioning/datasources/datasources.yml");
    const doc = load(file.content) as { apiVersion: number; prune: boolean; datasources: Datasource[] };
    assert.equal(doc.apiVersion, 1);
    assert.equal(doc.prune, true, "a datasource removed from the config must disappear from Grafana");
    return doc.datasources;
}

test("Prometheus is the default datasource, by pinned uid, on the container network, stepping at the scrape interval", () => {
    const prometheus = datasources().find((d) => d.type === "prometheus");
    assert.ok(prometheus);
    assert.equal(prometheus.uid, datasourceUids.prometheus);
    assert.equal(prometheus.url, `http://prometheus:${containerPorts.prometheus}`);
    assert.equal(prometheus.isDefault, true);
    assert.equal(prometheus.access, "proxy");
    assert.equal(prometheus.editable, false);
    assert.deepEqual(prometheus.jsonData, { timeInterval: "30s", httpMethod: "POST" });
});

test("Alertmanager is a second, non-default datasource speaking the Prometheus Alertmanager API", () => {
    const all = datasources();
    assert.equal(all.length, 2);
    const alertmanager = all.find((d) => d.type === "alertmanager");
    assert.ok(alertmanager);
    assert.equal(alertmanager.uid, datasourceUids.alertmanager);
    assert.equal(alertmanager.url, `http://alertmanager:${containerPorts.alertmanager}`);
    assert.notEqual(alertmanager.isDefault, true);
    assert.equal(alertmanager.access, "proxy", "Grafana's server queries it: the browser cannot reach the container network");
    assert.equal(alertmanager.editable, false);
    assert.deepEqual(alertmanager.jsonData, { implementation: "prometheus", handleGrafanaManagedAlerts: false });
    assert.equal(new Set(all.map((d) => d.uid)).size, 2, "the dashboards tell the datasources apart by uid");
});

test("the dashboards provider reads the mounted folder every 30 s, folders from sub-directories, no edits in the UI", () => {
    const files = renderGrafana(monitoring, []);
    const providerFile = files.find((f) => f.path === "grafana/provisioning/dashboards/dashboards.yml");
    assert.ok(providerFile);
    const doc = load(providerFile.content) as { apiVersion: number; providers: Provider[] };
    assert.equal(doc.apiVersion, 1);
    assert.deepEqual(doc.providers, [{
        name: "dashboards", type: "file", disableDeletion: true, allowUiUpdates: false, updateIntervalSeconds: 30,
        options: { path: containerPaths.grafanaDashboardsDir, foldersFromFilesStructure: true },
    }]);
});

test("every dashboard becomes one file below grafana/dashboards, readable by Grafana's user, not a secret", () => {
    // Grafana needs a dashboard to be a JSON object with a string uid (render/grafana.ts refuses anything else).
    const node = JSON.stringify({ uid: "node", a: 1 });
    const top = JSON.stringify({ uid: "top" });
    const dashboards = [{ relativePath: "Hosts/node.json", content: node }, { relativePath: "top.json", content: top }];
    const files = renderGrafana(monitoring, dashboards);
    assert.equal(files.length, 4);
    for (const f of files) {
        assert.equal(f.owner, containerUids.grafana, f.path);
        assert.equal(f.secret, false, f.path);
    }
    assert.deepEqual(files.slice(2).map((f) => [f.path, f.content]), [
        ["grafana/dashboards/Hosts/node.json", node],
        ["grafana/dashboards/top.json", top],
    ]);
});

test("a service's dashboard is not provisioned while the stack does not run the service", () => {
    // No redis in the config: no Redis exporter, so Redis/redis.json would show nothing.
    const dashboards = [{ relativePath: "Redis/redis.json", content: JSON.stringify({ uid: "redis" }) }, { relativePath: "Hosts/node.json", content: JSON.stringify({ uid: "node" }) }];
    assert.deepEqual(renderGrafana(monitoring, dashboards).slice(2).map((f) => f.path), ["grafana/dashboards/Hosts/node.json"]);
});

test("a dashboard file name Grafana's folders cannot carry is refused, naming the file", () => {
    for (const bad of ["a/b/c.json", "Hosts/node.yaml", "Ho$ts/node.json", "../x.json", "Hosts/no de.json", "/abs.json"]) {
        assert.throws(() => renderGrafana(monitoring, [{ relativePath: bad, content: "{\"uid\":\"x\"}" }]), (e: Error) => e.message.startsWith(`dashboards/${bad}:`), bad);
    }
    for (const good of ["My Folder_1/a-b.c.json", "x.json"]) {
        assert.doesNotThrow(() => renderGrafana(monitoring, [{ relativePath: good, content: "{\"uid\":\"x\"}" }]), good);
    }
});

test("Grafana's environment names the password file, never a password, and closes anonymous access and sign-up", () => {
    const env = grafanaEnvironment(monitoring);
    assert.deepEqual(env, {
        // Provisioning is read through the release the swap script made current (render/swap.ts).
        GF_PATHS_PROVISIONING: containerPaths.grafanaProvisioningDir,
        GF_SECURITY_ADMIN_USER: "ops",
        GF_SECURITY_ADMIN_PASSWORD__FILE: `${containerPaths.grafanaSecretsDir}/admin_password`,
        GF_AUTH_ANONYMOUS_ENABLED: "false",
        GF_AUTH_BASIC_ENABLED: "true",
        GF_USERS_ALLOW_SIGN_UP: "false",
        GF_USERS_ALLOW_ORG_CREATE: "false",
        GF_SECURITY_DISABLE_GRAVATAR: "true",
        GF_ANALYTICS_REPORTING_ENABLED: "false",
        GF_ANALYTICS_CHECK_FOR_UPDATES: "false",
        GF_SERVER_ROOT_URL: "http://localhost:3001/",
    });
});

test("readDashboards walks sub-folders in name order, keeps only .json, and finds nothing in a missing folder", () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "dashboards-"));
    try {
        fs.mkdirSync(path.join(dir, "b"));
        fs.mkdirSync(path.join(dir, "a"));
        fs.writeFileSync(path.join(dir, "b", "z.json"), "bz");
        fs.writeFileSync(path.join(dir, "b", "y.json"), "by");
        fs.writeFileSync(path.join(dir, "a", "x.json"), "ax");
        fs.writeFileSync(path.join(dir, "a", "notes.md"), "no");
        fs.writeFileSync(path.join(dir, "c.json"), "c");
        // Name order as people read it: upper and lower case together, not byte order (B before a).
        fs.writeFileSync(path.join(dir, "B.json"), "B");
        assert.deepEqual(readDashboards(dir), [
            { relativePath: "a/x.json", content: "ax" },
            { relativePath: "b/y.json", content: "by" },
            { relativePath: "b/z.json", content: "bz" },
            { relativePath: "B.json", content: "B" },
            { relativePath: "c.json", content: "c" },
        ]);
        assert.deepEqual(readDashboards(path.join(dir, "missing")), []);
    } finally {
        fs.rmSync(dir, { recursive: true, force: true });
    }
});
