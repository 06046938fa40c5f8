// Runbooks that resolve: an alert links to its section of docs/runbooks.md at runbookBaseUrl, or
// at the page derived from the repository's git remote; when neither is known it carries the
// runbook's first step instead of a link. No rendered file names a placeholder owner.
import assert from "node:assert/strict";
import { test } from "node:test";
import * as fs from "node:fs";
import * as path from "node:path";
import * as yaml from "js-yaml";
import { ConfigError, parseStackConfig } from "../../config/parse";
import { runbookBaseFromRemote } from "../../config/runbooks";
import { projectDir } from "../../config/stackFiles";
import { alertActions, runbookFirstStep } from "../../model/alerts";
import { renderRules, runbookStepAnnotation } from "../../render/rules";
import { committedStacks } from "../../scripts/snapshot";
import { renderStack } from "../../scripts/render";
import { rulesOutDir } from "../../scripts/rules";
import { inTempDir } from "../tempDir";

const reference = {
    hetznerSshKeyName: "deploy", apps: [{ job: "api", targets: ["api:8000"] }], redis: [{ name: "main", address: "redis:6379" }],
};

interface RuleYaml { alert?: string; annotations?: Record<string, string> }

function alerts(runbookBaseUrl?: string, remoteUrl?: string): RuleYaml[] {
    const m = parseStackConfig("prod", { ...reference, ...(runbookBaseUrl ? { runbookBaseUrl } : {}) }, remoteUrl ? { repository: { remoteUrl } } : {}).monitoring;
    return renderRules(m).flatMap((f) => (yaml.load(f.content) as { groups: { rules: RuleYaml[] }[] }).groups.flatMap((g) => g.rules)).filter((r) => r.alert);
}

test("the web address of docs/runbooks.md comes from GitHub and GitLab remotes in their https and ssh forms", () => {
    const cases: [string, string | undefined][] = [
        ["https://github.com/acme/monitoring.git", "https://github.com/acme/monitoring/blob/HEAD/docs/runbooks.md"],
        ["https://github.com/acme/monitoring", "https://github.com/acme/monitoring/blob/HEAD/docs/runbooks.md"],
        ["git@github.com:acme/monitoring.git", "https://github.com/acme/monitoring/blob/HEAD/docs/runbooks.md"],
        ["ssh://git@github.com/acme/monitoring.git", "https://github.com/acme/monitoring/blob/HEAD/docs/runbooks.md"],
        // A token in the remote never reaches a rule file.
        ["https://x-access-token:ghs_secret@github.com/acme/monitoring.git", "https://github.com/acme/monitoring/blob/HEAD/docs/runbooks.md"],
        ["https://gitlab.com/acme/ops/monitoring.git", "https://gitlab.com/acme/ops/monitoring/-/blob/HEAD/docs/runbooks.md"],
        ["git@gitlab.com:acme/ops/monitoring.git", "https://gitlab.com/acme/ops/monitoring/-/blob/HEAD/docs/runbooks.md"],
        ["ssh://git@gitlab.example.com:2222/acme/monitoring.git", "https://gitlab.example.com/acme/monitoring/-/blob/HEAD/docs/runbooks.md"],
        ["https://bitbucket.org/acme/monitoring.git", undefined],
        ["/srv/git/monitoring.git", undefined],
        ["https://github.com/acme", undefined],
        ["not a url", undefined],
    ];
    for (const [remoteUrl, expected] of cases) assert.equal(runbookBaseFromRemote({ remoteUrl }), expected, remoteUrl);
    assert.equal(runbookBaseFromRemote({ remoteUrl: "git@github.com:acme/monitoring.git", defaultBranch: "trunk" }), "https://github.com/acme/monitoring/blob/trunk/docs/runbooks.md");
});

test("every alert links to its runbook section: runbookBaseUrl first, else the git remote's page", () => {
    const base = "https://wiki.example.com/ops/runbooks";
    for (const rule of alerts(base, "git@github.com:acme/monitoring.git")) {
        assert.equal(rule.annotations?.runbook_url, `${base}#${rule.alert?.toLowerCase()}`);
        assert.equal(rule.annotations?.[runbookStepAnnotation], undefined);
    }
    for (const rule of alerts(undefined, "git@github.com:acme/monitoring.git")) {
        assert.equal(rule.annotations?.runbook_url, `https://github.com/acme/monitoring/blob/HEAD/docs/runbooks.md#${rule.alert?.toLowerCase()}`);
    }
});

test("without runbookBaseUrl or a known remote, an alert carries its runbook's first step and no link", () => {
    const rules = alerts();
    assert.ok(rules.length > 20);
    for (const rule of rules) {
        const name = rule.alert ?? "";
        assert.equal(rule.annotations?.runbook_url, undefined, name);
        const step = rule.annotations?.[runbookStepAnnotation] ?? "";
        assert.equal(step, runbookFirstStep(name));
        assert.ok(step.startsWith(alertActions[name] ?? "(none)"), `${name}: the first step of what to do`);
        assert.ok(step.includes(`docs/runbooks.md#${name.toLowerCase()}`), `${name}: where the rest of the runbook is`);
    }
});

