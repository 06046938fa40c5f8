// Joining the paging fast path (model/paging.ts): one spread into an alert's spec.
import type { MonitoringConfig } from "../model/stack";
import type { AlertRule } from "./rules";

/**
 * An alert on the fast path: evaluated in its group's `<name>-paging` sibling every
 * criticalEvaluationInterval, with `for` criticalFor and `keep_firing_for` criticalKeepFiringFor;
 * `jobs` (the scrape jobs its expression reads, raw series only) are scraped every
 * criticalScrapeInterval. model/paging.ts computes the bound this gives.
 */
export interface FastPath {
    readonly jobs: readonly string[];
}

/** What a critical alert spreads into its spec to join the fast path (its `for` comes from here). */
export function fastPath(m: MonitoringConfig, jobs: readonly string[]): Pick<AlertRule, "for" | "pages"> {
    return { for: m.paging.for, pages: { jobs } };
}
