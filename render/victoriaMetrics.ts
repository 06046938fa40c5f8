// The embedded long-term store's command line (VictoriaMetrics single-node). Pure.
import type { MonitoringConfig } from "../model/stack";
import { victoriaMetricsDataPath } from "../model/remoteWrite";
import { serviceSpecs } from "../model/services";

/**
 * Flags of the VictoriaMetrics container: data on its volume, its own retention, listening on its
 * container port (published nowhere: Prometheus and Grafana reach it on the stack's network), and
 * a cache budget of 60 % of the container's memory limit (it reads the cgroup limit), so the
 * limit leaves room for ingestion bursts instead of an OOM kill.
 */
export function victoriaMetricsCommand(m: MonitoringConfig): string[] {
    const spec = serviceSpecs.victoriaMetrics;
    return [
        `-storageDataPath=${victoriaMetricsDataPath}`,
        `-retentionPeriod=${m.remote.victoriaMetrics.retention}`,
        `-httpListenAddr=:${spec.containerPort}`,
        "-memory.allowedPercent=60",
    ];
}
