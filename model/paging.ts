// The paging promise and its arithmetic, in one place: a hard outage behind a fast-path alert
// reaches the receivers within `pageWithin`, and an outage no longer than `blipTolerance` never
// pages. The rule renderer (render/rules.ts), the scrape renderer (render/prometheus.ts), the
// Alertmanager renderer (critical route), the config check (config/parse.ts), the docs table
// (scripts/docs.ts), the rehearsal deadlines and the bench all read it from here.
//
// Why the bound holds (Prometheus 2.42-3.x, Alertmanager 0.25-0.28):
// - the outage starts just after a scrape: the next scrape sees it within `scrapeInterval`, and a
//   target that hangs instead of refusing is recorded only when `scrapeTimeout` runs out;
// - the rule group evaluates every `evaluationInterval`: the first evaluation after that sample
//   makes the alert pending;
// - it fires at the first evaluation at least `for` later: `for` rounded up to whole evaluations;
// - Prometheus sends a newly firing alert at once; Alertmanager opens a new group and notifies
//   after the critical route's `group_wait`.
// A blip of length B is seen by scrapes within [start, start + B]; the first good scrape follows
// within `scrapeInterval`, so the alert stays pending for less than B + scrape (+ evaluation, as
// margin for jitter and ingestion): it never fires while B + scrape + evaluation < `for`.
import { durationMs } from "../config/units";

/** The fast path's settings (config keys in parentheses), as Prometheus durations. */
export interface PagingSettings {
    /** The promise: worst case from outage to notification (pageWithin). */
    readonly pageWithin: string;
    /** The promise: outages up to this long never page (blipTolerance). */
    readonly blipTolerance: string;
    /** Scrape interval of the jobs behind fast-path alerts (criticalScrapeInterval). */
    readonly scrapeInterval: string;
    /** Their scrape timeout (criticalScrapeTimeout). */
    readonly scrapeTimeout: string;
    /** Evaluation interval of the fast-path rule groups (criticalEvaluationInterval). */
    readonly evaluationInterval: string;
    /** `for` of every fast-path alert (criticalFor). */
    readonly for: string;
    /** `keep_firing_for` of every fast-path alert, so a flapping outage pages once (criticalKeepFiringFor). */
    readonly keepFiringFor: string;
    /** group_wait of the critical route (criticalGroupWait). */
    readonly groupWait: string;
}

/** Defaults: 3 + 5 + 5 + 40 + 5 = 58 s worst case, and blips under 40 - 5 - 5 = 30 s stay silent. */
export const defaultPaging: PagingSettings = {
    pageWithin: "60s",
    blipTolerance: "25s",
    scrapeInterval: "5s",
    scrapeTimeout: "3s",
    evaluationInterval: "5s",
    for: "40s",
    keepFiringFor: "2m",
    groupWait: "5s",
};

/** Config key of each setting, for messages and docs. */
export const pagingKeys: Readonly<Record<keyof PagingSettings, string>> = {
    pageWithin: "pageWithin",
    blipTolerance: "blipTolerance",
    scrapeInterval: "criticalScrapeInterval",
    scrapeTimeout: "criticalScrapeTimeout",
    evaluationInterval: "criticalEvaluationInterval",
    for: "criticalFor",
    keepFiringFor: "criticalKeepFiringFor",
    groupWait: "criticalGroupWait",
};

/** The delays one alert's notification is made of, in milliseconds. */
export interface AlertTimings {
    readonly scrapeMs: number;
    readonly scrapeTimeoutMs: number;
    readonly evaluationMs: number;
    readonly forMs: number;
    readonly groupWaitMs: number;
}

export interface AlertBound {
    /** `for` rounded up to whole evaluations: when the alert really fires after turning pending. */
    readonly firesAfterMs: number;
    /** Worst case from outage to notification: scrape + timeout + evaluation + fires-after + group_wait. */
    readonly worstCaseMs: number;
    /** Outages shorter than this never page: `for` - scrape - evaluation (0 when none is safe). */
    readonly silentBlipMs: number;
}

export function alertBound(t: AlertTimings): AlertBound {
    const firesAfterMs = t.evaluationMs > 0 ? Math.ceil(t.forMs / t.evaluationMs) * t.evaluationMs : t.forMs;
    return {
        firesAfterMs,
        worstCaseMs: t.scrapeMs + t.scrapeTimeoutMs + t.evaluationMs + firesAfterMs + t.groupWaitMs,
        silentBlipMs: Math.max(0, t.forMs - t.scrapeMs - t.evaluationMs),
    };
}

/** The fast path's timings from its settings; `scale` divides every one (the rehearsal's time scale). */
export function fastPathTimings(p: PagingSettings, scale: (duration: string) => number = durationMs): AlertTimings {
    return {
        scrapeMs: scale(p.scrapeInterval),
        scrapeTimeoutMs: scale(p.scrapeTimeout),
        evaluationMs: scale(p.evaluationInterval),
        forMs: scale(p.for),
        groupWaitMs: scale(p.groupWait),
    };
}

/**
 * What breaks the promise, one message per problem naming the keys to change; empty when the
 * settings keep it. A message completes nothing: it is a whole line for ConfigError.
 */
export function pagingProblems(p: PagingSettings): string[] {
    const k = pagingKeys;
    const problems: string[] = [];
    const ms = (key: keyof PagingSettings) => durationMs(p[key]);
    if (ms("scrapeTimeout") > ms("scrapeInterval")) {
        problems.push(`${k.scrapeTimeout}: ${p.scrapeTimeout} is longer than ${k.scrapeInterval} ${p.scrapeInterval}; make it shorter`);
    }
    for (const key of ["scrapeInterval", "scrapeTimeout", "evaluationInterval"] as const) {
        if (ms(key) === 0) problems.push(`${k[key]}: must be longer than 0s`);
    }
    if (problems.length > 0) return problems;
    const bound = alertBound(fastPathTimings(p));
    const s = (n: number) => `${n / 1000}s`;
    if (bound.worstCaseMs > ms("pageWithin")) {
        problems.push(`${k.pageWithin}: a hard outage would page after up to ${s(bound.worstCaseMs)} ` +
            `(${k.scrapeInterval} ${p.scrapeInterval} + ${k.scrapeTimeout} ${p.scrapeTimeout} + ${k.evaluationInterval} ${p.evaluationInterval} + ` +
            `${k.for} ${p.for}${bound.firesAfterMs === ms("for") ? "" : ` rounded up to whole evaluations (${s(bound.firesAfterMs)})`} + ${k.groupWait} ${p.groupWait}), ` +
            `later than ${p.pageWithin}; shorten those or raise ${k.pageWithin}`);
    }
    if (ms("blipTolerance") >= bound.silentBlipMs) {
        problems.push(`${k.blipTolerance}: a blip of ${p.blipTolerance} could page: it stays pending for up to ${p.blipTolerance} + ` +
            `${k.scrapeInterval} ${p.scrapeInterval} + ${k.evaluationInterval} ${p.evaluationInterval}, which must stay under ${k.for} ${p.for} ` +
            `(only blips under ${s(bound.silentBlipMs)} are safe); raise ${k.for}, shorten the intervals or lower ${k.blipTolerance}`);
    }
    return problems;
}
