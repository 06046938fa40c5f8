// The paging promise (issue 14, point 2): the arithmetic of model/paging.ts, the config check
// that refuses settings breaking it (naming the keys), and the rendering that gives the fast-path
// alerts their own clock: short scrape intervals for their jobs, a `<group>-paging` rule group with
// a short interval and keep_firing_for, a short group_wait on the critical route. The timing itself
// is checked by promtool (rules/tests/paging.test.yml) and measured by `npm run bench`.
import assert from "node:assert/strict";
import { test } from "node:test";
import { load } from "js-yaml";
import { ConfigError, parseStackConfig } from "../../config/parse";
import { alertBound, defaultPaging, pagingProblems, type PagingSettings } from "../../model/paging";
import type { MonitoringConfig } from "../../model/stack";
import { renderAlertmanager } from "../../render/alertmanager";
import { criticalAlertBounds } from "../../render/paging";
import { renderPrometheus } from "../../render/prometheus";
import { fastPath, isAlert, pagedJobs, renderRules, ruleGroups } from "../../render/rules";
import { isRecord, records } from "../../model/typeGuards";
import * as fs from "node:fs";
import * as path from "node:path";
import { projectDir } from "../../config/stackFiles";
import { regenerateRunbooks } from "../../scripts/docs";

const stack = { hetznerSshKeyName: "deploy", apps: [{ job: "api", targets: ["api:8000"] }], redis: [{ name: "main", address: "redis:6379" }] };

function monitoring(raw: Record<string, unknown> = {}): MonitoringConfig {
    return parseStackConfig("test", { ...stack, ...raw }).monitoring;
}

function refused(raw: Record<string, unknown>): readonly string[] {
    try {
        monitoring(raw);
    } catch (e) {
        assert.ok(e instanceof ConfigError, String(e));
        return e.problems;
    }
    return assert.fail(`${JSON.stringify(raw)} was accepted`);
}

test("the bound is scrape + timeout + evaluation + for in whole evaluations + group_wait; blips under for - scrape - evaluation stay silent", () => {
    assert.deepEqual(alertBound({ scrapeMs: 5000, scrapeTimeoutMs: 3000, evaluationMs: 5000, forMs: 40_000, groupWaitMs: 5000 }),
        { firesAfterMs: 40_000, worstCaseMs: 58_000, silentBlipMs: 30_000 });
    // A `for` between evaluations fires at the next one.
    assert.equal(alertBound({ scrapeMs: 5000, scrapeTimeoutMs: 0, evaluationMs: 15_000, forMs: 40_000, groupWaitMs: 0 }).worstCaseMs, 5000 + 15_000 + 45_000);
    assert.equal(alertBound({ scrapeMs: 30_000, scrapeTimeoutMs: 0, evaluationMs: 30_000, forMs: 40_000, groupWaitMs: 0 }).silentBlipMs, 0);
});

test("the defaults keep the promise: every fast-path alert pages within 60 s, blips of 25 s never page", () => {
    assert.deepEqual(pagingProblems(defaultPaging), []);
    const fast = criticalAlertBounds(monitoring()).filter((b) => b.fastPath);
    assert.deepEqual(fast.map((b) => b.alert).sort(), ["RedisDown", "TargetDown"]);
    for (const b of fast) {
        assert.ok(b.bound.worstCaseMs <= 60_000, `${b.alert}: ${b.bound.worstCaseMs} ms`);
        assert.ok(b.bound.silentBlipMs > 25_000, `${b.alert}: blips under ${b.bound.silentBlipMs} ms`);
    }
});

test("a config that breaks the promise is refused, naming the keys to change", () => {
    const slow = refused({ criticalGroupWait: "30s" });
    assert.equal(slow.length, 1);
    assert.match(slow[0], /^pageWithin: a hard outage would page after up to 83s \(criticalScrapeInterval 5s \+ criticalScrapeTimeout 3s \+ criticalEvaluationInterval 5s \+ criticalFor 40s \+ criticalGroupWait 30s\), later than 60s; shorten those or raise pageWithin$/);
    const eager = refused({ criticalFor: "30s" });
    assert.equal(eager.length, 1);
    assert.match(eager[0], /^blipTolerance: a blip of 25s could page: .*criticalScrapeInterval 5s \+ criticalEvaluationInterval 5s, which must stay under criticalFor 30s \(only blips under 20s are safe\); raise criticalFor/);
    assert.match(refused({ criticalEvaluationInterval: "15s" }).join("\n"), /rounded up to whole evaluations \(45s\)/);
    assert.match(refused({ criticalScrapeTimeout: "10s" }).join("\n"), /^criticalScrapeTimeout: 10s is longer than criticalScrapeInterval 5s/m);
    assert.match(refused({ criticalFor: "forty" }).join("\n"), /^criticalFor: "forty" is not a Prometheus duration/m);
    // Slower paging is a decision: raising the promise itself is accepted.
    assert.equal(monitoring({ criticalGroupWait: "30s", pageWithin: "90s" }).paging.groupWait, "30s");
});

