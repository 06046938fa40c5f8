// Applications: RED (rate, errors, duration) per app job from the recording rules in rules.ts.
import { appMetricDefaults, type AlertThresholds } from "../../model/alerts";
import { appRecordingRules } from "../../render/mixin";
import { matchers, re, selector } from "../../render/promql";
import { buildDashboard, type BuiltDashboard, labelVariable, orangeRedFrom, redFrom, stat, timeseries, upDownMappings } from "./common";

const ofJob = re("job", "$job");
const sel = matchers([ofJob]);
const recorded = (name: string) => selector(name, ofJob);
const requestRate = recorded(appRecordingRules.requestRate);
const errorPercent = `${recorded(appRecordingRules.errorRatio)} * 100`;
const latencyP95 = recorded(appRecordingRules.latencyP95);
const latencyP99 = recorded(appRecordingRules.latencyP99);
const { requests, statusLabel } = appMetricDefaults;

export const applications = (t: AlertThresholds): BuiltDashboard => buildDashboard({
    folder: "Applications",
    name: "applications",
    uid: "applications-red",
    title: "Applications",
    tags: ["applications", "red"],
    description: "Request rate, error ratio and p95/p99 latency per app job (recording rules job:http_*).",
    variables: [labelVariable("job", "Job", `label_values(${appRecordingRules.requestRate}, job)`)],
    panels: [
        stat("Targets up", [{ expr: selector("up", ofJob), legend: "{{job}} {{instance}}" }], { mappings: upDownMappings, thresholds: [[null, "red"], [1, "green"]], width: 6 }),
        stat("Request rate", [{ expr: requestRate, legend: "{{job}}" }], { unit: "reqps", width: 6 }),
        stat("Error ratio", [{ expr: errorPercent, legend: "{{job}}" }], {
            // Orange from a fifth of AppErrorRateHigh's limit: errors worth a look before it fires.
            unit: "percent", thresholds: orangeRedFrom(t.appErrorRatePercent / 5, t.appErrorRatePercent), width: 6,
        }),
        stat("Latency p95", [{ expr: latencyP95, legend: "{{job}}" }], {
            unit: "s", thresholds: orangeRedFrom(t.appLatencyP95WarningSeconds, t.appLatencyP95CriticalSeconds), width: 6,
        }),
        timeseries("Request rate", [{ expr: requestRate, legend: "{{job}}" }], { unit: "reqps", min: 0 }),
        timeseries("Requests by status", [
            { expr: `sum by (job, ${statusLabel}) (rate(${requests}{${sel}}[$__rate_interval]))`, legend: `{{job}} {{${statusLabel}}}` },
        ], { unit: "reqps", min: 0, stacked: true }),
        timeseries("Error ratio (5xx)", [{ expr: errorPercent, legend: "{{job}}" }], {
            unit: "percent", min: 0, thresholds: redFrom(t.appErrorRatePercent),
        }),
        timeseries("Latency p95 and p99", [
            { expr: latencyP95, legend: "{{job}} p95" },
            { expr: latencyP99, legend: "{{job}} p99" },
        ], { unit: "s", min: 0, thresholds: orangeRedFrom(t.appLatencyP95WarningSeconds, t.appLatencyP95CriticalSeconds) }),
    ],
});
