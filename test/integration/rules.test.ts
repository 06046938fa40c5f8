// Alert and recording rules: the committed rules/*.yml are the renderer's output, promtool
// accepts and unit-tests them, and every alert is documented and tested both ways.
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { test } from "node:test";
import { dump, FAILSAFE_SCHEMA, load } from "js-yaml";
import { alertActions, defaultThresholds, runbookFirstStep } from "../../model/alerts";
import { parseAlertThresholds } from "../../config/thresholds";
import { parseStackConfig } from "../../config/parse";
import { type MonitoringConfig } from "../../model/stack";
import { containerPaths } from "../../model/catalog";
import { renderPrometheus } from "../../render/prometheus";
import { renderRules } from "../../render/rules";
import { alertTable, referenceRuleFiles, rulesOutDir } from "../../scripts/rules";
import { projectDir } from "../../config/stackFiles";
import { runToolInDir, toolAvailable } from "../externalTools";

interface RuleYaml {
    alert?: string;
    record?: string;
    expr: string;
    for?: string;
    labels?: Record<string, string>;
    annotations?: Record<string, string>;
}
interface RuleFileYaml { groups: { name: string; rules: RuleYaml[] }[] }
interface AlertTestYaml { alertname: string; exp_alerts?: unknown[] }
interface TestFileYaml { tests: { alert_rule_test?: AlertTestYaml[]; promql_expr_test?: unknown[] }[] }

const testsDir = path.join(rulesOutDir, "tests");
const ymlIn = (dir: string, suffix: string) => fs.readdirSync(dir).filter((f) => f.endsWith(suffix)).sort().map((f) => path.join(dir, f));


function committedAlerts(): RuleYaml[] {
    return ymlIn(rulesOutDir, ".yml")
        .flatMap((f) => (load(fs.readFileSync(f, "utf8")) as RuleFileYaml).groups)
        .flatMap((g) => g.rules.filter((r) => r.alert));
}

function monitoring(raw: Record<string, unknown>): MonitoringConfig {
    return parseStackConfig("test", { hetznerSshKeyName: "deploy", ...raw }).monitoring;
}

test("committed rules/*.yml equal a fresh render of the reference config", () => {
    const fresh = referenceRuleFiles();
    const committed = ymlIn(rulesOutDir, ".yml").map((f) => path.basename(f));
    assert.deepEqual(committed, [...fresh.keys()].sort(), "run `npx tsx scripts/rules.ts` and commit rules/");
    for (const [name, content] of fresh) {
        assert.equal(fs.readFileSync(path.join(rulesOutDir, name), "utf8"), content, `rules/${name} is stale; run \`npx tsx scripts/rules.ts\``);
    }
});

/** The renderer's own rule files (what `npm run rules` commits) with the promtool cases of rules/tests. */
function freshRulesWithTests(): Map<string, string> {
    const files = new Map(referenceRuleFiles());
    for (const f of ymlIn(testsDir, ".test.yml")) files.set(path.join("tests", path.basename(f)), fs.readFileSync(f, "utf8"));
    return files;
}

test("promtool check rules accepts the rendered rule files", (t) => {
    if (!toolAvailable(t, "promtool")) return;
    const files = freshRulesWithTests();
    runToolInDir("promtool", ["check", "rules", ...[...files.keys()].filter((f) => !f.startsWith("tests")).sort()], files);
});

// On a fresh render, not on the committed copies: a renderer change must meet the promtool cases
// by itself (the freshness test above keeps the committed copies equal to it).
test("promtool test rules passes rules/tests/*.test.yml against the rendered rule files", (t) => {
    if (!toolAvailable(t, "promtool")) return;
    const files = freshRulesWithTests();
    runToolInDir("promtool", ["test", "rules", ...[...files.keys()].filter((f) => f.startsWith("tests")).sort()], files);
});

test("prometheus.yml's rule_files glob loads the rendered rule files (promtool check config)", (t) => {
    if (!toolAvailable(t, "promtool")) return;
    const m = monitoring({ apps: [{ job: "api", targets: ["api:8000"] }, { job: "worker", targets: ["worker:9000"] }], redis: [{ name: "main", address: "redis:6379" }] });
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "rules-check-"));
    try {
        const hostDir = path.join(dir, "prometheus");
        for (const f of [...renderPrometheus(m), ...renderRules(m)]) {
            const file = path.join(dir, f.path);
            fs.mkdirSync(path.dirname(file), { recursive: true });
            fs.writeFileSync(file, f.content.replaceAll(`${containerPaths.prometheusConfigDir}/`, `${hostDir}/`));
        }
        const result = spawnSync("promtool", ["check", "config", path.join(hostDir, "prometheus.yml")], { encoding: "utf8" });
        assert.equal(result.status, 0, `${result.stdout}\n${result.stderr}`);
        assert.match(result.stdout, /rules\/apps\.yml/, "the glob matched the rendered rule files");
    } finally {
        fs.rmSync(dir, { recursive: true, force: true });
    }
});

