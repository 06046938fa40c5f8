// Fleet: one row per host (the monitoring host and every fleet host, render/fleet.ts), repeated by
// the `host` variable: is its agent up, CPU, memory, the fullest disk and the clock offset, each
// coloured where its alert fires. The Host dashboard has the detail of one host.
import type { AlertThresholds } from "../../model/alerts";
import { hostLabelName } from "../../render/fleetScrape";
import { diskFilesystems, jobMatchers } from "../../render/mixin";
import { eq, matchers, re, selector } from "../../render/promql";
import { buildDashboard, type BuiltDashboard, earlyWarningPoints, labelVariable, orangeRedFrom, redFrom, stat, upDownMappings } from "./common";

const host = re(hostLabelName, `$${hostLabelName}`);
const sel = matchers([jobMatchers.node, host]);
const fs = matchers([jobMatchers.node, host, diskFilesystems]);
const legend = `{{${hostLabelName}}}`;

export const fleet = (t: AlertThresholds): BuiltDashboard => buildDashboard({
    folder: "Hosts",
    name: "fleet",
    uid: "hosts-fleet",
    title: "Fleet",
    tags: ["host", "fleet", "node-exporter"],
    description: "One row per host: node-exporter reachable (HostDown), CPU, memory, fullest disk and clock offset.",
    variables: [labelVariable(hostLabelName, "Host", `label_values(${selector("up", jobMatchers.node)}, ${hostLabelName})`)],
    panels: [],
    rows: [{
        title: `$${hostLabelName}`,
        repeat: hostLabelName,
        panels: [
            stat("Agent", [{ expr: `max by (${hostLabelName}) (up{${sel}})`, legend }], {
                mappings: upDownMappings, thresholds: [[null, "red"], [1, "green"]], width: 4,
                description: "node-exporter scraped (up) or not: HostDown fires for a fleet host after it stays down.",
            }),
            stat("CPU used", [{ expr: `100 - avg by (${hostLabelName}) (rate(node_cpu_seconds_total{${matchers([jobMatchers.node, host, eq("mode", "idle")])}}[$__rate_interval])) * 100`, legend }], {
                unit: "percent", min: 0, max: 100, thresholds: redFrom(t.cpuUsedPercent), width: 5,
            }),
            stat("Memory used", [{ expr: `(1 - node_memory_MemAvailable_bytes{${sel}} / node_memory_MemTotal_bytes{${sel}}) * 100`, legend }], {
                unit: "percent", min: 0, max: 100, thresholds: orangeRedFrom(t.memoryUsedPercent - earlyWarningPoints, t.memoryUsedPercent), width: 5,
            }),
            stat("Fullest disk", [{ expr: `max by (${hostLabelName}) (100 - node_filesystem_avail_bytes{${fs}} / node_filesystem_size_bytes{${fs}} * 100)`, legend }], {
                unit: "percent", min: 0, max: 100, thresholds: orangeRedFrom(100 - t.diskFreeWarningPercent, 100 - t.diskFreeCriticalPercent), width: 5,
            }),
            stat("Clock offset", [{ expr: `max by (${hostLabelName}) (abs(node_timex_offset_seconds{${sel}}))`, legend }], {
                unit: "s", thresholds: redFrom(t.clockSkewSeconds), width: 5,
            }),
        ],
    }],
});
