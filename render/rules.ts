// Alert and recording rules, one file per group below prometheus/rules/ (the rule_files glob).
// Pure: config and thresholds in, file text out. rules/*.yml in the repository is this output for
// a reference config, and rules/tests/*.test.yml checks every alert with promtool.
import { containerUids, redisJob } from "../model/catalog";
import type { AppTarget, MonitoringConfig, Severity } from "../model/stack";
import { runbookFirstStep, runbookUrl, type AlertThresholds } from "../model/alerts";
import { allServiceSpecs, type SpecKey } from "../model/services";
import { hostDirs, renderedHeader, type RenderedFile, yamlText } from "./files";
import { fastPath, type FastPath } from "./fastPath";
import { probesGroup } from "./probes";

export { fastPath, type FastPath } from "./fastPath";
import { appRecordingRules, diskFilesystems, heartbeatAge, jobMatchers, recentBootSeconds, watchdogAlert } from "./mixin";
import { backupRuleGroup } from "./backupRules";
import { eq, labelReplace, type Matcher, rangeSelector, re, selector } from "./promql";
import { remoteWriteGroup } from "./remoteWriteRules";
import { fleetAppJobs, fleetJobNames, fleetNodeJobs, fleetRedisJobs, fleetServiceJobs, fleetWatched, hostDownAlert, hostDownRule } from "./fleetScrape";

export const rulesDir = `${hostDirs.prometheus}/rules`;

export interface AlertRule {
    readonly alert: string;
    readonly expr: string;
    /** Omitted: fires on the first evaluation. */
    readonly for?: string;
    readonly severity: Severity;
    readonly summary: string;
    readonly description: string;
    /** Extra labels (templated). */
    readonly labels?: Readonly<Record<string, string>>;
    /** Human-readable threshold for the README table. */
    readonly threshold: string;
    /** Set by `fastPath`: the alert pages within the promise of model/paging.ts. */
    readonly pages?: FastPath;
}


export interface RecordingRule {
    readonly record: string;
    readonly expr: string;
    readonly labels?: Readonly<Record<string, string>>;
}

export interface RuleGroup {
    readonly name: string;
    readonly rules: readonly (AlertRule | RecordingRule)[];
}

export function isAlert(rule: AlertRule | RecordingRule): rule is AlertRule {
    return "alert" in rule;
}

// --- meta: the alerting pipeline and the scrape targets --------------------------------------

/** Every scrape job: one per container of each service that is on (as prometheus.ts scrapes them), then the apps'. */
function jobs(m: MonitoringConfig): string[] {
    return [...allServiceSpecs.flatMap((spec) => spec.instances(m).map((i) => i.job)), ...m.apps.map((a) => a.job), ...fleetJobNames(m)];
}

/**
 * Down targets of the user's services (apps, Redis exporters, here and on fleet hosts) page on the fast path. The stack's
 * own (Prometheus, Alertmanager, Grafana, node) stay on the normal path: with Prometheus or
 * Alertmanager down no alert goes out at all (the dead man's switch tells), and the others do not
 * take a customer-facing service down.
 */
function targetDown(m: MonitoringConfig, job: string): AlertRule {
    const paged = m.apps.some((a) => a.job === job) || m.redis.some((r) => redisJob(r.name) === job) || fleetServiceJobs(m).includes(job);
    const timing = paged ? fastPath(m, [job]) : { for: "1m" };
    return {
        // The job label (already on the series) keeps the per-job rules distinct for promtool's lint.
        alert: "TargetDown", expr: `${selector("up", eq("job", job))} == 0`, ...timing, severity: "critical", threshold: `up == 0 for ${timing.for}`, labels: { job },
        summary: `Target {{ $labels.instance }} of job ${job} is down`,
        description: `Prometheus cannot scrape {{ $labels.instance }} (job {{ $labels.job }}) for more than ${timing.for} (up = {{ $value }}).`,
    };
}

const ofPrometheus = jobMatchers.prometheus;
/** Alertmanager's counters per integration (0.26+ split failures by `reason`; a `receiver_name` label, where present, is summed away). */
const byIntegration = (expr: string) => `sum by (job, instance, integration) (${expr})`;
const ofAlertmanager = jobMatchers.alertmanager;

