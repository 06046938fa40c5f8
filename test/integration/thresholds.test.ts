// Every tunable threshold of model/alerts.ts moves its own alert: for each key, the rules are
// rendered with only that key tuned, and promtool evaluates them against synthetic series just past
// the tuned value (the alert is active) and just inside it (it is not). An alert wired to another
// key, or to a constant, fails here. Active means pending or firing: `for:` is tested elsewhere
// (rules/tests and rules.test.ts), here only the comparison counts.
import assert from "node:assert/strict";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { test } from "node:test";
import { dump } from "js-yaml";
import { appMetricDefaults, defaultThresholds, thresholdNames, thresholdSpecs, type AlertThresholds, type ThresholdName } from "../../model/alerts";
import { parseAlertThresholds } from "../../config/thresholds";
import type { Severity } from "../../model/stack";
import { renderRules } from "../../render/rules";
import { referenceMonitoring } from "../../scripts/rules";
import { runTool, toolAvailable } from "../externalTools";

/** When the rules are evaluated (minutes): past the 5m rate windows, so every expression has data. */
const evalMinutes = 10;
/** How far (relative) from the tuned value the two cases sit. */
const margin = 0.02;

interface Series {
    readonly series: string;
    /** Value at each minute 0..evalMinutes. */
    readonly at: (minute: number) => number;
}

interface Probe {
    readonly alert: string;
    readonly severity: Severity;
    /** Whether the alert fires above the threshold or below it. */
    readonly fires: "above" | "below";
    /** Series whose compared value equals `v` at the evaluation time. */
    readonly series: (v: number) => readonly Series[];
}

const node = `job="node", instance="host:9100"`;
const filesystem = `${node}, device="/dev/sda1", fstype="ext4", mountpoint="/"`;
const redis = `job="redis-main", instance="redis-exporter-main:9121", redis="main"`;
const app = referenceMonitoring().apps[0];
const appSel = `job="${app.job}", instance="${app.targets[0]}"`;
const probe = `job="probe-http", instance="https://shop.example.com/", probe="shop"`;
/** probe_ssl_earliest_cert_expiry such that the certificate has `days` left at the evaluation time (promtool's clock starts at 0). */
const expiresIn = (days: number) => () => evalMinutes * 60 + days * 86400;
const constant = (value: number) => () => value;
/** A counter growing by `perMinute` each minute: its rate is perMinute / 60. */
const counter = (perMinute: number) => (minute: number) => perMinute * minute;

/** The request histogram of the app with every observation in one bucket (le = `upper`): quantile q is q × upper. */
function histogram(upper: number): Series[] {
    return [upper, "+Inf"].map((le) => ({ series: `${app.metrics.duration}_bucket{${appSel}, le="${le}"}`, at: counter(100) }));
}