test("a runbookBaseUrl that is not a web address is refused with the fix", () => {
    for (const bad of ["github.com/acme/monitoring", "https://example.com/runbooks.md#top", "https://example.com/a b"]) {
        assert.throws(() => parseStackConfig("prod", { ...reference, runbookBaseUrl: bad }), (e: ConfigError) =>
            e.problems.some((p) => p.startsWith(`runbookBaseUrl: "${bad}" is not a web address`) && p.includes("https://github.com/")), bad);
    }
});

test("every alert of every rendered rule file has a section in docs/runbooks.md", () => {
    const headings = new Set([...fs.readFileSync(path.join(projectDir, "docs", "runbooks.md"), "utf8").matchAll(/^## (\S+)\s*$/gm)].map((m) => m[1].toLowerCase()));
    const names = new Set(alerts().map((r) => r.alert ?? ""));
    for (const name of names) assert.ok(headings.has(name.toLowerCase()), `docs/runbooks.md has no "## ${name}" section`);
});

/** Owner placeholders of a fork-me link: OWNER, <owner>, your-org, YOUR_ORG … */
const placeholderOwner = /\bOWNER\b|<owner>|\b(your|YOUR)[-_](org|ORG|user|USER)\b/;

function filesBelow(dir: string): string[] {
    return fs.readdirSync(dir, { recursive: true, encoding: "utf8" }).map((rel) => path.join(dir, rel)).filter((f) => fs.statSync(f).isFile());
}

test("no rendered file, rule file or snapshot names a placeholder owner", () => {
    const offenders: string[] = [];
    const scan = (file: string, label: string) => { if (placeholderOwner.test(fs.readFileSync(file, "utf8"))) offenders.push(label); };
    for (const stack of committedStacks()) {
        // Rendered as without a repository and as from a GitHub clone.
        for (const remoteUrl of [undefined, "https://github.com/acme/monitoring.git"]) {
            inTempDir(`runbooks-${stack}`, (dir) => {
                renderStack(stack, dir, projectDir, remoteUrl ? { remoteUrl } : undefined);
                for (const file of filesBelow(dir)) scan(file, `npm run render -- ${stack} (${remoteUrl ?? "no remote"}): ${path.relative(dir, file)}`);
            });
        }
    }
    for (const file of filesBelow(rulesOutDir)) scan(file, path.relative(projectDir, file));
    scan(path.join(projectDir, "test", "rendered-snapshot.json"), "test/rendered-snapshot.json");
    assert.deepEqual(offenders, []);
    // The check itself sees the old placeholder.
    assert.match("https://github.com/OWNER/vps-monitoring/blob/main/docs/runbooks.md", placeholderOwner);
});

test("an alert without a listed first step still points at its runbook section, with no empty step before it", () => {
    assert.equal(alertActions.NoSuchAlert, undefined);
    assert.equal(runbookFirstStep("NoSuchAlert"), "See docs/runbooks.md#nosuchalert in the monitoring repository");
});

test("a remote's URL is read whole: git's trailing newline trimmed, anything around the forms or in the path refused", () => {
    const github = "https://github.com/acme/monitoring/blob/HEAD/docs/runbooks.md";
    const cases: [string, string | undefined][] = [
        ["https://github.com/acme/monitoring.git\n", github],
        ["github.com:acme/monitoring.git", github],
        ["https://github.com/acme/monitoring/", github],
        ["https://github.com/acme/monitoring//", github],
        ["https://github.com/acme/acme.github.io.git", "https://github.com/acme/acme.github.io/blob/HEAD/docs/runbooks.md"],
        ["http://gitlab.example.com/acme/monitoring.git", "https://gitlab.example.com/acme/monitoring/-/blob/HEAD/docs/runbooks.md"],
        ["xhttps://github.com/acme/monitoring.git", undefined],
        ["https://github.com/acme/monitoring\nfoo", undefined],
        ["/mnt/github.com:acme/monitoring.git", undefined],
        ["git@github.com:acme/monitoring\nfoo", undefined],
        ["https://github.com/acme/mon itoring", undefined],
        ["https://github.com/~acme/monitoring", undefined],
        ["https://github.com/acme/monitoring~", undefined],
        // GitHub has no subgroups; a host merely ending in gitlab is not GitLab.
        ["https://github.com/acme/ops/monitoring", undefined],
        ["https://notgitlab.com/acme/monitoring", undefined],
    ];
    for (const [remoteUrl, expected] of cases) assert.equal(runbookBaseFromRemote({ remoteUrl }), expected, JSON.stringify(remoteUrl));
});