function metaGroup(m: MonitoringConfig): RuleGroup {
    return {
        name: "meta",
        rules: [
            {
                alert: watchdogAlert, expr: "vector(1)", severity: "info", threshold: "always firing",
                summary: "Alerting pipeline heartbeat",
                description: "Always firing (value {{ $value }}) so the dead man's switch can tell that Prometheus and Alertmanager work end to end.",
            },
            ...jobs(m).map((job) => targetDown(m, job)),
            {
                alert: "PrometheusConfigReloadFailed", expr: `${selector("prometheus_config_last_reload_successful", ofPrometheus)} == 0`, for: "5m",
                severity: "warning", threshold: "last reload failed for 5m",
                summary: "Prometheus {{ $labels.instance }} failed to reload its configuration",
                description: "The last configuration reload of {{ $labels.instance }} failed (value {{ $value }}); Prometheus keeps running the previous configuration.",
            },
            {
                alert: "PrometheusRuleEvaluationFailures", expr: `increase(${rangeSelector("5m", "prometheus_rule_evaluation_failures_total", ofPrometheus)}) > 0`, for: "5m",
                severity: "critical", threshold: "any failure for 5m",
                summary: "Prometheus {{ $labels.instance }} fails to evaluate rules",
                description: "{{ $value | humanize }} rule evaluations failed on {{ $labels.instance }} in 5 minutes (group {{ $labels.rule_group }}); those alerts cannot fire.",
            },
            {
                alert: "PrometheusNotificationsFailing",
                expr: `rate(${rangeSelector("5m", "prometheus_notifications_errors_total", ofPrometheus)}) / rate(${rangeSelector("5m", "prometheus_notifications_sent_total", ofPrometheus)}) > 0.01`,
                for: "5m", severity: "critical", threshold: "> 1% errors for 5m",
                summary: "Prometheus {{ $labels.instance }} cannot send alerts to Alertmanager",
                description: "{{ $value | humanizePercentage }} of the alerts {{ $labels.instance }} sent to {{ $labels.alertmanager }} failed in the last 5 minutes.",
            },
            {
                alert: "PrometheusNotificationQueueFull",
                expr: `${selector("prometheus_notifications_queue_length", ofPrometheus)} / ${selector("prometheus_notifications_queue_capacity", ofPrometheus)} > 0.9`,
                for: "10m", severity: "warning", threshold: "queue > 90% full for 10m",
                summary: "Prometheus {{ $labels.instance }} notification queue is almost full",
                description: "The alert queue of {{ $labels.instance }} is {{ $value | humanizePercentage }} full; alerts will be dropped when it is full.",
            },
            {
                alert: "PrometheusTSDBCompactionsFailing", expr: `increase(${rangeSelector("3h", "prometheus_tsdb_compactions_failed_total", ofPrometheus)}) > 0`,
                severity: "warning", threshold: "any failure in 3h",
                summary: "Prometheus {{ $labels.instance }} fails to compact its database",
                description: "{{ $value | humanize }} compactions failed on {{ $labels.instance }} in 3 hours; disk use grows and queries slow down.",
            },
            {
                alert: "PrometheusTSDBWALCorruptions", expr: `increase(${rangeSelector("3h", "prometheus_tsdb_wal_corruptions_total", ofPrometheus)}) > 0`,
                severity: "warning", threshold: "any corruption in 3h",
                summary: "Prometheus {{ $labels.instance }} found a corrupted write-ahead log",
                description: "{{ $value | humanize }} WAL corruptions on {{ $labels.instance }} in 3 hours; recent samples may be lost.",
            },
            {
                alert: "AlertmanagerConfigReloadFailed", expr: `${selector("alertmanager_config_last_reload_successful", ofAlertmanager)} == 0`, for: "5m",
                severity: "warning", threshold: "last reload failed for 5m",
                summary: "Alertmanager {{ $labels.instance }} failed to reload its configuration",
                description: "The last configuration reload of {{ $labels.instance }} failed (value {{ $value }}); Alertmanager keeps routing with the previous configuration.",
            },
            {
                alert: "AlertmanagerFailedToSendNotifications",
                // Alertmanager 0.26+ splits failures by `reason`; the total has no such label.
                expr: `sum without (reason) (rate(${rangeSelector("5m", "alertmanager_notifications_failed_total", ofAlertmanager)})) / rate(${rangeSelector("5m", "alertmanager_notifications_total", ofAlertmanager)}) > 0.01`,
                for: "5m", severity: "critical", threshold: "> 1% failed for 5m",
                summary: "Alertmanager {{ $labels.instance }} cannot deliver to {{ $labels.integration }}",
                description: "{{ $value | humanizePercentage }} of the notifications {{ $labels.instance }} sent through {{ $labels.integration }} failed in the last 5 minutes.",
            },
            {
                // Notifications are rare (a repeat every few hours), so a rate over minutes never sees
                // a revoked token; a failed one already means Alertmanager retried for a whole
                // group_interval, and an alert that reached nobody. Critical: every critical receiver
                // carries it, so the ones still working tell. Per integration type only (0.25 has no
                // receiver label): the drill says which receiver.
                alert: "NotificationsFailing", severity: "critical", threshold: "a notification given up in the last hour",
                expr: `${byIntegration(`increase(${rangeSelector("1h", "alertmanager_notifications_failed_total", ofAlertmanager)})`)} > 0`,
                summary: "Notifications through {{ $labels.integration }} are failing",
                description: "Alertmanager {{ $labels.instance }} gave up on {{ $value | humanize }} notifications through {{ $labels.integration }} in the last hour; a receiver of that type is not reached (revoked token, deleted webhook, wrong address). Run npm run drill.",
            },
        ],
    };
}

