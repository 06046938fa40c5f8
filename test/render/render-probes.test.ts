// Probes rendered: one blackbox module per probe with its kind's options, one scrape job per kind
// that sends each target to the exporter by its container name, the `probes` rule group with
// ProbeFailed's `for` and the probes' scrape interval from one place, and nothing of it without probes.
import assert from "node:assert/strict";
import { test } from "node:test";
import { load } from "js-yaml";
import { parseStackConfig } from "../../config/parse";
import { type MonitoringConfig } from "../../model/stack";
import { renderPrometheus } from "../../render/prometheus";
import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { blackboxCheck, blackboxConfigFile, blackboxSteps, probeScrapeConfigs, probeTarget, renderBlackboxConfig } from "../../render/probes";
import { ruleGroups } from "../../render/rules";
import { renderServices } from "../../render/services";

const probes = [
    { name: "shop", kind: "http", url: "https://shop.example.com/health", validStatusCodes: [200], bodyRegex: "ok", labels: { team: "web" } },
    { name: "landing", kind: "http", url: "http://example.com/" },
    { name: "db", kind: "tcp", target: "db.example.com:5432" },
    { name: "smtps", kind: "tcp", target: "mail.example.com:465", tls: true },
    { name: "gateway", kind: "icmp", host: "203.0.113.1" },
    { name: "mx", kind: "dns", server: "1.1.1.1", queryName: "example.com", queryType: "MX" },
];

function monitoring(raw: Record<string, unknown> = {}): MonitoringConfig {
    return parseStackConfig("prod", { hetznerSshKeyName: "deploy", probes, ...raw }).monitoring;
}

test("blackbox.yml has one module per probe, named after it, preferring IPv4 (the container has no IPv6)", () => {
    const [file] = renderBlackboxConfig(monitoring());
    assert.equal(file.path, blackboxConfigFile);
    assert.equal(file.secret, false);
    assert.deepEqual((load(file.content) as { modules: unknown }).modules, {
        shop: { prober: "http", http: { preferred_ip_protocol: "ip4", valid_status_codes: [200], fail_if_body_not_matches_regexp: ["ok"], fail_if_not_ssl: true } },
        landing: { prober: "http", http: { preferred_ip_protocol: "ip4" } },
        db: { prober: "tcp", tcp: { preferred_ip_protocol: "ip4" } },
        smtps: { prober: "tcp", tcp: { preferred_ip_protocol: "ip4", tls: true } },
        gateway: { prober: "icmp", icmp: { preferred_ip_protocol: "ip4" } },
        mx: { prober: "dns", dns: { preferred_ip_protocol: "ip4", query_name: "example.com", query_type: "MX" } },
    });
});

test("one scrape job per kind: each probe a target with its module and name, sent to the exporter by container name", () => {
    const m = monitoring({ scrapeInterval: "20s" });
    const jobs = probeScrapeConfigs(m);
    assert.deepEqual(jobs.map((j) => j.job_name), ["probe-http", "probe-tcp", "probe-icmp", "probe-dns"]);
    const http = jobs[0];
    assert.equal(http.metrics_path, "/probe");
    assert.deepEqual(http.static_configs, [
        { targets: ["https://shop.example.com/health"], labels: { team: "web", probe: "shop", __param_module: "shop" } },
        { targets: ["http://example.com/"], labels: { probe: "landing", __param_module: "landing" } },
    ]);
    assert.deepEqual(http.relabel_configs, [
        { source_labels: ["__address__"], target_label: "__param_target" },
        { source_labels: ["__param_target"], target_label: "instance" },
        { target_label: "__address__", replacement: "monitoring-prod-blackbox-exporter:9115" },
    ]);
    assert.deepEqual(jobs[3].static_configs.map((s) => s.targets), [["1.1.1.1"]], "a DNS probe asks its resolver");
    const onlyTcp = probeScrapeConfigs(monitoring({ probes: [probes[2]] }));
    assert.deepEqual(onlyTcp.map((j) => j.job_name), ["probe-tcp"], "kinds not in use have no job");
});

test("prometheus.yml scrapes the exporter and the probes only while the stack has probes", () => {
    const jobsOf = (m: MonitoringConfig) => (load(renderPrometheus(m)[0].content) as { scrape_configs: { job_name: string }[] }).scrape_configs.map((j) => j.job_name);
    const on = jobsOf(monitoring());
    assert.ok(on.includes("blackbox") && on.includes("probe-http") && on.includes("probe-dns"));
    const off = jobsOf(monitoring({ probes: [] }));
    assert.deepEqual(off.filter((j) => j === "blackbox" || j.startsWith("probe-")), []);
});