interface ScrapeJob { job_name: string; scrape_interval?: string; scrape_timeout?: string }

test("the jobs behind fast-path alerts are scraped on the paging clock; the stack's own keep the global one", () => {
    const m = monitoring();
    const doc = load(renderPrometheus(m)[0].content) as { global: { scrape_interval: string }; scrape_configs: ScrapeJob[] };
    assert.equal(doc.global.scrape_interval, "15s");
    const byJob = new Map(doc.scrape_configs.map((j) => [j.job_name, j]));
    for (const job of ["api", "redis-main"]) {
        assert.equal(byJob.get(job)?.scrape_interval, "5s", job);
        assert.equal(byJob.get(job)?.scrape_timeout, "3s", job);
    }
    for (const job of ["prometheus", "alertmanager", "grafana", "node"]) assert.equal(byJob.get(job)?.scrape_interval, undefined, job);
});

test("fast-path alerts sit in a <group>-paging group with the short interval, for and keep_firing_for; the rest stay slow", () => {
    const m = monitoring({ criticalEvaluationInterval: "4s", criticalFor: "44s", criticalKeepFiringFor: "3m", criticalScrapeInterval: "4s", criticalScrapeTimeout: "2s", criticalGroupWait: "4s" });
    const files = new Map(renderRules(m).map((f) => [f.path.split("/").pop(), load(f.content)]));
    const groups = (file: string) => {
        const doc = files.get(file);
        return isRecord(doc) ? records(doc.groups) : [];
    };
    const [redisPaging, redis] = groups("redis.yml");
    assert.equal(redisPaging.name, "redis-paging");
    assert.equal(redisPaging.interval, "4s");
    assert.deepEqual(records(redisPaging.rules).map((r) => [r.alert, r.for, r.keep_firing_for]), [["RedisDown", "44s", "3m"]]);
    assert.equal(redis.interval, undefined);
    assert.ok(records(redis.rules).every((r) => r.keep_firing_for === undefined && r.alert !== "RedisDown"));
    const [metaPaging, meta] = groups("meta.yml");
    assert.deepEqual(records(metaPaging.rules).map((r) => isRecord(r.labels) ? r.labels.job : undefined).sort(), ["api", "redis-main"]);
    const slowTargetDown = records(meta.rules).filter((r) => r.alert === "TargetDown");
    assert.deepEqual(slowTargetDown.map((r) => r.for), ["1m", "1m", "1m", "1m"]);
});

test("a new critical alert joins the fast path by spreading fastPath(m, jobs) into its spec", () => {
    const m = monitoring();
    const spec = { alert: "X", expr: "x == 0", severity: "critical" as const, summary: "", description: "", threshold: "", ...fastPath(m, ["x-job"]) };
    assert.equal(spec.for, "40s");
    assert.deepEqual(spec.pages, { jobs: ["x-job"] });
    // Every alert that pages is critical, and every paged job exists.
    const jobs = new Set((load(renderPrometheus(m)[0].content) as { scrape_configs: ScrapeJob[] }).scrape_configs.map((j) => j.job_name));
    for (const rule of ruleGroups(m).flatMap((g) => g.rules)) {
        if (!("alert" in rule) || rule.pages === undefined) continue;
        assert.equal(rule.severity, "critical", rule.alert);
        for (const job of rule.pages.jobs) assert.ok(jobs.has(job), `${rule.alert}: no scrape job ${job}`);
    }
});

test("the critical route waits criticalGroupWait; the other severities keep groupWait", () => {
    const m = monitoring({ receivers: [{ name: "ops", type: "webhook", url: "https://example.com/hook", severities: ["critical", "warning"] }] });
    const doc = load(renderAlertmanager(m)[0].content);
    assert.ok(isRecord(doc) && isRecord(doc.route));
    assert.equal(doc.route.group_wait, "30s");
    const bySeverity = new Map(records(doc.route.routes).map((r) => [JSON.stringify(r.matchers), r]));
    assert.equal(bySeverity.get(JSON.stringify(['severity="critical"']))?.group_wait, "5s");
    assert.equal(bySeverity.get(JSON.stringify(['severity="warning"']))?.group_wait, undefined);
});

test("every paging key is read from the config and reaches MonitoringConfig", () => {
    const settings: PagingSettings = { pageWithin: "90s", blipTolerance: "20s", scrapeInterval: "10s", scrapeTimeout: "4s", evaluationInterval: "10s", for: "50s", keepFiringFor: "1m", groupWait: "10s" };
    const m = monitoring({
        pageWithin: settings.pageWithin, blipTolerance: settings.blipTolerance, criticalScrapeInterval: settings.scrapeInterval,
        criticalScrapeTimeout: settings.scrapeTimeout, criticalEvaluationInterval: settings.evaluationInterval, criticalFor: settings.for,
        criticalKeepFiringFor: settings.keepFiringFor, criticalGroupWait: settings.groupWait,
    });
    assert.deepEqual(m.paging, settings);
});