// --- host: node-exporter ---------------------------------------------------------------------

const ofNode = jobMatchers.node;
/** Real filesystems of the host: node-exporter also reports pseudo and container filesystems. */
const realFs: readonly Matcher[] = [ofNode, diskFilesystems];
const fsMetric = (name: string) => selector(name, ...realFs);
const nodeMetric = (name: string, ...more: Matcher[]) => selector(name, ofNode, ...more);
const nodeRate = (name: string, ...more: Matcher[]) => `rate(${rangeSelector("5m", name, ofNode, ...more)})`;

function diskAlmostFull(severity: Severity, percent: number): AlertRule {
    return {
        alert: "HostDiskAlmostFull", severity, for: "5m", threshold: `< ${percent}% free for 5m`,
        expr: `${fsMetric("node_filesystem_avail_bytes")} / ${fsMetric("node_filesystem_size_bytes")} * 100 < ${percent} and ${fsMetric("node_filesystem_readonly")} == 0`,
        summary: "Disk {{ $labels.mountpoint }} on {{ $labels.instance }} is almost full",
        description: `{{ $labels.mountpoint }} on {{ $labels.instance }} has {{ $value | humanize }}% free space left (${severity} below ${percent}%).`,
    };
}

function hostGroup(t: AlertThresholds): RuleGroup {
    const hours = t.diskFillingUpHours;
    return {
        name: "host",
        rules: [
            diskAlmostFull("warning", t.diskFreeWarningPercent),
            diskAlmostFull("critical", t.diskFreeCriticalPercent),
            {
                alert: "HostDiskFillingUp", for: "1h", severity: "warning", threshold: `full within ${hours}h at the 6h trend`,
                expr: `predict_linear(${rangeSelector("6h", "node_filesystem_avail_bytes", ...realFs)}, ${hours} * 3600) < 0 and ${fsMetric("node_filesystem_avail_bytes")} / ${fsMetric("node_filesystem_size_bytes")} < 0.4 and ${fsMetric("node_filesystem_readonly")} == 0`,
                summary: "Disk {{ $labels.mountpoint }} on {{ $labels.instance }} is filling up",
                description: `At the rate of the last 6 hours {{ $labels.mountpoint }} on {{ $labels.instance }} will be full within ${hours} hours (predicted free space then: {{ $value | humanize1024 }}B).`,
            },
            {
                alert: "HostInodesAlmostFull", for: "5m", severity: "warning", threshold: `< ${t.inodesFreePercent}% inodes free for 5m`,
                expr: `${fsMetric("node_filesystem_files_free")} / ${fsMetric("node_filesystem_files")} * 100 < ${t.inodesFreePercent} and ${fsMetric("node_filesystem_readonly")} == 0`,
                summary: "Filesystem {{ $labels.mountpoint }} on {{ $labels.instance }} is running out of inodes",
                description: "{{ $labels.mountpoint }} on {{ $labels.instance }} has {{ $value | humanize }}% free inodes left; new files cannot be created when none are left.",
            },
            {
                alert: "HostMemoryHigh", for: "5m", severity: "warning", threshold: `> ${t.memoryUsedPercent}% used for 5m`,
                expr: `(1 - ${nodeMetric("node_memory_MemAvailable_bytes")} / ${nodeMetric("node_memory_MemTotal_bytes")}) * 100 > ${t.memoryUsedPercent}`,
                summary: "Memory on {{ $labels.instance }} is almost exhausted",
                description: `{{ $labels.instance }} uses {{ $value | humanize }}% of its memory (threshold ${t.memoryUsedPercent}%); the kernel will start killing processes.`,
            },
            {
                alert: "HostCpuHigh", for: "15m", severity: "warning", threshold: `> ${t.cpuUsedPercent}% for 15m`,
                expr: `100 - avg without (cpu, mode) (${nodeRate("node_cpu_seconds_total", eq("mode", "idle"))}) * 100 > ${t.cpuUsedPercent}`,
                summary: "CPU on {{ $labels.instance }} is saturated",
                description: `{{ $labels.instance }} has used {{ $value | humanize }}% CPU for 15 minutes (threshold ${t.cpuUsedPercent}%).`,
            },
            {
                alert: "HostLoadHigh", for: "15m", severity: "warning", threshold: `load15 > ${t.loadPerCore} per core for 15m`,
                expr: `${nodeMetric("node_load15")} / count without (cpu, mode) (${nodeMetric("node_cpu_seconds_total", eq("mode", "idle"))}) > ${t.loadPerCore}`,
                summary: "Load on {{ $labels.instance }} is high",
                description: `The 15-minute load average of {{ $labels.instance }} is {{ $value | humanize }} per CPU core (threshold ${t.loadPerCore}).`,
            },
            {
                alert: "HostOomKills", severity: "warning", threshold: "any OOM kill in 5m",
                expr: `increase(${rangeSelector("5m", "node_vmstat_oom_kill", ofNode)}) > 0`,
                summary: "The kernel killed a process for lack of memory on {{ $labels.instance }}",
                description: "{{ $value | humanize }} OOM kills on {{ $labels.instance }} in the last 5 minutes.",
            },
            {
                alert: "HostClockSkew", for: "10m", severity: "warning", threshold: `offset > ${t.clockSkewSeconds}s for 10m`,
                expr: `abs(${nodeMetric("node_timex_offset_seconds")}) > ${t.clockSkewSeconds}`,
                summary: "Clock on {{ $labels.instance }} is off",
                description: `The clock of {{ $labels.instance }} is off by {{ $value | humanizeDuration }} (threshold ${t.clockSkewSeconds}s); TLS, tokens and metrics timestamps suffer.`,
            },
            {
                alert: "HostClockNotSynchronising", for: "10m", severity: "warning", threshold: "not synchronised for 10m",
                expr: `min_over_time(${rangeSelector("5m", "node_timex_sync_status", ofNode)}) == 0 and ${nodeMetric("node_timex_maxerror_seconds")} >= 16`,
                summary: "Clock on {{ $labels.instance }} is not synchronising",
                description: "NTP is not synchronising the clock of {{ $labels.instance }} (sync status {{ $value }}).",
            },
            {
                alert: "HostRebooted", severity: "info", threshold: `booted less than ${recentBootSeconds / 60}m ago`,
                expr: `time() - ${nodeMetric("node_boot_time_seconds")} < ${recentBootSeconds}`,
                summary: "{{ $labels.instance }} rebooted",
                description: "{{ $labels.instance }} booted {{ $value | humanizeDuration }} ago.",
            },
            {
                alert: "HostNetworkErrors", for: "5m", severity: "warning", threshold: `> ${t.networkErrorPercent}% packets with errors for 5m`,
                expr: `(${nodeRate("node_network_receive_errs_total")} + ${nodeRate("node_network_transmit_errs_total")}) / (${nodeRate("node_network_receive_packets_total")} + ${nodeRate("node_network_transmit_packets_total")}) * 100 > ${t.networkErrorPercent}`,
                summary: "Network interface {{ $labels.device }} on {{ $labels.instance }} has errors",
                description: "{{ $value | humanize }}% of the packets on {{ $labels.device }} of {{ $labels.instance }} had errors in the last 5 minutes.",
            },
        ],
    };
}

