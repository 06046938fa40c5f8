// Metric names the dashboards (dashboards/src) and the rules (render/rules.ts) may use, per
// exporter, for the versions this stack deploys: each exporter's from its spec (model/services.ts),
// plus Prometheus' synthetic series and what the app rules expect. A dashboard or
// rule that queries a name not listed here fails test/render/dashboards.test.ts: either the name is
// misspelt, or it was renamed in a new exporter version, or it must be added here on purpose.
import { appMetricDefaults } from "../model/alerts";
import { appRecordingRules } from "../render/mixin";
import { allServiceSpecs } from "../model/services";
import { backupMetrics } from "../model/dataSafety";

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
    // What each service exports is a fact of its spec (model/services.ts).
    ...Object.fromEntries(allServiceSpecs.map((s) => [s.key, s.exportedMetrics])),
    synthetic: prometheusSyntheticMetrics,
    apps: [...appMetrics, ...recordingRuleMetrics],
    // The backup job's own, through node-exporter's textfile collector (render/backup.ts).
    backup: Object.values(backupMetrics),
} as const;

/** Every metric name a dashboard or rule may select. */
export const knownMetricNames: ReadonlySet<string> = new Set<string>(Object.values(monitoringMetrics).flat());