const probes = {
    diskFreeWarningPercent: { alert: "HostDiskAlmostFull", severity: "warning", fires: "below", series: (v) => [
        { series: `node_filesystem_avail_bytes{${filesystem}}`, at: constant(v) },
        { series: `node_filesystem_size_bytes{${filesystem}}`, at: constant(100) },
        { series: `node_filesystem_readonly{${filesystem}}`, at: constant(0) },
    ] },
    diskFreeCriticalPercent: { alert: "HostDiskAlmostFull", severity: "critical", fires: "below", series: (v) => [
        { series: `node_filesystem_avail_bytes{${filesystem}}`, at: constant(v) },
        { series: `node_filesystem_size_bytes{${filesystem}}`, at: constant(100) },
        { series: `node_filesystem_readonly{${filesystem}}`, at: constant(0) },
    ] },
    diskFillingUpHours: { alert: "HostDiskFillingUp", severity: "warning", fires: "below", series: (v) => {
        // 30 of 100 bytes free at the evaluation time, falling steadily: full in exactly v hours.
        const perMinute = 30 / (v * 60);
        return [
            { series: `node_filesystem_avail_bytes{${filesystem}}`, at: (minute) => 30 + (evalMinutes - minute) * perMinute },
            { series: `node_filesystem_size_bytes{${filesystem}}`, at: constant(100) },
            { series: `node_filesystem_readonly{${filesystem}}`, at: constant(0) },
        ];
    } },
    inodesFreePercent: { alert: "HostInodesAlmostFull", severity: "warning", fires: "below", series: (v) => [
        { series: `node_filesystem_files_free{${filesystem}}`, at: constant(v) },
        { series: `node_filesystem_files{${filesystem}}`, at: constant(100) },
        { series: `node_filesystem_readonly{${filesystem}}`, at: constant(0) },
    ] },
    memoryUsedPercent: { alert: "HostMemoryHigh", severity: "warning", fires: "above", series: (v) => [
        { series: `node_memory_MemAvailable_bytes{${node}}`, at: constant(100 - v) },
        { series: `node_memory_MemTotal_bytes{${node}}`, at: constant(100) },
    ] },
    cpuUsedPercent: { alert: "HostCpuHigh", severity: "warning", fires: "above", series: (v) => [
        { series: `node_cpu_seconds_total{${node}, cpu="0", mode="idle"}`, at: counter(60 * (1 - v / 100)) },
    ] },
    loadPerCore: { alert: "HostLoadHigh", severity: "warning", fires: "above", series: (v) => [
        { series: `node_load15{${node}}`, at: constant(2 * v) },
        { series: `node_cpu_seconds_total{${node}, cpu="0", mode="idle"}`, at: counter(30) },
        { series: `node_cpu_seconds_total{${node}, cpu="1", mode="idle"}`, at: counter(30) },
    ] },
    clockSkewSeconds: { alert: "HostClockSkew", severity: "warning", fires: "above", series: (v) => [
        { series: `node_timex_offset_seconds{${node}}`, at: constant(v) },
    ] },
    networkErrorPercent: { alert: "HostNetworkErrors", severity: "warning", fires: "above", series: (v) => [
        { series: `node_network_receive_packets_total{${node}, device="eth0"}`, at: counter(1000) },
        { series: `node_network_receive_errs_total{${node}, device="eth0"}`, at: counter(10 * v) },
        { series: `node_network_transmit_packets_total{${node}, device="eth0"}`, at: counter(0) },
        { series: `node_network_transmit_errs_total{${node}, device="eth0"}`, at: counter(0) },
    ] },
    redisMemoryUsedPercent: { alert: "RedisMemoryNearMax", severity: "warning", fires: "above", series: (v) => [
        { series: `redis_memory_used_bytes{${redis}}`, at: constant(v) },
        { series: `redis_memory_max_bytes{${redis}}`, at: constant(100) },
    ] },
    redisClientsPercent: { alert: "RedisTooManyClients", severity: "warning", fires: "above", series: (v) => [
        { series: `redis_connected_clients{${redis}}`, at: constant(100 * v) },
        { series: `redis_config_maxclients{${redis}}`, at: constant(10_000) },
    ] },
    redisReplicationLagSeconds: { alert: "RedisReplicationLag", severity: "warning", fires: "above", series: (v) => [
        { series: `redis_connected_slave_lag_seconds{${redis}, slave_ip="10.0.0.2", slave_port="6379", slave_state="online"}`, at: constant(v) },
    ] },
    appErrorRatePercent: { alert: "AppErrorRateHigh", severity: "warning", fires: "above", series: (v) => [
        { series: `${app.metrics.requests}{${appSel}, ${app.metrics.statusLabel}="500"}`, at: counter(v) },
        { series: `${app.metrics.requests}{${appSel}, ${app.metrics.statusLabel}="200"}`, at: counter(100 - v) },
    ] },
    appLatencyP95WarningSeconds: { alert: "AppLatencyHigh", severity: "warning", fires: "above", series: (v) => histogram(v / 0.95) },
    appLatencyP95CriticalSeconds: { alert: "AppLatencyHigh", severity: "critical", fires: "above", series: (v) => histogram(v / 0.95) },
    appLatencyP99CriticalSeconds: { alert: "AppLatencyP99High", severity: "critical", fires: "above", series: (v) => histogram(v / 0.99) },
    remoteWriteBehindSeconds: { alert: "RemoteWriteBehind", severity: "warning", fires: "above", series: (v) => [
        // The newest sample is at the evaluation time; the queue's newest sent one v seconds older.
        { series: `prometheus_remote_storage_highest_timestamp_in_seconds{job="prometheus", instance="localhost:9090"}`, at: (minute) => minute * 60 },
        { series: `prometheus_remote_storage_queue_highest_sent_timestamp_seconds{job="prometheus", instance="localhost:9090", remote_name="central", url="https://metrics.example.com/api/v1/write"}`, at: (minute) => minute * 60 - v },
    ] },
    probeSlowSeconds: { alert: "ProbeSlow", severity: "warning", fires: "above", series: (v) => [
        { series: `probe_duration_seconds{${probe}}`, at: constant(v) },
        { series: `probe_success{${probe}}`, at: constant(1) },
    ] },
    tlsCertExpiryWarningDays: { alert: "TlsCertificateExpiringSoon", severity: "warning", fires: "below", series: (v) => [
        { series: `probe_ssl_earliest_cert_expiry{${probe}}`, at: expiresIn(v) },
    ] },
    tlsCertExpiryCriticalDays: { alert: "TlsCertificateExpiringSoon", severity: "critical", fires: "below", series: (v) => [
        { series: `probe_ssl_earliest_cert_expiry{${probe}}`, at: expiresIn(v) },
    ] },
    backupMaxAgeHours: { alert: "BackupStale", severity: "warning", fires: "above", series: (v) => [
        // The backup job's last success, v hours before the evaluation time.
        { series: `vps_monitoring_backup_last_success_timestamp_seconds{${node}}`, at: constant(evalMinutes * 60 - v * 3600) },
    ] },
    heartbeatMaxAgeSeconds: { alert: "AppHeartbeatStale", severity: "critical", fires: "above", series: (v) => [
        // A unix-time gauge whose age at the evaluation time is v.
        { series: `bot_heartbeat_seconds{${appSel}}`, at: constant(evalMinutes * 60 - v) },
    ] },
} as const satisfies Record<ThresholdName, Probe>;

