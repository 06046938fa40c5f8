// The rule that decides whether a missing tool skips a test or fails it: one rule, shared by
// every test, that no spelling of CI can get around, and that .ci/run cannot forget to trigger.
import { test } from "node:test";
import * as assert from "node:assert/strict";
import * as fs from "fs";
import * as path from "path";
import { projectDir } from "../../config/stackFiles";
import * as os from "os";
import { isCi, prerequisiteMissing, runToolInDir, type Skippable } from "../externalTools";

/** Runs prerequisiteMissing with `CI` set to `ci` and reports what it did. */
function outcome(ci: string | undefined): "failed" | "skipped" {
    let skipped = false;
    const t: Skippable = { skip: () => { skipped = true; } };
    const env: NodeJS.ProcessEnv = ci === undefined ? {} : { CI: ci };
    try {
        prerequisiteMissing(t, "promtool not found", env);
    } catch (e) {
        assert.ok(e instanceof assert.AssertionError, String(e));
        assert.match(e.message, /promtool not found/, "the failure names what is missing");
        assert.equal(skipped, false, "a failure in CI is not also a skip");
        return "failed";
    }
    assert.ok(skipped, "outside CI the test is skipped");
    return "skipped";
}

test("any truthy CI makes a missing tool a failure; only an unset or false CI lets it skip", () => {
    for (const ci of ["true", "TRUE", "True", "1", "yes", "on", "github-actions"]) {
        assert.equal(isCi({ CI: ci }), true, `CI=${ci}`);
        assert.equal(outcome(ci), "failed", `CI=${ci} must fail, not skip`);
    }
    for (const ci of [undefined, "", "false", "FALSE", "0", "no", "off"]) {
        assert.equal(isCi(ci === undefined ? {} : { CI: ci }), false, `CI=${String(ci)}`);
        assert.equal(outcome(ci), "skipped", `CI=${String(ci)} is a developer's machine`);
    }
});

test(".ci/run declares CI itself, before any test runs", () => {
    const script = fs.readFileSync(path.join(projectDir, ".ci", "run"), "utf8");
    const exportLine = script.split("\n").findIndex((l) => /^export CI=true$/.test(l));
    const testLine = script.split("\n").findIndex((l) => /^npm test$/.test(l));
    assert.ok(exportLine >= 0, ".ci/run must `export CI=true`");
    assert.ok(exportLine < testLine, "CI=true is exported before `npm test`");
    assert.equal(isCi({ CI: "true" }), true);
});

test("no test decides about CI on its own: every skip for a missing tool goes through externalTools.ts", () => {
    const testDir = path.join(projectDir, "test");
    for (const file of fs.readdirSync(testDir).filter((f) => f.endsWith(".ts") && !f.startsWith("externalTools."))) {
        const text = fs.readFileSync(path.join(testDir, file), "utf8");
        assert.doesNotMatch(text, /process\.env\.CI\b|env\[["']CI["']\]/, `${file} reads CI itself; use isCi/prerequisiteMissing from externalTools.ts`);
        assert.doesNotMatch(text, /\{\s*skip:\s*[^}]/, `${file} skips a test through its options; call prerequisiteMissing(t, …) instead`);
    }
});

test("runToolInDir runs the tool on its files, remembers a passing run by its inputs, never a failing one", () => {
    const log = path.join(fs.mkdtempSync(path.join(os.tmpdir(), "tool-runs-")), "runs");
    // The "tool" appends the file it was given to a log outside its directory, then passes when it says ok.
    const check = (content: string) => runToolInDir("sh", ["-c", `cat input >> ${log}; grep -q ok input`], new Map([["input", `${content}\n`]]));
    const runs = () => fs.readFileSync(log, "utf8").trim().split("\n");
    check("ok 1");
    check("ok 1");
    assert.deepEqual(runs(), ["ok 1"], "the same inputs again: not re-run");
    check("ok 2");
    assert.deepEqual(runs(), ["ok 1", "ok 2"], "other inputs: run");
    assert.throws(() => check("bad"), /exited 1/);
    assert.throws(() => check("bad"), /exited 1/, "a failure is reported again, not remembered");
    assert.deepEqual(runs(), ["ok 1", "ok 2", "bad", "bad"]);
    fs.rmSync(path.dirname(log), { recursive: true, force: true });
});
