// Overview: is everything scraped, what is firing, how much headroom the host has.
import type { AlertThresholds } from "../../model/alerts";
import { diskFilesystems, jobMatchers, watchdogAlert } from "../../render/mixin";
import { eq, matchers, ne, selector } from "../../render/promql";
import { buildDashboard, type BuiltDashboard, earlyWarningPoints, redOrangeBelow, stat, table, timeseries, upDownMappings } from "./common";

const fs = matchers([jobMatchers.node, diskFilesystems]);
const nodeMetric = (name: string) => selector(name, jobMatchers.node);

export const overview = (t: AlertThresholds): BuiltDashboard => buildDashboard({
    folder: "Monitoring",
    name: "overview",
    uid: "monitoring-overview",
    title: "Overview",
    tags: ["monitoring", "overview"],
    description: "Every scrape target, firing alerts, host headroom and scrape cost per job.",
    panels: [
        stat("Targets up", [{ expr: "count(up == 1) or vector(0)", legend: "up" }], { thresholds: [[null, "green"]] }),
        stat("Targets down", [{ expr: "count(up == 0) or vector(0)", legend: "down" }], { thresholds: [[null, "green"], [1, "red"]] }),
        stat("Firing alerts", [{ expr: `count(${selector("ALERTS", eq("alertstate", "firing"), ne("alertname", watchdogAlert))}) or vector(0)`, legend: "firing" }], {
            thresholds: [[null, "green"], [1, "red"]], description: "Firing alerts except the always-firing Watchdog.",
        }),
        stat("Pending alerts", [{ expr: `count(ALERTS{alertstate="pending"}) or vector(0)`, legend: "pending" }], {
            thresholds: [[null, "green"], [1, "orange"]],
        }),
        table("Target health", [{ expr: "up" }], { mappings: upDownMappings, thresholds: [[null, "red"], [1, "green"]] }),
        table("Firing alerts", [{ expr: `ALERTS{alertstate="firing"}` }], { description: "One row per firing alert with its labels." }),
        stat("Disk free (lowest filesystem)", [{
            expr: `min by (instance) (node_filesystem_avail_bytes{${fs}} / node_filesystem_size_bytes{${fs}}) * 100`, legend: "{{instance}}",
        }], { unit: "percent", min: 0, max: 100, thresholds: redOrangeBelow(t.diskFreeCriticalPercent, t.diskFreeWarningPercent), width: 6 }),
        stat("Memory available", [{
            expr: `${nodeMetric("node_memory_MemAvailable_bytes")} / ${nodeMetric("node_memory_MemTotal_bytes")} * 100`, legend: "{{instance}}",
        }], {
            unit: "percent", min: 0, max: 100, width: 6,
            // Available is what HostMemoryHigh's used share leaves.
            thresholds: redOrangeBelow(100 - t.memoryUsedPercent, 100 - t.memoryUsedPercent + earlyWarningPoints),
        }),
        stat("Disk free (bytes)", [{ expr: `min by (instance) (node_filesystem_avail_bytes{${fs}})`, legend: "{{instance}}" }], { unit: "bytes", width: 6 }),
        stat("Memory available (bytes)", [{ expr: nodeMetric("node_memory_MemAvailable_bytes"), legend: "{{instance}}" }], { unit: "bytes", width: 6 }),
        timeseries("Scrape duration by job", [{ expr: "max by (job) (scrape_duration_seconds)", legend: "{{job}}" }], { unit: "s", min: 0 }),
        timeseries("Samples scraped by job", [{ expr: "sum by (job) (scrape_samples_scraped)", legend: "{{job}}" }], { unit: "short", min: 0 }),
    ],
});