/** A value away from the default, inside the key's range, valid next to the other defaults. */
function tunedValue(name: ThresholdName): number {
    const value = Number((thresholdSpecs[name].default * 0.7).toPrecision(3));
    const { thresholds, problems } = parseAlertThresholds({ [name]: value });
    assert.deepEqual(problems, [], `${name}: ${value} is not a valid tuning`);
    return thresholds[name];
}

function alertIsActive(p: Probe): string {
    return `count(ALERTS{alertname="${p.alert}", severity="${p.severity}"}) or vector(0)`;
}

function testCase(name: string, p: Probe, value: number, expectActive: boolean): Record<string, unknown> {
    return {
        name,
        interval: "1m",
        input_series: p.series(value).map((s) => ({
            series: s.series,
            values: Array.from({ length: evalMinutes + 1 }, (_, minute) => String(s.at(minute))).join(" "),
        })),
        promql_expr_test: [{ expr: alertIsActive(p), eval_time: `${evalMinutes}m`, exp_samples: [{ labels: "{}", value: expectActive ? 1 : 0 }] }],
    };
}

test("every threshold in alertThresholds has a probe here", () => {
    assert.deepEqual(Object.keys(probes).sort(), [...thresholdNames].sort());
    assert.equal(thresholdNames.length, Object.keys(defaultThresholds).length);
});

for (const name of thresholdNames) {
    test(`alertThresholds.${name} tuned: ${probes[name].alert} (${probes[name].severity}) is active just past the tuned value and not just inside it`, (t) => {
        if (!toolAvailable(t, "promtool")) return;
        const probe: Probe = probes[name];
        const tuned = tunedValue(name);
        const thresholds: AlertThresholds = { ...defaultThresholds, [name]: tuned };
        // Reading any other key would put the boundary elsewhere: no other value may sit between the two cases.
        const [low, high] = [tuned * (1 - margin), tuned * (1 + margin)];
        const between = thresholdNames.filter((other) => other !== name && thresholds[other] >= low && thresholds[other] <= high);
        assert.deepEqual(between, [], `tune ${name} to a value no other threshold shares`);
        const [past, inside] = probe.fires === "above" ? [high, low] : [low, high];

        const dir = fs.mkdtempSync(path.join(os.tmpdir(), `threshold-${name}-`));
        try {
            const ruleFiles = renderRules(referenceMonitoring(), thresholds).map((f) => {
                const file = path.join(dir, path.basename(f.path));
                fs.writeFileSync(file, f.content);
                return file;
            });
            const tests = [
                testCase(`${name} = ${tuned}: ${probe.alert} active at ${past}`, probe, past, true),
                testCase(`${name} = ${tuned}: ${probe.alert} silent at ${inside}`, probe, inside, false),
            ];
            const testFile = path.join(dir, "threshold.test.yml");
            fs.writeFileSync(testFile, dump({ rule_files: ruleFiles, evaluation_interval: "1m", tests }, { lineWidth: -1 }));
            runTool("promtool", ["test", "rules", testFile]);
        } finally {
            fs.rmSync(dir, { recursive: true, force: true });
        }
    });
}

test("the heartbeat probe uses a metric name the heartbeat alert selects", () => {
    assert.match("bot_heartbeat_seconds", new RegExp(`^${appMetricDefaults.heartbeatNameRegex}$`));
});
