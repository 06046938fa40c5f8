// A tiny stand-in for an app Prometheus scrapes: http_requests_total{status}, the
// http_request_duration_seconds histogram and a bot_heartbeat_seconds gauge, with setters.
// Traffic is simulated per scrape (1000 requests each), so rates follow the setters.
import * as http from "node:http";
import type { AddressInfo } from "node:net";

export interface FakeApp {
    readonly port: number;
    /** http://127.0.0.1:<port><metricsPath> */
    readonly url: string;
    /** Fraction (0..1) of simulated requests answered 500. */
    setErrorRatio(ratio: number): void;
    /**
     * A latency distribution whose `quantile` (default 0.95), as histogram_quantile() computes it
     * from the buckets, is `seconds`.
     */
    setLatency(seconds: number, quantile?: number): void;
    /** Every request takes `seconds`: every quantile jumps into that bucket as soon as these requests dominate the tail. */
    setUniformLatency(seconds: number): void;
    /** Age in seconds of the heartbeat (0: the main loop beats now). */
    setHeartbeatAgeSeconds(age: number): void;
    /** Stops answering (connections refused) until start(). Same port. */
    stop(): Promise<void>;
    start(): Promise<void>;
    close(): Promise<void>;
}

/** Bucket upper bounds of the histogram, as a client library's defaults would give. */
export const latencyBuckets = [0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10] as const;
const requestsPerScrape = 1000;

/** How many of each scrape's requests take which latency. */
type Distribution = readonly { readonly seconds: number; readonly share: number }[];

/**
 * histogram_quantile(φ) interpolates linearly inside the bucket (lo, hi] where the rank φ·N falls.
 * For a target q in that bucket, with r = (q - lo) / (hi - lo):
 * - r ≤ φ: a share f = (φ - r) / (1 - r) at lo and the rest at hi gives lo + (hi - lo)·(φ - f)/(1 - f) = q;
 * - r > φ: a share a = φ / r at hi and the rest above hi gives lo + (hi - lo)·φ/a = q.
 */
export function distributionFor(seconds: number, quantile: number): Distribution {
    const index = latencyBuckets.findIndex((b) => seconds <= b);
    if (index < 1) throw new Error(`latency ${seconds}s: must lie above the first bucket (${latencyBuckets[0]}s) and at most ${latencyBuckets.at(-1)}s`);
    const lo = latencyBuckets[index - 1];
    const hi = latencyBuckets[index];
    const r = (seconds - lo) / (hi - lo);
    if (r <= quantile) {
        const f = (quantile - r) / (1 - r);
        return [{ seconds: lo, share: f }, { seconds: hi, share: 1 - f }];
    }
    const a = quantile / r;
    return [{ seconds: hi, share: a }, { seconds: hi * 2, share: 1 - a }];
}

export async function startFakeApp(metricsPath = "/metrics", port = 0): Promise<FakeApp> {
    let errorRatio = 0;
    let distribution: Distribution = [{ seconds: 0.02, share: 1 }];
    let heartbeatAge = 0;
    const counts = { ok: 0, error: 0 };
    const bucketCounts = latencyBuckets.map(() => 0);
    let durationSum = 0;
    let durationCount = 0;

    // Exact running totals, emitted as whole requests: any window's ratios match the setters to 1/1000 of a scrape.
    let exactErrors = 0;
    const exactShares = new Map<number, number>();
    const emitted = new Map<number, number>();
    const metrics = (): string => {
        exactErrors += requestsPerScrape * errorRatio;
        const errors = Math.floor(exactErrors) - counts.error;
        counts.error += errors;
        counts.ok += requestsPerScrape - errors;
        for (const { seconds, share } of distribution) {
            const exact = (exactShares.get(seconds) ?? 0) + requestsPerScrape * share;
            exactShares.set(seconds, exact);
            const n = Math.floor(exact) - (emitted.get(seconds) ?? 0);
            emitted.set(seconds, (emitted.get(seconds) ?? 0) + n);
            latencyBuckets.forEach((b, j) => { if (seconds <= b) bucketCounts[j] += n; });
            durationSum += seconds * n;
            durationCount += n;
        }
        return [
            "# TYPE http_requests_total counter",
            `http_requests_total{status="200"} ${counts.ok}`,
            `http_requests_total{status="500"} ${counts.error}`,
            "# TYPE http_request_duration_seconds histogram",
            ...latencyBuckets.map((b, i) => `http_request_duration_seconds_bucket{le="${b}"} ${bucketCounts[i]}`),
            `http_request_duration_seconds_bucket{le="+Inf"} ${durationCount}`,
            `http_request_duration_seconds_sum ${durationSum}`,
            `http_request_duration_seconds_count ${durationCount}`,
            "# TYPE bot_heartbeat_seconds gauge",
            `bot_heartbeat_seconds ${Date.now() / 1000 - heartbeatAge}`,
            "",
        ].join("\n");
    };

    const server = http.createServer((req, res) => {
        if ((req.url ?? "").split("?")[0] !== metricsPath) {
            res.writeHead(404).end();
            return;
        }
        res.writeHead(200, { "content-type": "text/plain; version=0.0.4" }).end(metrics());
    });
    let listening = false;
    const listen = (p: number) => new Promise<void>((resolve, reject) => {
        server.once("error", reject);
        server.listen(p, "127.0.0.1", () => {
            server.off("error", reject);
            listening = true;
            resolve();
        });
    });
    const close = () => new Promise<void>((resolve) => {
        if (!listening) return resolve();
        listening = false;
        server.closeAllConnections();
        server.close(() => resolve());
    });
    await listen(port);
    const bound = (server.address() as AddressInfo).port;
    return {
        port: bound,
        url: `http://127.0.0.1:${bound}${metricsPath}`,
        setErrorRatio: (r) => { errorRatio = r; },
        setLatency: (seconds, quantile = 0.95) => { distribution = distributionFor(seconds, quantile); },
        setUniformLatency: (seconds) => { distribution = [{ seconds, share: 1 }]; },
        setHeartbeatAgeSeconds: (a) => { heartbeatAge = a; },
        stop: close,
        start: () => listen(bound),
        close,
    };
}
