// The `remote-write` rule group: rendered while Prometheus has a remote_write target. Pure.
//
// A store that is down or unreachable makes Prometheus retry forever (connection errors and 5xx),
// so `samples_failed_total` stays 0 during an outage: what shows it is the queue falling behind
// the newest sample Prometheus has (RemoteWriteBehind). Samples the store refuses for good (4xx:
// bad credentials, a rejected series) are dropped and counted as failed (RemoteWriteSamplesFailing).
// `queue_highest_timestamp_seconds` (3.7+) does not exist on 2.42, so the lag is computed from
// the two series both versions export, with max_over_time so a restart's zero does not count.
import type { AlertThresholds } from "../model/alerts";
import type { MonitoringConfig } from "../model/stack";
import { jobMatchers } from "./mixin";
import { rangeSelector } from "./promql";
import { remoteWriteTargets } from "./remoteWrite";
import type { RuleGroup } from "./rules";

export const remoteWriteGroupName = "remote-write";

export function remoteWriteGroup(m: MonitoringConfig, t: AlertThresholds): RuleGroup | undefined {
    if (remoteWriteTargets(m).length === 0) return undefined;
    const ofPrometheus = jobMatchers.prometheus;
    const behind = t.remoteWriteBehindSeconds;
    return {
        name: remoteWriteGroupName,
        rules: [
            {
                alert: "RemoteWriteBehind", for: "5m", severity: "warning", threshold: `> ${behind}s behind for 5m`,
                expr: `max_over_time(${rangeSelector("5m", "prometheus_remote_storage_highest_timestamp_in_seconds", ofPrometheus)})` +
                    ` - ignoring (remote_name, url) group_right () max_over_time(${rangeSelector("5m", "prometheus_remote_storage_queue_highest_sent_timestamp_seconds", ofPrometheus)})` +
                    ` > ${behind}`,
                summary: "Prometheus {{ $labels.instance }} is behind sending to {{ $labels.remote_name }}",
                description: `The newest sample {{ $labels.instance }} sent to {{ $labels.remote_name }} ({{ $labels.url }}) is {{ $value | humanizeDuration }} older than the newest it has (threshold ${behind}s): the store is down, unreachable or too slow. Unsent samples wait in the WAL (about 2 hours); later ones are lost.`,
            },
            {
                alert: "RemoteWriteSamplesFailing", for: "5m", severity: "critical", threshold: "any sample refused for 5m",
                expr: `rate(${rangeSelector("5m", "prometheus_remote_storage_samples_failed_total", ofPrometheus)}) > 0`,
                summary: "{{ $labels.remote_name }} refuses samples from Prometheus {{ $labels.instance }}",
                description: "{{ $value | humanize }} samples per second that {{ $labels.instance }} sent to {{ $labels.remote_name }} ({{ $labels.url }}) are refused and dropped (HTTP 4xx: credentials, limits, or a rejected series); that history is lost.",
            },
        ],
    };
}
