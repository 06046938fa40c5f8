// Host: node-exporter metrics of the VPS (or any host scraped as job "node").
import type { AlertThresholds } from "../../model/alerts";
import { diskFilesystems, jobMatchers, recentBootSeconds } from "../../render/mixin";
import { matchers, nre, re, selector } from "../../render/promql";
import { buildDashboard, type BuiltDashboard, earlyWarningPoints, labelVariable, orangeRedFrom, redFrom, stat, timeseries } from "./common";

const instance = re("instance", "$instance");
const sel = matchers([jobMatchers.node, instance]);
const fs = matchers([jobMatchers.node, instance, diskFilesystems]);
const nic = matchers([jobMatchers.node, instance, nre("device", "lo|veth.*|docker.*|br-.*")]);
const rate = (metric: string, s: string = sel) => `rate(${metric}{${s}}[$__rate_interval])`;

export const host = (t: AlertThresholds): BuiltDashboard => buildDashboard({
    folder: "Hosts",
    name: "host",
    uid: "hosts-node",
    title: "Host",
    tags: ["host", "node-exporter"],
    description: "CPU, load, memory, disks and network of the hosts scraped by node-exporter.",
    variables: [labelVariable("instance", "Instance", `label_values(${selector("up", jobMatchers.node)}, instance)`)],
    panels: [
        stat("Uptime", [{ expr: `time() - node_boot_time_seconds{${sel}}`, legend: "{{instance}}" }], {
            unit: "s", thresholds: [[null, "orange"], [recentBootSeconds, "green"]],
        }),
        stat("CPU cores", [{ expr: `count by (instance) (node_cpu_seconds_total{${sel},mode="idle"})`, legend: "{{instance}}" }], { unit: "short" }),
        stat("Memory total", [{ expr: `node_memory_MemTotal_bytes{${sel}}`, legend: "{{instance}}" }], { unit: "bytes" }),
        stat("Memory used", [{ expr: `(1 - node_memory_MemAvailable_bytes{${sel}} / node_memory_MemTotal_bytes{${sel}}) * 100`, legend: "{{instance}}" }], {
            unit: "percent", min: 0, max: 100, thresholds: orangeRedFrom(t.memoryUsedPercent - earlyWarningPoints, t.memoryUsedPercent),
        }),
        timeseries("CPU used", [
            { expr: `100 - avg by (instance) (${rate("node_cpu_seconds_total", `${sel},mode="idle"`)}) * 100`, legend: "{{instance}}" },
        ], { unit: "percent", min: 0, max: 100, thresholds: redFrom(t.cpuUsedPercent) }),
        timeseries("CPU by mode", [
            { expr: `avg by (instance, mode) (${rate("node_cpu_seconds_total", `${sel},mode!="idle"`)}) * 100`, legend: "{{instance}} {{mode}}" },
        ], { unit: "percent", min: 0, stacked: true }),
        timeseries("Load average per core", [
            { expr: `node_load1{${sel}} / on (instance) count by (instance) (node_cpu_seconds_total{${sel},mode="idle"})`, legend: "{{instance}} load1" },
            { expr: `node_load5{${sel}} / on (instance) count by (instance) (node_cpu_seconds_total{${sel},mode="idle"})`, legend: "{{instance}} load5" },
            { expr: `node_load15{${sel}} / on (instance) count by (instance) (node_cpu_seconds_total{${sel},mode="idle"})`, legend: "{{instance}} load15" },
        ], { unit: "short", min: 0, thresholds: redFrom(t.loadPerCore) }),
        timeseries("Memory", [
            { expr: `node_memory_MemTotal_bytes{${sel}} - node_memory_MemAvailable_bytes{${sel}}`, legend: "{{instance}} used" },
            { expr: `node_memory_MemAvailable_bytes{${sel}}`, legend: "{{instance}} available" },
            { expr: `node_memory_Buffers_bytes{${sel}} + node_memory_Cached_bytes{${sel}}`, legend: "{{instance}} buffers + cache" },
            { expr: `node_memory_SwapTotal_bytes{${sel}} - node_memory_SwapFree_bytes{${sel}}`, legend: "{{instance}} swap used" },
        ], { unit: "bytes", min: 0 }),
        timeseries("Disk space used per mountpoint", [
            { expr: `100 - node_filesystem_avail_bytes{${fs}} / node_filesystem_size_bytes{${fs}} * 100`, legend: "{{instance}} {{mountpoint}}" },
        ], { unit: "percent", min: 0, max: 100, thresholds: orangeRedFrom(100 - t.diskFreeWarningPercent, 100 - t.diskFreeCriticalPercent) }),
        timeseries("Disk space free per mountpoint", [
            { expr: `node_filesystem_avail_bytes{${fs}}`, legend: "{{instance}} {{mountpoint}}" },
        ], { unit: "bytes", min: 0 }),
        timeseries("Disk throughput", [
            { expr: rate("node_disk_read_bytes_total"), legend: "{{instance}} {{device}} read" },
            { expr: `-${rate("node_disk_written_bytes_total")}`, legend: "{{instance}} {{device}} written" },
        ], { unit: "Bps", description: "Reads above zero, writes below." }),
        timeseries("Disk busy", [
            { expr: rate("node_disk_io_time_seconds_total"), legend: "{{instance}} {{device}}" },
        ], { unit: "percentunit", min: 0, max: 1, thresholds: [[null, "green"], [0.9, "red"]] }),
        timeseries("Network traffic", [
            { expr: rate("node_network_receive_bytes_total", nic), legend: "{{instance}} {{device}} received" },
            { expr: `-${rate("node_network_transmit_bytes_total", nic)}`, legend: "{{instance}} {{device}} sent" },
        ], { unit: "Bps", description: "Received above zero, sent below." }),
        timeseries("Network errors and drops", [
            { expr: rate("node_network_receive_errs_total", nic), legend: "{{instance}} {{device}} receive errors" },
            { expr: rate("node_network_transmit_errs_total", nic), legend: "{{instance}} {{device}} transmit errors" },
            { expr: rate("node_network_receive_drop_total", nic), legend: "{{instance}} {{device}} receive drops" },
            { expr: rate("node_network_transmit_drop_total", nic), legend: "{{instance}} {{device}} transmit drops" },
        ], { unit: "pps", min: 0 }),
    ],
});
