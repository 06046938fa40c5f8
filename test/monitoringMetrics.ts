// Metric names the dashboards (dashboards/src) and the rules (render/rules.ts) may use, per
// exporter, for the versions this stack deploys (catalog of Pulumi.yaml defaults). A dashboard or
// rule that queries a name not listed here fails test/dashboards.test.ts: either the name is
// misspelt, or it was renamed in a new exporter version, or it must be added here on purpose.
import { appMetricDefaults } from "../model/alerts";
import { appRecordingRules } from "../render/mixin";

/** Series Prometheus creates itself for every target and rule (no exporter involved). */
export const prometheusSyntheticMetrics = [
    "up",
    "scrape_duration_seconds",
    "scrape_samples_scraped",
    "scrape_samples_post_metric_relabeling",
    "scrape_series_added",
    "ALERTS",
    "ALERTS_FOR_STATE",
] as const;

/** node-exporter 1.9. */
export const nodeExporterMetrics = [
    "node_boot_time_seconds",
    "node_cpu_seconds_total",
    "node_disk_io_time_seconds_total",
    "node_disk_read_bytes_total",
    "node_disk_written_bytes_total",
    "node_filesystem_avail_bytes",
    "node_filesystem_files",
    "node_filesystem_files_free",
    "node_filesystem_readonly",
    "node_filesystem_size_bytes",
    "node_load1",
    "node_load5",
    "node_load15",
    "node_memory_Buffers_bytes",
    "node_memory_Cached_bytes",
    "node_memory_MemAvailable_bytes",
    "node_memory_MemTotal_bytes",
    "node_memory_SwapFree_bytes",
    "node_memory_SwapTotal_bytes",
    "node_network_receive_bytes_total",
    "node_network_receive_drop_total",
    "node_network_receive_errs_total",
    "node_network_receive_packets_total",
    "node_network_transmit_bytes_total",
    "node_network_transmit_drop_total",
    "node_network_transmit_errs_total",
    "node_network_transmit_packets_total",
    "node_timex_maxerror_seconds",
    "node_timex_offset_seconds",
    "node_timex_sync_status",
    "node_uname_info",
    "node_vmstat_oom_kill",
] as const;

/** oliver006/redis_exporter 1.74. */
export const redisExporterMetrics = [
    "redis_aof_last_bgrewrite_status",
    "redis_aof_last_write_status",
    "redis_blocked_clients",
    "redis_commands_processed_total",
    "redis_config_maxclients",
    "redis_connected_clients",
    "redis_connected_slave_lag_seconds",
    "redis_connected_slaves",
    "redis_db_keys",
    "redis_db_keys_expiring",
    "redis_evicted_keys_total",
    "redis_expired_keys_total",
    "redis_instance_info",
    "redis_keyspace_hits_total",
    "redis_keyspace_misses_total",
    "redis_master_link_up",
    "redis_memory_max_bytes",
    "redis_memory_used_bytes",
    "redis_rdb_last_bgsave_status",
    "redis_rdb_last_save_timestamp_seconds",
    "redis_rejected_connections_total",
    "redis_up",
    "redis_uptime_in_seconds",
] as const;

/** Prometheus 3.5 (its own /metrics, job "prometheus"). */
export const prometheusMetrics = [
    "prometheus_config_last_reload_successful",
    "prometheus_notifications_dropped_total",
    "prometheus_notifications_errors_total",
    "prometheus_notifications_queue_capacity",
    "prometheus_notifications_queue_length",
    "prometheus_notifications_sent_total",
    "prometheus_rule_evaluation_failures_total",
    "prometheus_rule_group_last_duration_seconds",
    "prometheus_tsdb_compactions_failed_total",
    "prometheus_tsdb_head_samples_appended_total",
    "prometheus_tsdb_head_series",
    "prometheus_tsdb_storage_blocks_bytes",
    "prometheus_tsdb_wal_corruptions_total",
    "prometheus_tsdb_wal_storage_size_bytes",
] as const;

/** Alertmanager 0.28 (job "alertmanager"). */
export const alertmanagerMetrics = [
    "alertmanager_alerts",
    "alertmanager_config_last_reload_successful",
    "alertmanager_notifications_failed_total",
    "alertmanager_notifications_total",
] as const;

/** What the app rules expect from every `apps[].job` (model/alerts.ts appMetricDefaults). */
export const appMetrics: readonly string[] = [
    appMetricDefaults.requests,
    `${appMetricDefaults.duration}_bucket`,
    `${appMetricDefaults.duration}_count`,
    `${appMetricDefaults.duration}_sum`,
];

/** Recording rules of render/rules.ts (group apps). */
export const recordingRuleMetrics: readonly string[] = Object.values(appRecordingRules);

/** `__name__` regexes allowed in selectors without a metric name (heartbeat gauges of apps). */
export const metricNamePatterns: readonly string[] = [appMetricDefaults.heartbeatNameRegex];

export const monitoringMetrics = {
    prometheus: [...prometheusSyntheticMetrics, ...prometheusMetrics],
    alertmanager: alertmanagerMetrics,
    node: nodeExporterMetrics,
    redis: redisExporterMetrics,
    apps: [...appMetrics, ...recordingRuleMetrics],
} as const;

/** Every metric name a dashboard or rule may select. */
export const knownMetricNames: ReadonlySet<string> = new Set<string>(Object.values(monitoringMetrics).flat());