// --- redis: every redis-<name> job, one set ----------------------------------------------------

/** Every redis-<name> job (prometheus.ts names them). */
const ofRedis = jobMatchers.redis;
const redisMetric = (name: string) => selector(name, ofRedis);

function redisGroup(m: MonitoringConfig, t: AlertThresholds): RuleGroup {
    return {
        name: "redis",
        rules: [
            {
                alert: "RedisDown", expr: `${redisMetric("redis_up")} == 0`, ...fastPath(m, [...m.redis.map((r) => redisJob(r.name)), ...fleetRedisJobs(m)]),
                severity: "critical", threshold: `redis_up == 0 for ${m.paging.for}`,
                summary: "Redis {{ $labels.redis }} is down",
                description: `The exporter {{ $labels.instance }} cannot reach Redis {{ $labels.redis }} for more than ${m.paging.for} (redis_up = {{ $value }}).`,
            },
            {
                alert: "RedisMemoryNearMax", for: "5m", severity: "warning", threshold: `> ${t.redisMemoryUsedPercent}% of maxmemory for 5m`,
                expr: `${redisMetric("redis_memory_used_bytes")} / ${redisMetric("redis_memory_max_bytes")} * 100 > ${t.redisMemoryUsedPercent} and ${redisMetric("redis_memory_max_bytes")} > 0`,
                summary: "Redis {{ $labels.redis }} is near maxmemory",
                description: `Redis {{ $labels.redis }} ({{ $labels.instance }}) uses {{ $value | humanize }}% of maxmemory (threshold ${t.redisMemoryUsedPercent}%); it evicts keys or refuses writes depending on maxmemory-policy.`,
            },
            {
                alert: "RedisRejectedConnections", severity: "warning", threshold: "any rejected in 5m",
                expr: `increase(${rangeSelector("5m", "redis_rejected_connections_total", ofRedis)}) > 0`,
                summary: "Redis {{ $labels.redis }} rejects connections",
                description: "Redis {{ $labels.redis }} ({{ $labels.instance }}) rejected {{ $value | humanize }} connections in 5 minutes (maxclients reached).",
            },
            {
                alert: "RedisTooManyClients", for: "5m", severity: "warning", threshold: `> ${t.redisClientsPercent}% of maxclients for 5m`,
                expr: `${redisMetric("redis_connected_clients")} / ${redisMetric("redis_config_maxclients")} * 100 > ${t.redisClientsPercent}`,
                summary: "Redis {{ $labels.redis }} is near maxclients",
                description: `Redis {{ $labels.redis }} ({{ $labels.instance }}) has {{ $value | humanize }}% of maxclients connected (threshold ${t.redisClientsPercent}%).`,
            },
            {
                alert: "RedisRdbSaveFailed", expr: `${redisMetric("redis_rdb_last_bgsave_status")} == 0`, for: "5m", severity: "critical", threshold: "last bgsave failed for 5m",
                summary: "Redis {{ $labels.redis }} cannot save snapshots",
                description: "The last RDB save of Redis {{ $labels.redis }} ({{ $labels.instance }}) failed (status {{ $value }}); with stop-writes-on-bgsave-error it refuses writes.",
            },
            {
                alert: "RedisAofWriteFailed", for: "5m", severity: "critical", threshold: "last AOF write or rewrite failed for 5m",
                expr: `${redisMetric("redis_aof_last_write_status")} == 0 or ${redisMetric("redis_aof_last_bgrewrite_status")} == 0`,
                summary: "Redis {{ $labels.redis }} cannot write its append-only file",
                description: "The last AOF write or rewrite of Redis {{ $labels.redis }} ({{ $labels.instance }}) failed (status {{ $value }}); writes may be refused.",
            },
            {
                alert: "RedisReplicationBroken", expr: `${redisMetric("redis_master_link_up")} == 0`, for: "2m", severity: "critical", threshold: "replica link down for 2m",
                summary: "Redis replica {{ $labels.redis }} lost its master",
                description: "Replica {{ $labels.redis }} ({{ $labels.instance }}) has no link to its master for 2 minutes (master_link_up = {{ $value }}); its data is getting stale.",
            },
            {
                alert: "RedisReplicaLost", for: "5m", severity: "warning", threshold: "fewer replicas than in the last hour for 5m",
                expr: `${redisMetric("redis_connected_slaves")} < max_over_time(${rangeSelector("1h", "redis_connected_slaves", ofRedis)})`,
                summary: "Redis master {{ $labels.redis }} lost a replica",
                description: "Master {{ $labels.redis }} ({{ $labels.instance }}) has {{ $value }} connected replicas, fewer than in the last hour.",
            },
            {
                alert: "RedisReplicationLag", for: "5m", severity: "warning", threshold: `lag > ${t.redisReplicationLagSeconds}s for 5m`,
                expr: `${redisMetric("redis_connected_slave_lag_seconds")} > ${t.redisReplicationLagSeconds}`,
                summary: "Redis replica of {{ $labels.redis }} lags behind",
                description: `Replica {{ $labels.slave_ip }} of {{ $labels.redis }} ({{ $labels.instance }}) lags {{ $value | humanizeDuration }} behind (threshold ${t.redisReplicationLagSeconds}s).`,
            },
        ],
    };
}

