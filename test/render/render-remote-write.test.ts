// remote_write in prometheus.yml: every credential only as a file in the prometheus release,
// queue defaults written out, write relabelling that drops what the user named, the embedded
// store as the first target, and the stores' Grafana datasources.
import assert from "node:assert/strict";
import { test } from "node:test";
import { load } from "js-yaml";
import { parseStackConfig } from "../../config/parse";
import { remoteWriteQueueDefaults } from "../../model/remoteWrite";
import type { MonitoringConfig } from "../../model/stack";
import { renderGrafana } from "../../render/grafana";
import { renderPrometheus } from "../../render/prometheus";
import { provisionedRemoteDatasources, remoteDatasources, renderRemoteWrite } from "../../render/remoteWrite";
import { renderRules } from "../../render/rules";
import { renderServices } from "../../render/services";
import { refusalProblems } from "../configProblems";

function monitoring(raw: Record<string, unknown> = {}): MonitoringConfig {
    return parseStackConfig("test", { hetznerSshKeyName: "deploy", ...raw }).monitoring;
}

function problems(raw: Record<string, unknown>): readonly string[] {
    return refusalProblems(() => monitoring(raw), raw);
}

interface RemoteWriteYaml {
    name: string;
    url: string;
    basic_auth?: { username: string; password_file: string };
    authorization?: { type: string; credentials_file: string };
    http_headers?: Record<string, { files: string[] }>;
    write_relabel_configs?: { source_labels?: string[]; regex: string; action: string }[];
    queue_config: Record<string, unknown>;
}

const secrets = { password: "pa55-word-xyz", token: "glc_token_xyz", tenant: "tenant-secret-xyz" };
const central = {
    name: "central", url: "https://vm.example.com/api/v1/write", queryUrl: "https://vm.example.com",
    username: "stack", password: secrets.password, headers: { "X-Scope-OrgID": secrets.tenant },
    dropMetrics: ["go_.*", "node_scrape_collector_.*"], dropLabels: ["pod_uid"], queue: { maxShards: 4 },
};
const cloud = { name: "cloud", url: "https://prometheus.example.net/api/prom/push", bearerToken: secrets.token };

function remoteWriteOf(m: MonitoringConfig): RemoteWriteYaml[] {
    const main = renderPrometheus(m)[0];
    return (load(main.content) as { remote_write?: RemoteWriteYaml[] }).remote_write ?? [];
}

test("without remoteWrite there is no remote_write section, no secret file and no remote-write rules", () => {
    const m = monitoring();
    assert.deepEqual(remoteWriteOf(m), []);
    assert.equal(renderPrometheus(m).length, 1);
    assert.ok(!renderRules(m).some((f) => f.path.endsWith("remote-write.yml")));
});

test("credentials reach Prometheus only as 0400 files in its release, never in prometheus.yml", () => {
    const m = monitoring({ remoteWrite: [central, cloud] });
    const files = renderPrometheus(m);
    const main = files[0].content;
    for (const value of Object.values(secrets)) assert.ok(!main.includes(value), `${value} is in prometheus.yml`);
    const [c, k] = remoteWriteOf(m);
    assert.deepEqual(c.basic_auth, { username: "stack", password_file: "/etc/prometheus/current/secrets/remote-write-central-password" });
    assert.deepEqual(c.http_headers, { "X-Scope-OrgID": { files: ["/etc/prometheus/current/secrets/remote-write-central-header-x-scope-orgid"] } });
    assert.deepEqual(k.authorization, { type: "Bearer", credentials_file: "/etc/prometheus/current/secrets/remote-write-cloud-token" });
    const secretFiles = files.filter((f) => f.secret);
    assert.deepEqual(secretFiles.map((f) => [f.path, f.content, f.owner]), [
        ["prometheus/secrets/remote-write-central-password", secrets.password, 65534],
        ["prometheus/secrets/remote-write-central-header-x-scope-orgid", secrets.tenant, 65534],
        ["prometheus/secrets/remote-write-cloud-token", secrets.token, 65534],
    ]);
});

test("write relabelling drops the named metrics and labels; queue settings default to the small-VPS values", () => {
    const [c, k] = remoteWriteOf(monitoring({ remoteWrite: [central, cloud] }));
    assert.deepEqual(c.write_relabel_configs, [
        { source_labels: ["__name__"], regex: "go_.*|node_scrape_collector_.*", action: "drop" },
        { regex: "pod_uid", action: "labeldrop" },
    ]);
    assert.equal(c.queue_config.max_shards, 4);
    assert.equal(c.queue_config.capacity, remoteWriteQueueDefaults.capacity);
    assert.equal(k.write_relabel_configs, undefined);
    assert.deepEqual(k.queue_config, {
        capacity: 10000, max_shards: 10, max_samples_per_send: 2000, batch_send_deadline: "5s", min_backoff: "30ms", max_backoff: "5s",
    });
});

