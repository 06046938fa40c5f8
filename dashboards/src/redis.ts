// Redis: one exporter per Redis server (job redis-<name>, label redis=<name>).
import type { AlertThresholds } from "../../model/alerts";
import { jobMatchers } from "../../render/mixin";
import { matchers, re, selector } from "../../render/promql";
import { buildDashboard, type BuiltDashboard, earlyWarningPoints, labelVariable, okFailedMappings, orangeRedFrom, redFrom, stat, table, timeseries, upDownMappings } from "./common";

const sel = matchers([jobMatchers.redis, re("redis", "$redis")]);
const rate = (metric: string) => `rate(${metric}{${sel}}[$__rate_interval])`;

export const redis = (t: AlertThresholds): BuiltDashboard => buildDashboard({
    folder: "Redis",
    name: "redis",
    uid: "redis-overview",
    title: "Redis",
    tags: ["redis"],
    description: "Health, memory, clients, throughput, persistence and replication of each Redis server.",
    variables: [labelVariable("redis", "Redis", `label_values(${selector("redis_up", jobMatchers.redis)}, redis)`)],
    panels: [
        stat("Up", [{ expr: `redis_up{${sel}}`, legend: "{{redis}}" }], { mappings: upDownMappings, thresholds: [[null, "red"], [1, "green"]] }),
        stat("Uptime", [{ expr: `redis_uptime_in_seconds{${sel}}`, legend: "{{redis}}" }], { unit: "s" }),
        stat("Last RDB save status", [{ expr: `redis_rdb_last_bgsave_status{${sel}}`, legend: "{{redis}}" }], {
            mappings: okFailedMappings, thresholds: [[null, "red"], [1, "green"]],
        }),
        stat("Last RDB save age", [{ expr: `time() - redis_rdb_last_save_timestamp_seconds{${sel}}`, legend: "{{redis}}" }], {
            unit: "s", thresholds: [[null, "green"], [86400, "orange"]],
        }),
        table("Replication role", [{ expr: `max by (redis, role, redis_version) (redis_instance_info{${sel}})` }], { width: 8 }),
        stat("Connected replicas", [{ expr: `redis_connected_slaves{${sel}}`, legend: "{{redis}}" }], { unit: "short", width: 8 }),
        stat("Master link", [{ expr: `redis_master_link_up{${sel}}`, legend: "{{redis}}" }], {
            mappings: upDownMappings, thresholds: [[null, "red"], [1, "green"]], width: 8, description: "Only replicas report a master link.", noValue: "not a replica",
        }),
        timeseries("Memory used vs max", [
            { expr: `redis_memory_used_bytes{${sel}}`, legend: "{{redis}} used" },
            { expr: `redis_memory_max_bytes{${sel}} > 0`, legend: "{{redis}} maxmemory" },
        ], { unit: "bytes", min: 0 }),
        timeseries("Memory used of maxmemory", [
            { expr: `redis_memory_used_bytes{${sel}} / (redis_memory_max_bytes{${sel}} > 0) * 100`, legend: "{{redis}}" },
        ], {
            unit: "percent", min: 0, max: 100, noValue: "maxmemory not set",
            thresholds: orangeRedFrom(t.redisMemoryUsedPercent - earlyWarningPoints, t.redisMemoryUsedPercent),
        }),
        timeseries("Clients", [
            { expr: `redis_connected_clients{${sel}}`, legend: "{{redis}} connected" },
            { expr: `redis_blocked_clients{${sel}}`, legend: "{{redis}} blocked" },
            { expr: `redis_config_maxclients{${sel}}`, legend: "{{redis}} maxclients" },
        ], { unit: "short", min: 0 }),
        timeseries("Commands per second", [{ expr: rate("redis_commands_processed_total"), legend: "{{redis}}" }], { unit: "ops", min: 0 }),
        timeseries("Keyspace hit rate", [{
            // Without reads the ratio is 0/0: absent (and explained) rather than NaN.
            expr: `${rate("redis_keyspace_hits_total")} / ((${rate("redis_keyspace_hits_total")} + ${rate("redis_keyspace_misses_total")}) > 0) * 100`,
            legend: "{{redis}}",
        }], { unit: "percent", min: 0, max: 100, thresholds: [[null, "red"], [50, "orange"], [80, "green"]], noValue: "no reads" }),
        timeseries("Keys", [
            { expr: `sum by (redis) (redis_db_keys{${sel}})`, legend: "{{redis}} keys" },
            { expr: `sum by (redis) (redis_db_keys_expiring{${sel}})`, legend: "{{redis}} with TTL" },
        ], { unit: "short", min: 0 }),
        timeseries("Evicted, expired and rejected", [
            { expr: rate("redis_evicted_keys_total"), legend: "{{redis}} evicted keys" },
            { expr: rate("redis_expired_keys_total"), legend: "{{redis}} expired keys" },
            { expr: rate("redis_rejected_connections_total"), legend: "{{redis}} rejected connections" },
        ], { unit: "ops", min: 0 }),
        timeseries("Replication lag", [
            { expr: `redis_connected_slave_lag_seconds{${sel}}`, legend: "{{redis}} → {{slave_ip}}:{{slave_port}}" },
        ], { unit: "s", min: 0, thresholds: redFrom(t.redisReplicationLagSeconds), noValue: "no replicas" }),
        timeseries("Last RDB save age", [
            { expr: `time() - redis_rdb_last_save_timestamp_seconds{${sel}}`, legend: "{{redis}}" },
        ], { unit: "s", min: 0 }),
    ],
});