// --- apps: one set per scrape job -------------------------------------------------------------

/** Recording rules shared by the alerts below and by dashboards. */
/** The app's own metric names go in; the recorded series are the same for every app, in seconds. */
function appRecordings(app: AppTarget): RecordingRule[] {
    const ofApp = eq("job", app.job);
    const m = app.metrics;
    const requests = `sum by (job) (rate(${rangeSelector("5m", m.requests, ofApp)}))`;
    const errors = m.errors
        ? `sum by (job) (rate(${rangeSelector("5m", m.errors, ofApp)}))`
        : `sum by (job) (rate(${rangeSelector("5m", m.requests, ofApp, re(m.statusLabel, m.errorStatus))}))`;
    const buckets = `sum by (job, le) (rate(${rangeSelector("5m", `${m.duration}_bucket`, ofApp)}))`;
    const inSeconds = (expr: string) => (m.durationUnit === "milliseconds" ? `${expr} / 1000` : expr);
    const labels = { job: app.job };
    return [
        { record: appRecordingRules.requestRate, expr: requests, labels },
        // `or … * 0` makes the ratio 0 instead of absent while no request failed.
        { record: appRecordingRules.errorRatio, expr: `(${errors} or ${requests} * 0) / ${requests}`, labels },
        { record: appRecordingRules.latencyP95, expr: inSeconds(`histogram_quantile(0.95, ${buckets})`), labels },
        { record: appRecordingRules.latencyP99, expr: inSeconds(`histogram_quantile(0.99, ${buckets})`), labels },
    ];
}