test("every alert has a severity, summary, description, its runbook's first step (no runbook address is known here) and a runbook section", () => {
    const runbooks = fs.readFileSync(path.join(projectDir, "docs", "runbooks.md"), "utf8");
    const headings = new Set([...runbooks.matchAll(/^## (\S+)\s*$/gm)].map((m) => m[1].toLowerCase()));
    for (const rule of committedAlerts()) {
        const name = rule.alert ?? "";
        assert.ok(["critical", "warning", "info"].includes(rule.labels?.severity ?? ""), `${name}: severity`);
        assert.ok(rule.annotations?.summary, `${name}: summary`);
        assert.ok(rule.annotations?.description, `${name}: description`);
        // rules/*.yml is rendered without a repository: a first step, never a link that may lead nowhere.
        assert.equal(rule.annotations?.runbook, runbookFirstStep(name));
        assert.equal(rule.annotations?.runbook_url, undefined);
        assert.ok(alertActions[name], `${name}: a first step in alertActions`);
        assert.ok(headings.has(name.toLowerCase()), `docs/runbooks.md has no "## ${name}" section`);
        if (name === "Watchdog") continue; // has no instance
        assert.match(rule.annotations?.description ?? "", /\{\{ \$labels\.instance \}\}/, `${name}: description names the instance`);
        assert.match(rule.annotations?.description ?? "", /\{\{ \$value( \| \w+)? \}\}/, `${name}: description shows the value`);
    }
});

test("every alert has a promtool case where it fires and one where it stays silent", () => {
    const cases = ymlIn(testsDir, ".test.yml")
        .flatMap((f) => (load(fs.readFileSync(f, "utf8")) as TestFileYaml).tests)
        .flatMap((t) => t.alert_rule_test ?? []);
    const fires = new Set(cases.filter((c) => (c.exp_alerts ?? []).length > 0).map((c) => c.alertname));
    const silent = new Set(cases.filter((c) => (c.exp_alerts ?? []).length === 0).map((c) => c.alertname));
    for (const name of new Set(committedAlerts().map((r) => r.alert ?? ""))) {
        assert.ok(fires.has(name), `${name}: no test case where it fires`);
        // Watchdog always fires by design.
        if (name !== "Watchdog") assert.ok(silent.has(name), `${name}: no test case where it stays silent`);
    }
});

test("host rules only with node-exporter, redis rules only with redis, app rules only with apps", () => {
    const groups = (m: MonitoringConfig) => renderRules(m).map((f) => path.basename(f.path, ".yml"));
    assert.deepEqual(groups(monitoring({ nodeExporter: false })), ["meta"]);
    assert.deepEqual(groups(monitoring({})), ["meta", "host"]);
    assert.deepEqual(groups(monitoring({ nodeExporter: false, redis: [{ name: "main", address: "redis:6379" }] })), ["meta", "redis"]);
    const all = renderRules(monitoring({ apps: [{ job: "api", targets: ["api:8000"] }], redis: [{ name: "main", address: "redis:6379" }] }));
    assert.ok(all.every((f) => f.path.startsWith("prometheus/rules/") && !f.secret && f.owner === 65534));
    const meta = all.find((f) => f.path === "prometheus/rules/meta.yml")?.content ?? "";
    for (const job of ["prometheus", "alertmanager", "grafana", "node", "redis-main", "api"]) assert.match(meta, new RegExp(`up\\{job="${job}"\\} == 0`));
    assert.doesNotMatch(renderRules(monitoring({ nodeExporter: false }))[0].content, /job="node"/);
});

test("thresholds change the rendered expressions", () => {
    const m = monitoring({});
    const host = (t: typeof defaultThresholds) => renderRules(m, t).find((f) => f.path.endsWith("host.yml"))?.content ?? "";
    assert.match(host(defaultThresholds), /\* 100 > 90\n/);
    assert.match(host({ ...defaultThresholds, memoryUsedPercent: 85 }), /\* 100 > 85\n/);
});

test("alertThresholds is parsed with problems that name the key and the fix", () => {
    assert.deepEqual(parseAlertThresholds(undefined), { thresholds: defaultThresholds, problems: [] });
    const ok = parseAlertThresholds({ memoryUsedPercent: 85, appLatencyP95WarningSeconds: "1.5" });
    assert.deepEqual(ok.problems, []);
    assert.equal(ok.thresholds.memoryUsedPercent, 85);
    assert.equal(ok.thresholds.appLatencyP95WarningSeconds, 1.5);
    assert.equal(parseAlertThresholds('{"cpuUsedPercent": 80}').thresholds.cpuUsedPercent, 80);
    const bad = parseAlertThresholds({ memoryUsedPercent: 150, diskFree: 5, diskFreeCriticalPercent: 20 });
    assert.equal(bad.thresholds.memoryUsedPercent, 90, "invalid values fall back to the default");
    assert.ok(bad.problems.some((p) => p.startsWith("alertThresholds.memoryUsedPercent: 150 is not a number from 1 to 100") && p.includes("pulumi config set --path")), bad.problems.join("\n"));
    assert.ok(bad.problems.some((p) => p.startsWith("alertThresholds.diskFree: unknown threshold; did you mean alertThresholds.diskFreeWarningPercent or alertThresholds.diskFreeCriticalPercent?")), bad.problems.join("\n"));
    assert.ok(bad.problems.some((p) => p.startsWith("alertThresholds.diskFreeCriticalPercent: 20 must be below alertThresholds.diskFreeWarningPercent")), bad.problems.join("\n"));
    assert.match(parseAlertThresholds([1]).problems[0], /^alertThresholds: expected a map/);
    assert.match(parseAlertThresholds("{nope").problems[0], /^alertThresholds: not valid JSON/);
});

test("alertTable lists every alert with its runbook link and what to do", () => {
    const table = alertTable();
    for (const name of new Set(committedAlerts().map((r) => r.alert ?? ""))) {
        assert.ok(alertActions[name], `${name}: add a line to alertActions in model/alerts.ts`);
        assert.match(table, new RegExp(`^\\| \\[${name}\\]\\(docs/runbooks\\.md#${name.toLowerCase()}\\) \\|`, "m"));
    }
    for (const row of table.split("\n")) assert.equal(row.replace(/\\\|/g, "").split("|").length, 6, `unescaped | in ${row}`);
    assert.match(table, /\| \[AppLatencyHigh\]\(docs\/runbooks\.md#applatencyhigh\) \| warning \/ critical \| p95 > 2s for 5m \/ p95 > 5s for 5m \|/);
});

test("every `for:` is needed by a promtool case: removing any one of them fails rules/tests", (t) => {
    if (!toolAvailable(t, "promtool")) return;
    // A case that evaluates a blip after it recovered passes with or without `for:`; only one that
    // evaluates while the condition still holds, shorter than `for`, tells them apart.
    const survivors: string[] = [];
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "rules-for-"));
    try {
        fs.mkdirSync(path.join(dir, "tests"));
        for (const ruleFile of ymlIn(rulesOutDir, ".yml")) {
            const name = path.basename(ruleFile);
            const original = fs.readFileSync(ruleFile, "utf8");
            const testFile = path.join(testsDir, `${path.basename(ruleFile, ".yml")}.test.yml`);
            assert.ok(fs.existsSync(testFile), `no promtool tests for ${name}`);
            // Every scalar as the text it is: the default schema would read `values: 0x5` as the number 5.
            const suite = load(fs.readFileSync(testFile, "utf8"), { schema: FAILSAFE_SCHEMA }) as TestFileYaml;
            const rules = (load(original) as RuleFileYaml).groups.flatMap((g, gi) => g.rules.map((rule, ri) => ({ rule, gi, ri })));
            for (const { rule, gi, ri } of rules.filter(({ rule }) => rule.alert && rule.for)) {
                const mutated = load(original) as RuleFileYaml;
                delete mutated.groups[gi].rules[ri].for;
                fs.writeFileSync(path.join(dir, name), dump(mutated, { lineWidth: -1 }));
                // Only this alert's cases, so each run stays short.
                const tests = suite.tests
                    .map((c) => ({ ...c, promql_expr_test: undefined, alert_rule_test: (c.alert_rule_test ?? []).filter((a) => a.alertname === rule.alert) }))
                    .filter((c) => c.alert_rule_test.length > 0);
                const mutatedTests = path.join(dir, "tests", path.basename(testFile));
                fs.writeFileSync(mutatedTests, dump({ ...suite, tests }, { lineWidth: -1, skipInvalid: true }));
                const result = spawnSync("promtool", ["test", "rules", mutatedTests], { encoding: "utf8" });
                if (result.status === 0) survivors.push(`${name}: ${rule.alert} ${JSON.stringify(rule.labels)} without for: ${rule.for}`);
            }
        }
    } finally {
        fs.rmSync(dir, { recursive: true, force: true });
    }
    assert.deepEqual(survivors, [], "add a case that evaluates while the condition holds, for less than `for`, and expects silence");
});
