// What the remote_write rehearsal and bench change and read: the rendered remote_write URLs moved
// to loopback (by target name), VictoriaMetrics' rendered command line on loopback with a short
// query latency offset, and raw samples as both stores export them, to compare one with the other.
import { load } from "js-yaml";
import { isRecord, records } from "../model/typeGuards";
import { yamlText } from "../render/files";
import { httpGet } from "./processes";
import type { PrometheusApi } from "./prometheusApi";

/** prometheus.yml with each remote_write target's URL replaced by `urlByName`; every target must have one. */
export function rewriteRemoteWrite(content: string, urlByName: ReadonlyMap<string, string>): string {
    const doc = load(content);
    if (!isRecord(doc)) throw new Error("prometheus.yml is not a mapping");
    for (const target of records(doc.remote_write)) {
        const url = urlByName.get(String(target.name));
        if (url === undefined) throw new Error(`remote_write ${String(target.name)}: no loopback stand-in`);
        target.url = url;
    }
    return yamlText(doc);
}

/**
 * The rendered VictoriaMetrics flags on this machine: data in `dataDir`, listening on loopback.
 * Only for the rehearsal: new samples become visible to queries after 1 s instead of 30 s.
 */
export function rehearsalVictoriaMetricsArgs(rendered: readonly string[], dataDir: string, port: number): string[] {
    return [
        ...rendered.map((a) => a.startsWith("-storageDataPath=") ? `-storageDataPath=${dataDir}`
            : a.startsWith("-httpListenAddr=") ? `-httpListenAddr=127.0.0.1:${port}` : a),
        "-search.latencyOffset=1s",
    ];
}

/** Raw samples: series labels (without __name__) → sample timestamps in ms (NaN staleness markers left out). */
export type RawSamples = Map<string, number[]>;

const seriesKey = (labels: Record<string, unknown>) =>
    JSON.stringify(Object.entries(labels).filter(([k]) => k !== "__name__").map(([k, v]) => [k, String(v)]).sort());

/** VictoriaMetrics' /api/v1/export of `match` between two unix times (seconds). */
export async function victoriaMetricsRaw(url: string, match: string, startS: number, endS: number): Promise<RawSamples> {
    const res = await httpGet(`${url}/api/v1/export?match[]=${encodeURIComponent(match)}&start=${startS}&end=${endS}`);
    if (res.status !== 200) throw new Error(`export ${match}: ${res.status} ${res.body.slice(0, 200)}`);
    const out: RawSamples = new Map();
    for (const line of res.body.split("\n").filter((l) => l.trim() !== "")) {
        const doc: unknown = JSON.parse(line);
        if (!isRecord(doc) || !isRecord(doc.metric) || !Array.isArray(doc.timestamps) || !Array.isArray(doc.values)) continue;
        const values = doc.values;
        const stamps = doc.timestamps.map(Number).filter((ts, i) => ts >= startS * 1000 && ts <= endS * 1000 && Number.isFinite(Number(values[i])));
        out.set(seriesKey(doc.metric), [...(out.get(seriesKey(doc.metric)) ?? []), ...stamps].sort((a, b) => a - b));
    }
    return out;
}

/** Prometheus' own raw samples of `selector` between two unix times (seconds), by series, with `extraLabels` added (its external labels). */
export async function prometheusRaw(api: PrometheusApi, selector: string, startS: number, endS: number,
    extraLabels: Readonly<Record<string, string>>): Promise<RawSamples> {
    const windowS = Math.ceil(endS - startS);
    const out: RawSamples = new Map();
    for (const s of await api.query(`${selector}[${windowS}s]`, endS)) {
        const stamps = s.values.map(([t]) => Math.round(t * 1000)).filter((ms) => ms >= startS * 1000);
        out.set(seriesKey({ ...s.labels, ...extraLabels }), stamps);
    }
    return out;
}