// Service-level alerts have no instance; the job stands in (copied onto the series so the
// annotations see it) so inhibition (equal: alertname, instance) stays per job.
function asInstance(expr: string): string {
    return labelReplace(expr, "instance", "$1", "job", "(.+)");
}

function appLatency(job: string, severity: Severity, seconds: number): AlertRule {
    return {
        alert: "AppLatencyHigh", for: "5m", severity, labels: { job }, threshold: `p95 > ${seconds}s for 5m`,
        expr: `${asInstance(selector(appRecordingRules.latencyP95, eq("job", job)))} > ${seconds}`,
        summary: "{{ $labels.instance }} responds slowly",
        description: `The 95th percentile latency of {{ $labels.instance }} is {{ $value | humanizeDuration }} (${severity} above ${seconds}s).`,
    };
}

function appAlerts(app: AppTarget, t: AlertThresholds): AlertRule[] {
    const ofApp = eq("job", app.job);
    return [
        {
            alert: "AppErrorRateHigh", for: "5m", severity: "warning", labels: { job: app.job }, threshold: `> ${t.appErrorRatePercent}% 5xx for 5m`,
            expr: `${asInstance(selector(appRecordingRules.errorRatio, ofApp))} * 100 > ${t.appErrorRatePercent}`,
            summary: "{{ $labels.instance }} fails requests",
            description: `{{ $value | humanize }}% of the requests to {{ $labels.instance }} failed with 5xx in the last 5 minutes (threshold ${t.appErrorRatePercent}%).`,
        },
        appLatency(app.job, "warning", t.appLatencyP95WarningSeconds),
        appLatency(app.job, "critical", t.appLatencyP95CriticalSeconds),
        {
            alert: "AppLatencyP99High", for: "5m", severity: "critical", labels: { job: app.job }, threshold: `p99 > ${t.appLatencyP99CriticalSeconds}s for 5m`,
            expr: `${asInstance(selector(appRecordingRules.latencyP99, ofApp))} > ${t.appLatencyP99CriticalSeconds}`,
            summary: "{{ $labels.instance }} has very slow requests",
            description: `The 99th percentile latency of {{ $labels.instance }} is {{ $value | humanizeDuration }} (threshold ${t.appLatencyP99CriticalSeconds}s).`,
        },
        {
            // Only apps that export a heartbeat gauge match; `metric` keeps several heartbeats apart.
            alert: "AppHeartbeatStale", for: "1m", severity: "critical", labels: { job: app.job }, threshold: `heartbeat older than ${t.heartbeatMaxAgeSeconds}s for 1m`,
            expr: `${heartbeatAge(ofApp)} > ${t.heartbeatMaxAgeSeconds}`,
            summary: "{{ $labels.instance }} stopped sending heartbeats",
            description: `The last {{ $labels.metric }} of {{ $labels.instance }} is {{ $value | humanizeDuration }} old (threshold ${t.heartbeatMaxAgeSeconds}s); the process is up but its loop is stuck.`,
        },
    ];
}

