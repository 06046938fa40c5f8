// The tunable alert thresholds: one table with name, default (the seeds' values), unit and
// meaning; config/thresholds.ts reads the optional structured config key `alertThresholds` over it.
// Everything else about the rules (expressions, `for` durations, severities) is fixed in
// render/rules.ts so that the promtool tests in rules/tests cover what is deployed.

export interface ThresholdSpec {
    readonly default: number;
    readonly unit: string;
    readonly min: number;
    readonly max: number;
    readonly description: string;
}

export const thresholdSpecs = {
    diskFreeWarningPercent: { default: 10, unit: "%", min: 1, max: 99, description: "HostDiskAlmostFull warns when a filesystem has less free space than this" },
    diskFreeCriticalPercent: { default: 5, unit: "%", min: 0.1, max: 99, description: "HostDiskAlmostFull turns critical below this free space" },
    diskFillingUpHours: { default: 24, unit: "h", min: 1, max: 720, description: "HostDiskFillingUp fires when the 6h trend fills the filesystem within this many hours" },
    inodesFreePercent: { default: 10, unit: "%", min: 1, max: 99, description: "HostInodesAlmostFull fires below this share of free inodes" },
    memoryUsedPercent: { default: 90, unit: "%", min: 1, max: 100, description: "HostMemoryHigh fires above this memory use for 5m" },
    cpuUsedPercent: { default: 90, unit: "%", min: 1, max: 100, description: "HostCpuHigh fires above this CPU use for 15m" },
    loadPerCore: { default: 2, unit: "per core", min: 0.1, max: 100, description: "HostLoadHigh fires when the 15m load average per CPU core stays above this" },
    clockSkewSeconds: { default: 0.05, unit: "s", min: 0.001, max: 60, description: "HostClockSkew fires when the clock is off by more than this" },
    networkErrorPercent: { default: 1, unit: "%", min: 0.01, max: 100, description: "HostNetworkErrors fires above this share of packets with errors" },
    redisMemoryUsedPercent: { default: 90, unit: "%", min: 1, max: 100, description: "RedisMemoryNearMax fires above this share of maxmemory" },
    redisClientsPercent: { default: 90, unit: "%", min: 1, max: 100, description: "RedisTooManyClients fires above this share of maxclients" },
    redisReplicationLagSeconds: { default: 30, unit: "s", min: 1, max: 86400, description: "RedisReplicationLag fires when a replica lags more than this" },
    appErrorRatePercent: { default: 5, unit: "%", min: 0.01, max: 100, description: "AppErrorRateHigh fires above this share of 5xx responses for 5m" },
    appLatencyP95WarningSeconds: { default: 2, unit: "s", min: 0.001, max: 3600, description: "AppLatencyHigh warns when p95 latency stays above this for 5m" },
    appLatencyP95CriticalSeconds: { default: 5, unit: "s", min: 0.001, max: 3600, description: "AppLatencyHigh turns critical when p95 latency stays above this for 5m" },
    appLatencyP99CriticalSeconds: { default: 10, unit: "s", min: 0.001, max: 3600, description: "AppLatencyP99High fires when p99 latency stays above this for 5m" },
    remoteWriteBehindSeconds: { default: 120, unit: "s", min: 1, max: 7200, description: "RemoteWriteBehind fires when a remote_write queue's newest sent sample is older than the newest sample by more than this for 5m" },
    probeSlowSeconds: { default: 1, unit: "s", min: 0.01, max: 60, description: "ProbeSlow fires when a probe takes longer than this on average over 5m (for 5m)" },
    tlsCertExpiryWarningDays: { default: 14, unit: "days", min: 1, max: 365, description: "TlsCertificateExpiringSoon warns when a probed certificate expires within this many days" },
    tlsCertExpiryCriticalDays: { default: 3, unit: "days", min: 0.1, max: 365, description: "TlsCertificateExpiringSoon turns critical when a probed certificate expires within this many days" },
    backupMaxAgeHours: { default: 26, unit: "h", min: 1, max: 2160, description: "BackupStale fires when the last successful backup is older than this (must exceed backupIntervalHours)" },
    heartbeatMaxAgeSeconds: { default: 60, unit: "s", min: 1, max: 86400, description: "AppHeartbeatStale fires when a *_heartbeat_seconds timestamp is older than this" },
} as const satisfies Record<string, ThresholdSpec>;

export type ThresholdName = keyof typeof thresholdSpecs;
export type AlertThresholds = Readonly<Record<ThresholdName, number>>;

export const thresholdNames = Object.keys(thresholdSpecs) as ThresholdName[];

export const defaultThresholds: AlertThresholds = Object.fromEntries(
    thresholdNames.map((n) => [n, thresholdSpecs[n].default]),
) as Record<ThresholdName, number>;

/** The runbooks, one section per alert, in this repository. */
export const runbookFile = "docs/runbooks.md";

/** A section's anchor: the lowercased alert name (GitHub's and GitLab's heading anchors). */
export function runbookAnchor(alertname: string): string {
    return alertname.toLowerCase();
}

/** The web address of an alert's runbook section, below `base` (the page of docs/runbooks.md). */
export function runbookUrl(base: string, alertname: string): string {
    return `${base}#${runbookAnchor(alertname)}`;
}

