// What the alert rules and the dashboards share, defined once (the idea of a monitoring mixin's
// `_config`, e.g. node_exporter's docs/node-mixin/config.libsonnet): the selectors of each job,
// which filesystems are disks, the heartbeat gauges, the recording rules dashboards read and the
// datasource they query. render/rules.ts and dashboards/src build their PromQL from these, and
// both take their thresholds from the stack's `alertThresholds`, so a panel shows the series its
// alert watches and turns red where the alert fires. Pure data and PromQL text.
import { appMetricDefaults } from "../model/alerts";
import { builtinJobs, redisJobPattern } from "../model/catalog";
import { labelReplace, type Matcher, nre, re, eq, selector } from "./promql";
import { fleetNodeJobs } from "./fleetScrape";

/** Grafana datasource uids: provisioned by render/grafana.ts, referenced by every dashboard. */
export const datasourceUids = { prometheus: "prometheus", alertmanager: "alertmanager" } as const;

/** The matcher that selects one built-in job, or every Redis exporter job. */
export const jobMatchers = {
    prometheus: eq("job", builtinJobs.prometheus),
    alertmanager: eq("job", builtinJobs.alertmanager),
    /** This machine's node-exporter and every fleet host's (render/fleet.ts); series tell them apart by `host`. */
    node: re("job", [builtinJobs.node, ...fleetNodeJobs].join("|")),
    redis: re("job", redisJobPattern),
} as const satisfies Readonly<Record<string, Matcher>>;

/** Filesystem types node-exporter reports that are not disks: pseudo, overlay and FUSE filesystems. */
export const pseudoFilesystemTypes = "tmpfs|ramfs|overlay|squashfs|nsfs|fuse.*";

/** Keeps the host's real filesystems (disk alerts and disk panels). */
export const diskFilesystems: Matcher = nre("fstype", pseudoFilesystemTypes);

/** Apps' heartbeat gauges (unix time of the last loop), whatever their prefix. */
export const heartbeatGauges: Matcher = re("__name__", appMetricDefaults.heartbeatNameRegex);

/**
 * Seconds since each heartbeat of the jobs `job` selects, with the gauge's name copied into label
 * `metric` so several heartbeats of one job stay apart: what AppHeartbeatStale compares with its
 * threshold and the Heartbeats dashboard shows.
 */
export function heartbeatAge(job: Matcher): string {
    return `time() - ${labelReplace(selector("", job, heartbeatGauges), "metric", "$1", "__name__", "(.+)")}`;
}

/** Recording rules of the apps group (render/rules.ts), read by the Applications dashboard. */
export const appRecordingRules = {
    requestRate: "job:http_requests:rate5m",
    errorRatio: "job:http_requests_errors:ratio_rate5m",
    latencyP95: "job:http_request_duration_seconds:p95_rate5m",
    latencyP99: "job:http_request_duration_seconds:p99_rate5m",
} as const;

/** HostRebooted fires this long after a boot; the Host dashboard's uptime is orange until then. */
export const recentBootSeconds = 600;

/** The always-firing alert of the dead man's switch; the Overview's count of firing alerts leaves it out. */
export const watchdogAlert = "Watchdog";