function appsGroup(m: MonitoringConfig, t: AlertThresholds): RuleGroup {
    // Recordings first: rules in a group run in order, so the alerts read this cycle's values.
    return { name: "apps", rules: [...m.apps.flatMap(appRecordings), ...m.apps.flatMap((a) => appAlerts(a, t))] };
}

// --- fleet: HostDown, apart from the meta group so its timing can move (render/fleet.ts) -------

function fleetGroup(m: MonitoringConfig, t: AlertThresholds): RuleGroup {
    // On the fast path (its node jobs scraped on the paging clock), with its own shorter `for`.
    const alert = hostDownAlert(m.paging);
    const appJobs = fleetAppJobs(m);
    // The fleet's apps are scraped without a metrics mapping (no request rules), but a bot that
    // exports a heartbeat gauge is watched for a stuck loop like an app of the monitoring host.
    const heartbeat: AlertRule[] = appJobs.length === 0 ? [] : [{
        alert: "AppHeartbeatStale", for: "1m", severity: "critical", threshold: `heartbeat older than ${t.heartbeatMaxAgeSeconds}s for 1m`,
        expr: `${heartbeatAge(re("job", appJobs.join("|")))} > ${t.heartbeatMaxAgeSeconds}`,
        summary: "{{ $labels.instance }} stopped sending heartbeats",
        description: `The last {{ $labels.metric }} of {{ $labels.instance }} (job {{ $labels.job }}, host {{ $labels.host }}) is {{ $value | humanizeDuration }} old (threshold ${t.heartbeatMaxAgeSeconds}s); the process is up but its loop is stuck.`,
    }];
    return { name: hostDownRule.group, rules: [{ ...alert, ...fastPath(m, fleetNodeJobs), for: alert.for, severity: "critical" }, ...heartbeat] };
}

// --- output -----------------------------------------------------------------------------------

/**
 * The rule group of each service spec (model/services.ts) that has alerts: rendered while the
 * service runs at least one container. Prometheus' group watches the whole stack.
 */
