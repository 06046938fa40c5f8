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
                // Deploying the job writes the deploy time as its "last success", so a job that never
                // succeeds (or never runs) turns stale as late as one that stopped succeeding.
                alert: "BackupStale", expr: `time() - ${lastSuccess} > ${maxAgeSeconds}`, for: "10m", severity: "warning",
                threshold: `last successful backup older than ${t.backupMaxAgeHours}h`,
                summary: "The backup of {{ $labels.instance }} is stale",
                description: `The last successful backup of {{ $labels.instance }} finished {{ $value | humanizeDuration }} ago (threshold ${t.backupMaxAgeHours}h); ` +
                    `its last exit code is in ${backupMetrics.exitCode}.`,
            },
        ],
    };
}
