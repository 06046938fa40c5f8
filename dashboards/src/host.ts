// Host: node-exporter metrics of one or more hosts (the monitoring host and every fleet host), chosen by `host`.
import type { AlertThresholds } from "../../model/alerts";
import { diskFilesystems, jobMatchers, recentBootSeconds } from "../../render/mixin";
import { matchers, nre, re, selector } from "../../render/promql";
import { hostLabelName } from "../../render/fleetScrape";
import { buildDashboard, type BuiltDashboard, earlyWarningPoints, labelVariable, orangeRedFrom, redFrom, stat, timeseries } from "./common";

const host = re(hostLabelName, `$${hostLabelName}`);
const sel = matchers([jobMatchers.node, host]);
const fs = matchers([jobMatchers.node, host, diskFilesystems]);
const nic = matchers([jobMatchers.node, host, nre("device", "lo|veth.*|docker.*|br-.*")]);
const rate = (metric: string, s: string = sel) => `rate(${metric}{${s}}[$__rate_interval])`;

export const hostDashboard = (t: AlertThresholds): BuiltDashboard => buildDashboard({
    folder: "Hosts",
    name: "host",
    uid: "hosts-node",
    title: "Host",
    tags: ["host", "node-exporter"],
    description: "CPU, load, memory, disks and network of the hosts scraped by node-exporter: this one and the fleet's, by host.",
    variables: [labelVariable(hostLabelName, "Host", `label_values(${selector("up", jobMatchers.node)}, ${hostLabelName})`)],
    panels: [
        stat("Uptime", [{ expr: `time() - node_boot_time_seconds{${sel}}`, legend: "{{host}}" }], {
            unit: "s", thresholds: [[null, "orange"], [recentBootSeconds, "green"]],
        }),
        stat("CPU cores", [{ expr: `count by (host) (node_cpu_seconds_total{${sel},mode="idle"})`, legend: "{{host}}" }], { unit: "short" }),
        stat("Memory total", [{ expr: `node_memory_MemTotal_bytes{${sel}}`, legend: "{{host}}" }], { unit: "bytes" }),
        stat("Memory used", [{ expr: `(1 - node_memory_MemAvailable_bytes{${sel}} / node_memory_MemTotal_bytes{${sel}}) * 100`, legend: "{{host}}" }], {
            unit: "percent", min: 0, max: 100, thresholds: orangeRedFrom(t.memoryUsedPercent - earlyWarningPoints, t.memoryUsedPercent),
        }),
        timeseries("CPU used", [
            { expr: `100 - avg by (host) (${rate("node_cpu_seconds_total", `${sel},mode="idle"`)}) * 100`, legend: "{{host}}" },
        ], { unit: "percent", min: 0, max: 100, thresholds: redFrom(t.cpuUsedPercent) }),
        timeseries("CPU by mode", [
            { expr: `avg by (host, mode) (${rate("node_cpu_seconds_total", `${sel},mode!="idle"`)}) * 100`, legend: "{{host}} {{mode}}" },
        ], { unit: "percent", min: 0, stacked: true }),
        timeseries("Load average per core", [
            { expr: `node_load1{${sel}} / on (host) count by (host) (node_cpu_seconds_total{${sel},mode="idle"})`, legend: "{{host}} load1" },
            { expr: `node_load5{${sel}} / on (host) count by (host) (node_cpu_seconds_total{${sel},mode="idle"})`, legend: "{{host}} load5" },
            { expr: `node_load15{${sel}} / on (host) count by (host) (node_cpu_seconds_total{${sel},mode="idle"})`, legend: "{{host}} load15" },
        ], { unit: "short", min: 0, thresholds: redFrom(t.loadPerCore) }),
        timeseries("Memory", [
            { expr: `node_memory_MemTotal_bytes{${sel}} - node_memory_MemAvailable_bytes{${sel}}`, legend: "{{host}} used" },
            { expr: `node_memory_MemAvailable_bytes{${sel}}`, legend: "{{host}} available" },
            { expr: `node_memory_Buffers_bytes{${sel}} + node_memory_Cached_bytes{${sel}}`, legend: "{{host}} buffers + cache" },
            { expr: `node_memory_SwapTotal_bytes{${sel}} - node_memory_SwapFree_bytes{${sel}}`, legend: "{{host}} swap used" },
        ], { unit: "bytes", min: 0 }),
        timeseries("Disk space used per mountpoint", [
            { expr: `100 - node_filesystem_avail_bytes{${fs}} / node_filesystem_size_bytes{${fs}} * 100`, legend: "{{host}} {{mountpoint}}" },
        ], { unit: "percent", min: 0, max: 100, thresholds: orangeRedFrom(100 - t.diskFreeWarningPercent, 100 - t.diskFreeCriticalPercent) }),
        timeseries("Disk space free per mountpoint", [
            { expr: `node_filesystem_avail_bytes{${fs}}`, legend: "{{host}} {{mountpoint}}" },
        ], { unit: "bytes", min: 0 }),
        timeseries("Disk throughput", [
            { expr: rate("node_disk_read_bytes_total"), legend: "{{host}} {{device}} read" },
            { expr: `-${rate("node_disk_written_bytes_total")}`, legend: "{{host}} {{device}} written" },
        ], { unit: "Bps", description: "Reads above zero, writes below." }),
        timeseries("Disk busy", [
            { expr: rate("node_disk_io_time_seconds_total"), legend: "{{host}} {{device}}" },
        ], { unit: "percentunit", min: 0, max: 1, thresholds: [[null, "green"], [0.9, "red"]] }),
        timeseries("Network traffic", [
            { expr: rate("node_network_receive_bytes_total", nic), legend: "{{host}} {{device}} received" },
            { expr: `-${rate("node_network_transmit_bytes_total", nic)}`, legend: "{{host}} {{device}} sent" },
        ], { unit: "Bps", description: "Received above zero, sent below." }),
        timeseries("Network errors and drops", [
            { expr: rate("node_network_receive_errs_total", nic), legend: "{{host}} {{device}} receive errors" },
            { expr: rate("node_network_transmit_errs_total", nic), legend: "{{host}} {{device}} transmit errors" },
            { expr: rate("node_network_receive_drop_total", nic), legend: "{{host}} {{device}} receive drops" },
            { expr: rate("node_network_transmit_drop_total", nic), legend: "{{host}} {{device}} transmit drops" },
        ], { unit: "pps", min: 0 }),
    ],
});
