// Applications: RED (rate, errors, duration) per app job from the recording rules in rules.ts.
import { buildDashboard, labelVariable, stat, timeseries, upDownMappings } from "./common";

const sel = `job=~"$job"`;

export const applications = buildDashboard({
    folder: "Applications",
    name: "applications",
    uid: "applications-red",
    title: "Applications",
    tags: ["applications", "red"],
    description: "Request rate, error ratio and p95/p99 latency per app job (recording rules job:http_*).",
    variables: [labelVariable("job", "Job", "label_values(job:http_requests:rate5m, job)")],
    panels: [
        stat("Targets up", [{ expr: `up{${sel}}`, legend: "{{job}} {{instance}}" }], { mappings: upDownMappings, thresholds: [[null, "red"], [1, "green"]], width: 6 }),
        stat("Request rate", [{ expr: `job:http_requests:rate5m{${sel}}`, legend: "{{job}}" }], { unit: "reqps", width: 6 }),
        stat("Error ratio", [{ expr: `job:http_requests_errors:ratio_rate5m{${sel}} * 100`, legend: "{{job}}" }], {
            unit: "percent", thresholds: [[null, "green"], [1, "orange"], [5, "red"]], width: 6,
        }),
        stat("Latency p95", [{ expr: `job:http_request_duration_seconds:p95_rate5m{${sel}}`, legend: "{{job}}" }], {
            unit: "s", thresholds: [[null, "green"], [2, "orange"], [5, "red"]], width: 6,
        }),
        timeseries("Request rate", [{ expr: `job:http_requests:rate5m{${sel}}`, legend: "{{job}}" }], { unit: "reqps", min: 0 }),
        timeseries("Requests by status", [
            { expr: `sum by (job, status) (rate(http_requests_total{${sel}}[$__rate_interval]))`, legend: "{{job}} {{status}}" },
        ], { unit: "reqps", min: 0, stacked: true }),
        timeseries("Error ratio (5xx)", [{ expr: `job:http_requests_errors:ratio_rate5m{${sel}} * 100`, legend: "{{job}}" }], {
            unit: "percent", min: 0, thresholds: [[null, "green"], [5, "red"]],
        }),
        timeseries("Latency p95 and p99", [
            { expr: `job:http_request_duration_seconds:p95_rate5m{${sel}}`, legend: "{{job}} p95" },
            { expr: `job:http_request_duration_seconds:p99_rate5m{${sel}}`, legend: "{{job}} p99" },
        ], { unit: "s", min: 0, thresholds: [[null, "green"], [2, "orange"], [5, "red"]] }),
    ],
});
