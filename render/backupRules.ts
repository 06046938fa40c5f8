// The backup job's alert: BackupStale, from the metrics the job writes for node-exporter's
// textfile collector (render/backup.ts). Rendered when the stack has a backup and node-exporter.
import type { AlertThresholds } from "../model/alerts";
import { backupMetrics } from "../model/dataSafety";
import { jobMatchers } from "./mixin";
import { selector } from "./promql";
import type { RuleGroup } from "./rules";

export const backupRuleGroupName = "backup";

export function backupRuleGroup(t: AlertThresholds): RuleGroup {
    const lastSuccess = selector(backupMetrics.lastSuccess, jobMatchers.node);
    const maxAgeSeconds = t.backupMaxAgeHours * 3600;
    return {
        name: backupRuleGroupName,
        rules: [
            {
                // The job writes 0 until its first success, so a job that has only ever failed is stale too.
                alert: "BackupStale", expr: `time() - ${lastSuccess} > ${maxAgeSeconds}`, for: "10m", severity: "warning",
                threshold: `last successful backup older than ${t.backupMaxAgeHours}h`,
                summary: "The backup of {{ $labels.instance }} is stale",
                description: `The last successful backup of {{ $labels.instance }} finished {{ $value | humanizeDuration }} ago (threshold ${t.backupMaxAgeHours}h); ` +
                    `its last exit code is in ${backupMetrics.exitCode}.`,
            },
            {
                // No metric at all: the job never ran, or node-exporter does not read its directory.
                alert: "BackupStale", expr: `absent(${lastSuccess})`, for: `${t.backupMaxAgeHours}h`, severity: "warning",
                threshold: `no backup metrics for ${t.backupMaxAgeHours}h`,
                summary: "No backup has reported for a long time",
                description: `No ${backupMetrics.lastSuccess} for ${t.backupMaxAgeHours}h: the backup timer has not run, or node-exporter's textfile collector does not see its file.`,
            },
        ],
    };
}