test("the probes rule group exists only with probes; ProbeFailed pages on the fast path, its probe jobs scraped on the paging clock", () => {
    const group = ruleGroups(monitoring()).find((g) => g.name === "probes");
    assert.ok(group);
    const failed = group.rules.find((r) => "alert" in r && r.alert === "ProbeFailed");
    assert.ok(failed && "alert" in failed);
    const m = monitoring();
    assert.equal(failed.for, m.paging.for);
    assert.deepEqual(failed.pages?.jobs, ["probe-http", "probe-tcp", "probe-icmp", "probe-dns"]);
    const scraped = (load(renderPrometheus(m)[0].content) as { scrape_configs: { job_name: string; scrape_interval?: string }[] }).scrape_configs;
    for (const job of scraped.filter((j) => j.job_name.startsWith("probe-"))) assert.equal(job.scrape_interval, m.paging.scrapeInterval, job.job_name);
    assert.equal(failed.severity, "critical");
    assert.equal(ruleGroups(monitoring({ probes: [] })).some((g) => g.name === "probes"), false);
    const meta = ruleGroups(monitoring()).find((g) => g.name === "meta");
    assert.ok(meta?.rules.some((r) => "alert" in r && r.alert === "TargetDown" && r.labels?.job === "blackbox"), "TargetDown watches the exporter");
});

test("the certificate thresholds of alertThresholds reach the rules", () => {
    const group = ruleGroups(monitoring({ alertThresholds: { tlsCertExpiryWarningDays: 21, tlsCertExpiryCriticalDays: 7 } })).find((g) => g.name === "probes");
    const expiring = group?.rules.filter((r) => "alert" in r && r.alert === "TlsCertificateExpiringSoon").map((r) => r.expr);
    assert.deepEqual(expiring?.map((e) => /< (\d+) \* 86400/.exec(e)?.[1]), ["21", "7"]);
});

test("the exporter's container: modules through `current`, swapped in after the image's --config.check", () => {
    const bb = renderServices(monitoring()).find((s) => s.spec.key === "blackboxExporter");
    assert.ok(bb);
    assert.deepEqual(bb.command, ["--config.file=/etc/blackbox_exporter/current/blackbox.yml", "--web.listen-address=:9115"]);
    assert.deepEqual(bb.binds, [{ hostPath: "/opt/monitoring/prod/blackbox-exporter", containerPath: "/etc/blackbox_exporter" }]);
    assert.equal(bb.swap?.check, blackboxCheck("prom/blackbox-exporter:v0.27.0"));
    assert.match(bb.swap?.check ?? "", /^docker run --rm --network none --user 65534 --entrypoint '\/bin\/blackbox_exporter' -v "\$candidate:\/etc\/blackbox_exporter\/current:ro" 'prom\/blackbox-exporter:v0\.27\.0' '--config\.check' '--config\.file=\/etc\/blackbox_exporter\/current\/blackbox\.yml'$/);
    assert.equal(renderServices(monitoring({ probes: [] })).some((s) => s.spec.key === "blackboxExporter"), false);
});

test("each kind of probe asks the exporter for its own target: URL, host:port, host or resolver", () => {
    const m = monitoring();
    assert.deepEqual(m.probes.map((p) => [p.name, probeTarget(p)]), [
        ["shop", "https://shop.example.com/health"], ["landing", "http://example.com/"], ["db", "db.example.com:5432"],
        ["smtps", "mail.example.com:465"], ["gateway", "203.0.113.1"], ["mx", "1.1.1.1"],
    ]);
    const jobs = probeScrapeConfigs(m);
    assert.deepEqual(jobs[1].static_configs.map((s) => s.targets), [["db.example.com:5432"], ["mail.example.com:465"]]);
    assert.deepEqual(jobs[2].static_configs.map((s) => s.targets), [["203.0.113.1"]]);
});

test("a module swap re-reads blackbox.yml with SIGHUP and reads the outcome and time of the last reload from the exporter's metrics", (t) => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "blackbox-steps-"));
    t.after(() => fs.rmSync(dir, { recursive: true, force: true }));
    const served = (urlPath: string) => path.join(dir, urlPath.replace(/\W/g, "_"));
    const access = { running: "is-running", hangUp: "send-hup", restart: "restart", get: (p: string) => `cat ${served(p)}`, state: "state", logs: "show-logs" };
    const steps = blackboxSteps(access, "check-candidate");
    assert.deepEqual({ ...steps, status: "", healthy: "" }, {
        check: "check-candidate", running: "is-running", needsReload: "true", reload: "send-hup", status: "", healthy: "", logs: "show-logs",
    });
    const sh = (script: string) => spawnSync("sh", ["-c", script], { encoding: "utf8" });
    assert.equal(sh(steps.needsReload).status, 0, "every change of the modules needs a reload");
    const metrics = (ok: number) => [
        "# HELP blackbox_exporter_config_last_reload_successful Blackbox exporter config loaded successfully.",
        `blackbox_exporter_config_last_reload_successful ${ok}`,
        "blackbox_exporter_config_last_reload_success_timestamp_seconds 1.7e+09",
        "",
    ].join("\n");
    fs.writeFileSync(served("/metrics"), metrics(1));
    assert.equal(sh(steps.status).stdout, "ok 1.7e+09\n");
    fs.writeFileSync(served("/metrics"), metrics(0));
    assert.equal(sh(steps.status).stdout, "failed 1.7e+09\n");
    fs.writeFileSync(served("/-/healthy"), "Healthy");
    const healthy = sh(steps.healthy);
    assert.deepEqual([healthy.status, healthy.stdout], [0, ""], "healthy reads /-/healthy and prints nothing");
    fs.rmSync(served("/-/healthy"));
    assert.notEqual(sh(steps.healthy).status, 0, "no answer from /-/healthy is unhealthy");
});
