// The parts of Prometheus' HTTP API the rehearsal, its tests and the benchmark read.
import { httpGet } from "./processes";
import { isRecord, records } from "../model/typeGuards";

export interface Sample {
    readonly labels: Readonly<Record<string, string>>;
    /** [unix seconds, value] pairs: one for an instant vector, several for a range. */
    readonly values: readonly (readonly [number, number])[];
}

export interface PromAlert {
    readonly labels: Readonly<Record<string, string>>;
    readonly state: "pending" | "firing" | "inactive";
    readonly activeAt?: string;
}

/** Spacing of one series' raw samples. */
export interface SeriesSpacing {
    readonly labels: Readonly<Record<string, string>>;
    readonly samples: number;
    readonly maxGapMs: number;
    /** Scrapes missing from the longest gap (gap / interval, rounded, minus one). */
    readonly missed: number;
}

function labelsOf(v: Record<string, unknown>): Record<string, string> {
    return isRecord(v.metric) ? Object.fromEntries(Object.entries(v.metric).map(([k, x]) => [k, String(x)])) : {};
}

function pair(v: unknown): [number, number] {
    return Array.isArray(v) ? [Number(v[0]), Number(v[1])] : [NaN, NaN];
}

async function api(url: string): Promise<Record<string, unknown>> {
    const res = await httpGet(url);
    const doc: unknown = JSON.parse(res.body);
    if (!isRecord(doc) || doc.status !== "success" || !isRecord(doc.data)) throw new Error(`${url}: ${res.status} ${res.body.slice(0, 300)}`);
    return doc.data;
}

export class PrometheusApi {
    constructor(readonly url: string) {}

    /** An instant query (at `time`, unix seconds, or now); a range selector yields several values per series. */
    async query(expr: string, time?: number): Promise<Sample[]> {
        const at = time === undefined ? "" : `&time=${time}`;
        const data = await api(`${this.url}/api/v1/query?query=${encodeURIComponent(expr)}${at}`);
        if (data.resultType === "scalar") return [{ labels: {}, values: [pair(data.result)] }];
        return records(data.result).map((r) => ({
            labels: labelsOf(r),
            values: Array.isArray(r.values) ? r.values.map(pair) : [pair(r.value)],
        }));
    }

    async queryRange(expr: string, startS: number, endS: number, stepS: number): Promise<Sample[]> {
        const q = `query=${encodeURIComponent(expr)}&start=${startS}&end=${endS}&step=${stepS}`;
        const data = await api(`${this.url}/api/v1/query_range?${q}`);
        return records(data.result).map((r) => ({ labels: labelsOf(r), values: Array.isArray(r.values) ? r.values.map(pair) : [] }));
    }

    async alerts(): Promise<PromAlert[]> {
        const data = await api(`${this.url}/api/v1/alerts`);
        return records(data.alerts).map((a) => ({
            labels: isRecord(a.labels) ? Object.fromEntries(Object.entries(a.labels).map(([k, v]) => [k, String(v)])) : {},
            state: a.state === "firing" ? "firing" : a.state === "pending" ? "pending" : "inactive",
            activeAt: typeof a.activeAt === "string" ? a.activeAt : undefined,
        }));
    }

    /** Health of the active targets, by job. */
    async targetHealth(): Promise<Map<string, string[]>> {
        const data = await api(`${this.url}/api/v1/targets?state=active`);
        const out = new Map<string, string[]>();
        for (const t of records(data.activeTargets)) {
            const job = isRecord(t.labels) ? String(t.labels.job) : "";
            out.set(job, [...(out.get(job) ?? []), String(t.health)]);
        }
        return out;
    }

    /** When the process started and last loaded its configuration, and whether that worked. */
    async runtimeInfo(): Promise<{ startTime: string; lastConfigTime: string; reloadConfigSuccess: boolean }> {
        const data = await api(`${this.url}/api/v1/status/runtimeinfo`);
        return { startTime: String(data.startTime), lastConfigTime: String(data.lastConfigTime), reloadConfigSuccess: data.reloadConfigSuccess === true };
    }

    /** Every rule expression Prometheus has loaded, by alert or record name. */
    async ruleExpressions(): Promise<Map<string, string[]>> {
        const data = await api(`${this.url}/api/v1/rules`);
        const out = new Map<string, string[]>();
        for (const group of records(data.groups)) {
            for (const rule of records(group.rules)) {
                const name = String(rule.name);
                out.set(name, [...(out.get(name) ?? []), String(rule.query)]);
            }
        }
        return out;
    }

    /** The raw `up` samples of every target over the last `windowS` seconds, and their largest spacing. */
    async scrapeSpacing(windowS: number, intervalMs: number): Promise<SeriesSpacing[]> {
        const series = await this.query(`up[${Math.ceil(windowS)}s]`);
        return series.map((s) => {
            let maxGapMs = 0;
            for (let i = 1; i < s.values.length; i++) maxGapMs = Math.max(maxGapMs, (s.values[i][0] - s.values[i - 1][0]) * 1000);
            return { labels: s.labels, samples: s.values.length, maxGapMs, missed: Math.max(0, Math.round(maxGapMs / intervalMs) - 1) };
        }).sort((a, b) => `${a.labels.job}/${a.labels.instance}`.localeCompare(`${b.labels.job}/${b.labels.instance}`));
    }
}
