// Monitoring self: Prometheus and Alertmanager watching themselves.
import { jobMatchers } from "../../render/mixin";
import { matchers } from "../../render/promql";
import { buildDashboard, okFailedMappings, stat, timeseries } from "./common";

const prom = matchers([jobMatchers.prometheus]);
const am = matchers([jobMatchers.alertmanager]);
const rate = (metric: string, s: string) => `rate(${metric}{${s}}[$__rate_interval])`;

export const monitoring = buildDashboard({
    folder: "Monitoring",
    name: "monitoring-self",
    uid: "monitoring-self",
    title: "Monitoring self",
    tags: ["monitoring", "prometheus", "alertmanager"],
    description: "Prometheus head series, ingestion, rule evaluation and notifications; Alertmanager notifications per integration.",
    panels: [
        stat("Head series", [{ expr: `prometheus_tsdb_head_series{${prom}}` }], { unit: "short" }),
        stat("Samples ingested", [{ expr: rate("prometheus_tsdb_head_samples_appended_total", prom) }], { unit: "short", description: "Samples per second." }),
        stat("Prometheus config reload", [{ expr: `prometheus_config_last_reload_successful{${prom}}` }], {
            mappings: okFailedMappings, thresholds: [[null, "red"], [1, "green"]],
        }),
        stat("Alertmanager config reload", [{ expr: `alertmanager_config_last_reload_successful{${am}}` }], {
            mappings: okFailedMappings, thresholds: [[null, "red"], [1, "green"]],
        }),
        timeseries("Head series", [{ expr: `prometheus_tsdb_head_series{${prom}}`, legend: "{{instance}}" }], { unit: "short", min: 0 }),
        timeseries("Samples ingested per second", [
            { expr: rate("prometheus_tsdb_head_samples_appended_total", prom), legend: "{{instance}}" },
        ], { unit: "short", min: 0 }),
        timeseries("Rule group evaluation duration", [
            { expr: `prometheus_rule_group_last_duration_seconds{${prom}}`, legend: "{{rule_group}}" },
        ], { unit: "s", min: 0 }),
        timeseries("Rule evaluation failures", [
            { expr: `sum by (rule_group) (${rate("prometheus_rule_evaluation_failures_total", prom)})`, legend: "{{rule_group}}" },
        ], { unit: "ops", min: 0, thresholds: [[null, "green"], [0.001, "red"]] }),
        timeseries("Alerts sent to Alertmanager", [
            { expr: `sum(${rate("prometheus_notifications_sent_total", prom)})`, legend: "sent" },
            { expr: `sum(${rate("prometheus_notifications_errors_total", prom)})`, legend: "errors" },
            { expr: `sum(${rate("prometheus_notifications_dropped_total", prom)})`, legend: "dropped" },
        ], { unit: "ops", min: 0 }),
        timeseries("Notification queue", [
            { expr: `prometheus_notifications_queue_length{${prom}}`, legend: "length" },
            { expr: `prometheus_notifications_queue_capacity{${prom}}`, legend: "capacity" },
        ], { unit: "short", min: 0 }),
        timeseries("Alertmanager notifications by integration", [
            { expr: `sum by (integration) (${rate("alertmanager_notifications_total", am)})`, legend: "{{integration}} sent" },
            { expr: `sum by (integration) (${rate("alertmanager_notifications_failed_total", am)})`, legend: "{{integration}} failed" },
        ], { unit: "ops", min: 0 }),
        timeseries("Alertmanager alerts", [
            { expr: `sum by (state) (alertmanager_alerts{${am}})`, legend: "{{state}}" },
        ], { unit: "short", min: 0 }),
        timeseries("TSDB storage", [
            { expr: `prometheus_tsdb_storage_blocks_bytes{${prom}}`, legend: "blocks" },
            { expr: `prometheus_tsdb_wal_storage_size_bytes{${prom}}`, legend: "WAL" },
        ], { unit: "bytes", min: 0 }),
        timeseries("Compactions and WAL", [
            { expr: `increase(prometheus_tsdb_compactions_failed_total{${prom}}[1h])`, legend: "failed compactions (1h)" },
            { expr: `increase(prometheus_tsdb_wal_corruptions_total{${prom}}[1h])`, legend: "WAL corruptions (1h)" },
        ], { unit: "short", min: 0, thresholds: [[null, "green"], [1, "red"]] }),
    ],
});