test("docs/runbooks.md carries the bound table of the current code (npm run docs)", () => {
    const runbooks = fs.readFileSync(path.join(projectDir, "docs", "runbooks.md"), "utf8");
    assert.equal(runbooks, regenerateRunbooks(runbooks), "run `npm run docs` and commit docs/runbooks.md");
    assert.match(runbooks, /\| RedisDown \| fast \(redis-main, redis-replica[^)]*\) \| 40s \| \*\*58 s\*\* \|/);
});

test("the promise's edges: a bound equal to pageWithin keeps it, a blip as long as the silent bound breaks it, a timeout equal to the interval is fine", () => {
    // Defaults: 58 s worst case, blips under 30 s silent.
    assert.deepEqual(pagingProblems({ ...defaultPaging, pageWithin: "58s" }), []);
    assert.match(pagingProblems({ ...defaultPaging, pageWithin: "57s" }).join("\n"), /^pageWithin: a hard outage would page after up to 58s /);
    assert.deepEqual(pagingProblems({ ...defaultPaging, blipTolerance: "29s" }), []);
    assert.match(pagingProblems({ ...defaultPaging, blipTolerance: "30s" }).join("\n"), /^blipTolerance: a blip of 30s could page: .*\(only blips under 30s are safe\)/);
    assert.deepEqual(pagingProblems({ ...defaultPaging, scrapeTimeout: "5s" }), []);
});

test("broken intervals are reported alone: no bound is computed from a zero interval or a timeout longer than the scrape", () => {
    assert.deepEqual(pagingProblems({ ...defaultPaging, scrapeTimeout: "30s" }),
        ["criticalScrapeTimeout: 30s is longer than criticalScrapeInterval 5s; make it shorter"]);
    assert.deepEqual(pagingProblems({ ...defaultPaging, evaluationInterval: "0s" }), ["criticalEvaluationInterval: must be longer than 0s"]);
    assert.deepEqual(pagingProblems({ ...defaultPaging, scrapeInterval: "0s", scrapeTimeout: "0s" }),
        ["criticalScrapeInterval: must be longer than 0s", "criticalScrapeTimeout: must be longer than 0s"]);
});

test("without an evaluation interval the alert fires exactly `for` after turning pending", () => {
    assert.deepEqual(alertBound({ scrapeMs: 5000, scrapeTimeoutMs: 3000, evaluationMs: 0, forMs: 40_000, groupWaitMs: 5000 }),
        { firesAfterMs: 40_000, worstCaseMs: 53_000, silentBlipMs: 35_000 });
});

test("the fast path reads exactly the jobs of every app and Redis exporter; a stack without them pages on none", () => {
    const two = monitoring({ apps: [{ job: "api", targets: ["api:8000"] }, { job: "worker", targets: ["worker:9000"] }] });
    assert.deepEqual([...pagedJobs(two)].sort(), ["api", "redis-main", "worker"]);
    const targetDowns = ruleGroups(two).flatMap((g) => g.rules.filter(isAlert)).filter((r) => r.alert === "TargetDown");
    assert.deepEqual(targetDowns.filter((r) => r.pages !== undefined).map((r) => r.labels?.job).sort(), ["api", "redis-main", "worker"]);
    const bare = parseStackConfig("test", { hetznerSshKeyName: "deploy" }).monitoring;
    assert.deepEqual([...pagedJobs(bare)], [], "Prometheus, Alertmanager, Grafana and node stay on the normal path");
});

test("a rule group gets a -paging sibling only when it has fast-path alerts, and no rendered group is empty", () => {
    const files = renderRules(monitoring()).map((f) => {
        const groups = (load(f.content) as { groups: { name: string; rules: unknown[] }[] }).groups;
        for (const g of groups) assert.ok(g.rules.length > 0, `${f.path}: group ${g.name} is empty`);
        return [path.basename(f.path), groups.map((g) => g.name)];
    });
    assert.deepEqual(files, [
        ["meta.yml", ["meta-paging", "meta"]],
        ["host.yml", ["host"]],
        ["redis.yml", ["redis-paging", "redis"]],
        ["apps.yml", ["apps"]],
    ]);
});

test("the paging table lists the fast path's jobs only on fast-path entries, and an alert without `for` fires at its first evaluation", () => {
    const bounds = criticalAlertBounds(monitoring());
    assert.deepEqual(bounds.filter((b) => b.alert === "TargetDown").map((b) => [b.fastPath, b.for, b.jobs]), [
        [false, "1m", []],
        [true, "40s", ["redis-main", "api"]],
    ]);
    const immediate = bounds.find((b) => b.alert === "NotificationsFailing");
    assert.deepEqual(immediate && [immediate.for, immediate.timings.forMs, immediate.bound.firesAfterMs], ["0s", 0, 0]);
});