/**
 * What an alert carries instead of a link when the runbooks' web address is unknown: the first
 * step of its runbook, and where the rest is, so nobody follows a link that leads nowhere.
 */
export function runbookFirstStep(alertname: string): string {
    const step = alertActions[alertname];
    const where = `${runbookFile}#${runbookAnchor(alertname)} in the monitoring repository`;
    return step === undefined ? `See ${where}` : `${step}. More in ${where}`;
}

/**
 * Metric conventions for app jobs (AppTarget has no per-app metric names yet): the Prometheus
 * client libraries' defaults, with the HTTP status in label `status`.
 */
export const appMetricDefaults = {
    requests: "http_requests_total",
    duration: "http_request_duration_seconds",
    statusLabel: "status",
    errorStatusRegex: "5..",
    /** Gauges holding the unix time of the last heartbeat, e.g. quantshift_equity_heartbeat_seconds (seed 004). */
    heartbeatNameRegex: ".+_heartbeat_(timestamp_)?seconds",
} as const;

/** One line per alert for the README table: what to do first when it fires. */
export const alertActions: Readonly<Record<string, string>> = {
    Watchdog: "Nothing: it always fires. If the dead man's switch stops hearing it, the alert pipeline is broken",
    TargetDown: "Check the container or process behind the target and the network path from Prometheus",
    PrometheusConfigReloadFailed: "Run promtool check config on the host and fix or revert the last change",
    PrometheusRuleEvaluationFailures: "Read the Prometheus log for the failing rule and fix its expression",
    PrometheusNotificationsFailing: "Check that Alertmanager is up and reachable from Prometheus",
    PrometheusNotificationQueueFull: "Check Alertmanager's health and latency; look for an alert storm",
    PrometheusTSDBCompactionsFailing: "Check disk space and the Prometheus log for block errors",
    PrometheusTSDBWALCorruptions: "Check disk health; restart Prometheus so it repairs the WAL",
    AlertmanagerConfigReloadFailed: "Run amtool check-config on the host and fix or revert the last change",
    AlertmanagerFailedToSendNotifications: "Check the receiver's credentials and reachability in the Alertmanager log",
    HostDown: "Reach the machine (ping, SSH, the provider's console); its other alerts wait until it is back",
    NotificationsFailing: "Run npm run drill -- <stack> to see which receiver fails and why; fix its credentials or address",
    HostDiskAlmostFull: "Free space: docker system prune, logs, old backups; or grow the volume",
    HostDiskFillingUp: "Find what grows (du -xh --max-depth=2 /) before the disk is full",
    HostInodesAlmostFull: "Find directories with many small files and clean them up",
    HostMemoryHigh: "Find the largest containers (docker stats) and lower limits or upgrade the server",
    HostCpuHigh: "Find the busy process (top, docker stats) and throttle or scale it",
    HostLoadHigh: "Check for CPU or I/O saturation (top, vmstat 1)",
    HostOomKills: "Find the killed process (journalctl -k | grep -i oom) and raise its memory limit",
    HostClockSkew: "Check time synchronisation (timedatectl, chronyc tracking)",
    HostClockNotSynchronising: "Start or fix the NTP service (systemctl status systemd-timesyncd)",
    HostRebooted: "Confirm the reboot was planned (unattended upgrades) and that every service came back",
    HostNetworkErrors: "Check the interface (ip -s link) and the provider's status page",
    RedisDown: "Check the Redis server and the exporter's connection to it",
    RedisMemoryNearMax: "Check eviction policy and key growth; raise maxmemory or clean up keys",
    RedisRejectedConnections: "Raise maxclients or find the client leaking connections",
    RedisTooManyClients: "Find the client holding connections (CLIENT LIST) before connections are rejected",
    RedisRdbSaveFailed: "Check disk space and permissions of the Redis data dir; writes may be refused",
    RedisAofWriteFailed: "Check disk space and permissions of the AOF file; writes may be refused",
    RedisReplicationBroken: "Check the replica's link to its master (INFO replication) and the network",
    RedisReplicaLost: "Check the replica that disconnected from this master",
    RedisReplicationLag: "Check network and load between master and replica",
    AppErrorRateHigh: "Read the app's logs for the failing requests; roll back a bad deploy",
    AppLatencyHigh: "Check the app's dependencies (database, Redis, external APIs) and its load",
    AppLatencyP99High: "Find the slow endpoints and the dependency they wait on",
    AppHeartbeatStale: "The process is up but its main loop is stuck: check its logs and restart it",
    RemoteWriteBehind: "Check the store's health and the network path; Prometheus catches up from its WAL once it answers",
    RemoteWriteSamplesFailing: "Read the Prometheus log for the store's 4xx answer: credentials, rate limits or rejected series",
    ProbeFailed: "Open the probed URL or port yourself; check the service, its reverse proxy, DNS and certificate",
    ProbeSlow: "Compare the phases on the Probes dashboard (DNS, connect, TLS, processing) to find the slow one",
    TlsCertificateExpiringSoon: "Renew the certificate (certbot renew, or your proxy's ACME client) and check why auto-renewal did not",
    TlsCertificateExpired: "Renew and reload the certificate now; clients refuse the connection",
    BackupStale: "Read the job's log (journalctl -u vps-monitoring-backup) and run it by hand (systemctl start vps-monitoring-backup)",
};
