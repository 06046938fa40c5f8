// Heartbeats: age of every `*_heartbeat_seconds` / `*_heartbeat_timestamp_seconds` gauge (unix time
// of a bot's last loop), the same series AppHeartbeatStale watches.
import { buildDashboard, labelVariable, table, timeseries } from "./common";

const heartbeat = `{job=~"$job",__name__=~".+_heartbeat_(timestamp_)?seconds"}`;
const age = `time() - label_replace(${heartbeat}, "metric", "$1", "__name__", "(.+)")`;
const steps = [[null, "green"], [30, "orange"], [60, "red"]] as const;

export const heartbeats = buildDashboard({
    folder: "Applications",
    name: "heartbeats",
    uid: "applications-heartbeats",
    title: "Heartbeats",
    tags: ["applications", "heartbeats"],
    description: "Seconds since each bot's last heartbeat; AppHeartbeatStale fires above 60 s.",
    variables: [labelVariable("job", "Job", `label_values({__name__=~".+_heartbeat_(timestamp_)?seconds"}, job)`)],
    panels: [
        table("Heartbeat age", [{ expr: age }], { unit: "s", thresholds: steps, width: 24 }),
        timeseries("Heartbeat age", [{ expr: age, legend: "{{job}} {{instance}} {{metric}}" }], { unit: "s", min: 0, thresholds: steps, width: 24 }),
    ],
});