const serviceRuleGroups: { readonly [K in SpecKey]?: (m: MonitoringConfig, t: AlertThresholds) => RuleGroup } = {
    prometheus: (m) => metaGroup(m),
    nodeExporter: (_m, t) => hostGroup(t),
    // The host rules also cover the fleet: rendered for it even when this machine runs no node-exporter (below).
    redisExporter: (m, t) => redisGroup(m, t),
    blackboxExporter: (m, t) => probesGroup(m, t),
};

export function ruleGroups(m: MonitoringConfig, t: AlertThresholds = m.alertThresholds): RuleGroup[] {
    const fleet = fleetWatched(m);
    const services = allServiceSpecs.flatMap((spec) => {
        const group = serviceRuleGroups[spec.key];
        // The host and Redis rules also watch the fleet's exporters, with or without local ones.
        const watched = spec.instances(m).length > 0 || (fleet && spec.key === "nodeExporter") || (spec.key === "redisExporter" && fleetRedisJobs(m).length > 0);
        return group && watched ? [group(m, t)] : [];
    });
    const remoteWrite = remoteWriteGroup(m, t);
    // The backup job's metrics reach Prometheus through node-exporter's textfile collector.
    const backup = m.backup !== undefined && m.nodeExporter.enabled ? [backupRuleGroup(t)] : [];
    return [...services, ...backup, ...(m.apps.length > 0 ? [appsGroup(m, t)] : []), ...(remoteWrite ? [remoteWrite] : []), ...(fleet ? [fleetGroup(m, t)] : [])];
}

/** Annotation holding the runbook's first step when there is no runbook address to link to. */
export const runbookStepAnnotation = "runbook";

/** A link to the alert's runbook section when its address is known; else its first step, never a dead link. */
export function runbookAnnotation(alertname: string, runbookBaseUrl: string | undefined): Record<string, string> {
    return runbookBaseUrl === undefined
        ? { [runbookStepAnnotation]: runbookFirstStep(alertname) }
        : { runbook_url: runbookUrl(runbookBaseUrl, alertname) };
}

function toYaml(rule: AlertRule | RecordingRule, m: MonitoringConfig): Record<string, unknown> {
    if (!isAlert(rule)) return { record: rule.record, expr: rule.expr, ...(rule.labels ? { labels: rule.labels } : {}) };
    return {
        alert: rule.alert,
        expr: rule.expr,
        ...(rule.for ? { for: rule.for } : {}),
        ...(rule.pages ? { keep_firing_for: m.paging.keepFiringFor } : {}),
        labels: { severity: rule.severity, ...rule.labels },
        annotations: { summary: rule.summary, description: rule.description, ...runbookAnnotation(rule.alert, m.runbookBaseUrl) },
    };
}

/** Suffix of the group that holds a group's fast-path alerts, in the same file. */
export const pagingGroupSuffix = "-paging";

/** A group as Prometheus reads it: its fast-path alerts first, in a sibling group with the short interval. */
function groupsYaml(g: RuleGroup, m: MonitoringConfig): Record<string, unknown>[] {
    const paged = g.rules.filter((r) => isAlert(r) && r.pages !== undefined);
    const rest = g.rules.filter((r) => !paged.includes(r));
    return [
        ...(paged.length > 0 ? [{ name: `${g.name}${pagingGroupSuffix}`, interval: m.paging.evaluationInterval, rules: paged.map((r) => toYaml(r, m)) }] : []),
        ...(rest.length > 0 ? [{ name: g.name, rules: rest.map((r) => toYaml(r, m)) }] : []),
    ];
}

/** Every scrape job a fast-path alert reads: Prometheus scrapes them every criticalScrapeInterval. */
export function pagedJobs(m: MonitoringConfig): Set<string> {
    return new Set(ruleGroups(m).flatMap((g) => g.rules.flatMap((r) => (isAlert(r) ? r.pages?.jobs ?? [] : []))));
}

export function renderRules(m: MonitoringConfig, t: AlertThresholds = m.alertThresholds): RenderedFile[] {
    return ruleGroups(m, t).map((g) => ({
        path: `${rulesDir}/${g.name}.yml`,
        content: renderedHeader + yamlText({ groups: groupsYaml(g, m) }),
        secret: false,
        owner: containerUids.prometheus,
    }));
}