test("the embedded store runs only with victoriaMetrics: published nowhere, memory-limited, its own retention, data on a volume, written to first", () => {
    assert.ok(!renderServices(monitoring()).some((s) => s.spec.key === "victoriaMetrics"));
    const m = monitoring({ victoriaMetrics: true, victoriaMetricsRetention: "2y", victoriaMetricsMemoryMb: 768, remoteWrite: [cloud] });
    const vm = renderServices(m).find((s) => s.spec.key === "victoriaMetrics");
    assert.ok(vm);
    assert.equal(vm.spec.hostPort, undefined, "published nowhere, not even on loopback");
    assert.equal(vm.settings.memoryMb, 768);
    assert.match(vm.settings.image, /^victoriametrics\/victoria-metrics:v\d+\.\d+\.\d+$/);
    assert.ok(vm.command?.includes("-retentionPeriod=2y"));
    assert.ok(vm.command?.includes(`-storageDataPath=${vm.spec.dataPath}`));
    assert.deepEqual(remoteWriteOf(m).map((t) => [t.name, t.url]), [
        ["victoriametrics", "http://monitoring-test-victoria-metrics:8428/api/v1/write"],
        ["cloud", cloud.url],
    ]);
    const meta = renderRules(m).find((f) => f.path.endsWith("meta.yml"))?.content ?? "";
    assert.match(meta, /up\{job="victoriametrics"\} == 0/, "TargetDown watches the store");
    assert.ok(renderRules(m).some((f) => f.path.endsWith("remote-write.yml")));
});

test("the host's Grafana gets a datasource per queryable store, credentials through $__file", () => {
    const m = monitoring({ victoriaMetrics: true, remoteWrite: [central, cloud] });
    const files = renderGrafana(m, []);
    const yaml = files.find((f) => f.path.endsWith("datasources.yml"))?.content ?? "";
    const ds = (load(yaml) as { datasources: { uid: string; url: string; isDefault?: boolean; secureJsonData?: Record<string, string> }[] }).datasources;
    assert.deepEqual(ds.map((d) => d.uid), ["prometheus", "alertmanager", "victoriametrics", "remote-central"]);
    assert.equal(ds.find((d) => d.uid === "victoriametrics")?.url, "http://victoria-metrics:8428");
    assert.deepEqual(ds.find((d) => d.uid === "remote-central")?.secureJsonData, {
        basicAuthPassword: "$__file{/etc/grafana-monitoring/current/secrets/datasource-central-basicAuthPassword}",
        httpHeaderValue1: "$__file{/etc/grafana-monitoring/current/secrets/datasource-central-httpHeaderValue1}",
    });
    for (const value of Object.values(secrets)) assert.ok(!yaml.includes(value));
    const secretFiles = files.filter((f) => f.secret).map((f) => [f.path, f.content]);
    assert.deepEqual(secretFiles, [
        ["grafana/secrets/datasource-central-basicAuthPassword", secrets.password],
        ["grafana/secrets/datasource-central-httpHeaderValue1", secrets.tenant],
    ]);
});

test("an external Grafana gets no embedded store, and its first store takes the dashboards' datasource uid", () => {
    const m = monitoring({ victoriaMetrics: true, remoteWrite: [central, { ...cloud, queryUrl: "https://prometheus.example.net/api/prom" }], grafanaMode: "external", grafanaUrl: "https://example.grafana.net", grafanaToken: "glsa_x" });
    const ds = remoteDatasources(m);
    assert.deepEqual(ds.map((d) => [d.uid, d.isDefault]), [["prometheus", true], ["remote-cloud", false]]);
    assert.deepEqual(ds[1].jsonData, { httpMethod: "POST", timeInterval: "15s", httpHeaderName1: "Authorization" });
    assert.deepEqual(ds[1].secureJsonData, { httpHeaderValue1: `Bearer ${secrets.token}` });
    assert.ok(!renderServices(m).some((s) => s.spec.key === "grafana"), "no Grafana container");
    const meta = renderRules(m).find((f) => f.path.endsWith("meta.yml"))?.content ?? "";
    assert.doesNotMatch(meta, /job="grafana"/, "no TargetDown for a Grafana that is not there");
    assert.ok(!(load(renderPrometheus(m)[0].content) as { scrape_configs: { job_name: string }[] }).scrape_configs.some((j) => j.job_name === "grafana"));
});

