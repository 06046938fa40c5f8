// Heartbeats: age of every `*_heartbeat_seconds` / `*_heartbeat_timestamp_seconds` gauge (unix time
// of a bot's last loop), the same series AppHeartbeatStale watches.
import type { AlertThresholds } from "../../model/alerts";
import { heartbeatAge, heartbeatGauges } from "../../render/mixin";
import { re, selector } from "../../render/promql";
import { buildDashboard, type BuiltDashboard, labelVariable, orangeRedFrom, table, timeseries } from "./common";

const age = heartbeatAge(re("job", "$job"));

export const heartbeats = (t: AlertThresholds): BuiltDashboard => {
    // Orange from half of AppHeartbeatStale's limit, red where it fires.
    const steps = orangeRedFrom(t.heartbeatMaxAgeSeconds / 2, t.heartbeatMaxAgeSeconds);
    return buildDashboard({
        folder: "Applications",
        name: "heartbeats",
        uid: "applications-heartbeats",
        title: "Heartbeats",
        tags: ["applications", "heartbeats"],
        description: `Seconds since each bot's last heartbeat; AppHeartbeatStale fires above ${t.heartbeatMaxAgeSeconds} s.`,
        variables: [labelVariable("job", "Job", `label_values(${selector("", heartbeatGauges)}, job)`)],
        panels: [
            table("Heartbeat age", [{ expr: age }], { unit: "s", thresholds: steps, width: 24 }),
            timeseries("Heartbeat age", [{ expr: age, legend: "{{job}} {{instance}} {{metric}}" }], { unit: "s", min: 0, thresholds: steps, width: 24 }),
        ],
    });
};
