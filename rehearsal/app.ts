// A tiny stand-in for an app Prometheus scrapes: http_requests_total{status}, the
// http_request_duration_seconds histogram and a bot_heartbeat_seconds gauge, with setters.
// Traffic is simulated per scrape (100 requests each), so rates follow the setters.
import * as http from "node:http";
import type { AddressInfo } from "node:net";

export interface FakeApp {
    readonly port: number;
    /** http://127.0.0.1:<port><metricsPath> */
    readonly url: string;
    /** Fraction (0..1) of simulated requests answered 500. */
    setErrorRatio(ratio: number): void;
    /** Latency in seconds of every simulated request. */
    setLatencySeconds(seconds: number): void;
    /** Age in seconds of the heartbeat (0: the main loop beats now). */
    setHeartbeatAgeSeconds(age: number): void;
    /** Stops answering (connections refused) until start(). Same port. */
    stop(): Promise<void>;
    start(): Promise<void>;
    close(): Promise<void>;
}

const buckets = [0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];
const requestsPerScrape = 100;

export async function startFakeApp(metricsPath = "/metrics", port = 0): Promise<FakeApp> {
    let errorRatio = 0;
    let latency = 0.02;
    let heartbeatAge = 0;
    const counts = { ok: 0, error: 0 };
    const bucketCounts = buckets.map(() => 0);
    let durationSum = 0;
    let durationCount = 0;

    const metrics = (): string => {
        const errors = Math.round(requestsPerScrape * errorRatio);
        counts.error += errors;
        counts.ok += requestsPerScrape - errors;
        buckets.forEach((b, i) => { if (latency <= b) bucketCounts[i] += requestsPerScrape; });
        durationSum += latency * requestsPerScrape;
        durationCount += requestsPerScrape;
        return [
            "# TYPE http_requests_total counter",
            `http_requests_total{status="200"} ${counts.ok}`,
            `http_requests_total{status="500"} ${counts.error}`,
            "# TYPE http_request_duration_seconds histogram",
            ...buckets.map((b, i) => `http_request_duration_seconds_bucket{le="${b}"} ${bucketCounts[i]}`),
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
        setLatencySeconds: (s) => { latency = s; },
        setHeartbeatAgeSeconds: (a) => { heartbeatAge = a; },
        stop: close,
        start: () => listen(bound),
        close,
    };
}