test("bad remoteWrite, victoriaMetrics and grafanaMode values are refused with the key and the fix", () => {
    const cases: [Record<string, unknown>, RegExp][] = [
        [{ remoteWrite: [{ name: "a" }] }, /^remoteWrite\[0\]\.url: required/],
        [{ remoteWrite: [{ name: "a", url: "ftp://x" }] }, /^remoteWrite\[0\]\.url: "ftp:\/\/x" must start with https:\/\//],
        [{ remoteWrite: [{ name: "a", url: "https://u:p@x/api/v1/write" }] }, /^remoteWrite\[0\]\.url: .* holds credentials; remove user:password@ and set remoteWrite\[0\]\.username/],
        [{ remoteWrite: [{ name: "a", url: "https://x", username: "u" }] }, /^remoteWrite\[0\]\.password: username is set but password is not/],
        [{ remoteWrite: [{ name: "a", url: "https://x", password: "p" }] }, /^remoteWrite\[0\]\.username: password is set/],
        [{ remoteWrite: [{ name: "a", url: "https://x", bearerToken: "t", username: "u", password: "p" }] }, /^remoteWrite\[0\]\.bearerToken: set either/],
        [{ remoteWrite: [{ name: "a", url: "https://x", headers: { Authorization: "Bearer t" } }] }, /^remoteWrite\[0\]\.headers\.Authorization: Prometheus sets Authorization itself/],
        [{ remoteWrite: [{ name: "a", url: "https://x", dropLabels: ["instance"] }] }, /^remoteWrite\[0\]\.dropLabels\[0\]: "instance" cannot be dropped/],
        [{ remoteWrite: [{ name: "a", url: "https://x", dropMetrics: ["(?!go_).*"] }] }, /^remoteWrite\[0\]\.dropMetrics\[0\]: .* is not an RE2/],
        [{ remoteWrite: [{ name: "a", url: "https://x", queue: { maxShards: 0 } }] }, /^remoteWrite\[0\]\.queue\.maxShards: 0 is not a whole number from 1/],
        [{ remoteWrite: [{ name: "a", url: "https://x", qeue: {} }] }, /^remoteWrite\[0\]\.qeue: a remote_write target has no field qeue; did you mean remoteWrite\[0\]\.queue/],
        [{ remoteWrite: [{ name: "a", url: "https://x" }, { name: "a", url: "https://y" }] }, /^remoteWrite\[1\]\.name: "a" is used twice/],
        [{ victoriaMetrics: true, remoteWrite: [{ name: "victoriametrics", url: "https://y" }] }, /^remoteWrite\[0\]\.name: "victoriametrics" is the embedded store's/],
        [{ victoriaMetrics: true, apps: [{ job: "victoriametrics", targets: ["vm:8428"] }] }, /^apps\[0\]\.job: job name "victoriametrics" is used twice/],
        [{ victoriaMetricsRetention: "3M" }, /^victoriaMetricsRetention: "3M" must be a number with h, d, w or y/],
        [{ grafanaMode: "cloud" }, /^grafanaMode: "cloud" must be embedded .* or external/],
        [{ grafanaMode: "external", grafanaToken: "t", remoteWrite: [central] }, /^grafanaUrl: required with grafanaMode external/],
        [{ grafanaMode: "external", grafanaUrl: "https://g.example.com", remoteWrite: [central] }, /^grafanaToken: required with grafanaMode external/],
        [{ grafanaMode: "external", grafanaUrl: "https://g.example.com", grafanaToken: "t", remoteWrite: [cloud] }, /^grafanaMode: external Grafana cannot reach Prometheus on the monitoring host; give a remoteWrite entry a queryUrl/],
        [{ grafanaUrl: "https://g.example.com" }, /^grafanaUrl: only read with grafanaMode external/],
    ];
    for (const [raw, expected] of cases) {
        const found = problems(raw);
        assert.ok(found.some((p) => expected.test(p)), `${JSON.stringify(raw)}: ${found.join(" | ")}`);
    }
});

test("renderRemoteWrite is the section renderPrometheus writes", () => {
    const m = monitoring({ remoteWrite: [central] });
    assert.deepEqual(renderRemoteWrite(m).config, remoteWriteOf(m));
});

test("the embedded store listens on its container port and keeps 40 % of its memory limit for ingestion", () => {
    const m = monitoring({ victoriaMetrics: true, victoriaMetricsRetention: "2y", remoteWrite: [cloud] });
    const vm = renderServices(m).find((s) => s.spec.key === "victoriaMetrics");
    assert.deepEqual(vm?.command?.slice(2), ["-httpListenAddr=:8428", "-memory.allowedPercent=60"]);
});

test("the embedded store is written to with no credentials, no headers and no relabelling", () => {
    const [embedded] = remoteWriteOf(monitoring({ victoriaMetrics: true }));
    assert.deepEqual(embedded, {
        name: "victoriametrics", url: "http://monitoring-test-victoria-metrics:8428/api/v1/write",
        queue_config: { capacity: 10000, max_shards: 10, max_samples_per_send: 2000, batch_send_deadline: "5s", min_backoff: "30ms", max_backoff: "5s" },
    });
    assert.deepEqual(renderRemoteWrite(monitoring({ victoriaMetrics: true })).files, []);
});

test("several headers and dropped labels: header files in name order, named after the header, labels dropped as one regex", () => {
    const target = { name: "multi", url: "https://x.example.com/api/v1/write", headers: { "X_Org.ID": "o1", "X-Tenant": "t1" }, dropLabels: ["pod_uid", "container_id"] };
    const m = monitoring({ remoteWrite: [target] });
    const [c] = remoteWriteOf(m);
    assert.deepEqual(Object.keys(c.http_headers ?? {}), ["X-Tenant", "X_Org.ID"]);
    assert.deepEqual(c.http_headers?.["X_Org.ID"], { files: ["/etc/prometheus/current/secrets/remote-write-multi-header-x-org-id"] });
    assert.deepEqual(renderRemoteWrite(m).files.map((f) => [f.path, f.content]), [
        ["prometheus/secrets/remote-write-multi-header-x-tenant", "t1"],
        ["prometheus/secrets/remote-write-multi-header-x-org-id", "o1"],
    ]);
    assert.deepEqual(c.write_relabel_configs, [{ regex: "pod_uid|container_id", action: "labeldrop" }]);
});

test("a store's datasource is named after it, numbers its headers in name order and logs in as the remote_write user", () => {
    const m = monitoring({ victoriaMetrics: true, remoteWrite: [{ ...central, headers: { "X-Tenant": "t1", "X-Org": "o1" } }, { ...cloud, queryUrl: "https://prometheus.example.net/api/prom" }] });
    const ds = remoteDatasources(m);
    assert.deepEqual(ds.map((d) => [d.name, d.url, d.basicAuthUser]), [
        ["VictoriaMetrics (long-term)", "http://victoria-metrics:8428", undefined],
        ["central (remote store)", "https://vm.example.com", "stack"],
        ["cloud (remote store)", "https://prometheus.example.net/api/prom", undefined],
    ]);
    assert.ok(!("basicAuthUser" in ds[0]) && !("basicAuthUser" in ds[2]));
    assert.deepEqual(ds[1].jsonData, { httpMethod: "POST", timeInterval: "15s", httpHeaderName1: "X-Org", httpHeaderName2: "X-Tenant" });
    assert.deepEqual(ds[1].secureJsonData, { basicAuthPassword: secrets.password, httpHeaderValue1: "o1", httpHeaderValue2: "t1" });
});

test("the host's Grafana provisions each store as a proxied, read-only, non-default Prometheus datasource, basic auth only where the store has it", () => {
    const m = monitoring({ victoriaMetrics: true, remoteWrite: [{ ...central, headers: {} }] });
    const { datasources } = provisionedRemoteDatasources(m);
    assert.deepEqual(datasources, [
        {
            name: "VictoriaMetrics (long-term)", type: "prometheus", uid: "victoriametrics", access: "proxy", isDefault: false, editable: false,
            url: "http://victoria-metrics:8428", jsonData: { httpMethod: "POST", timeInterval: "15s" },
        },
        {
            name: "central (remote store)", type: "prometheus", uid: "remote-central", access: "proxy", isDefault: false, editable: false,
            url: "https://vm.example.com", basicAuth: true, basicAuthUser: "stack", jsonData: { httpMethod: "POST", timeInterval: "15s" },
            secureJsonData: { basicAuthPassword: "$__file{/etc/grafana-monitoring/current/secrets/datasource-central-basicAuthPassword}" },
        },
    ]);
});

test("an external Grafana gets nothing provisioned on the host: no datasource and no secret file", () => {
    const m = monitoring({ remoteWrite: [central], grafanaMode: "external", grafanaUrl: "https://example.grafana.net", grafanaToken: "glsa_x" });
    assert.equal(remoteDatasources(m).length, 1, "the store is there to provision");
    assert.deepEqual(provisionedRemoteDatasources(m), { datasources: [], files: [] });
});
