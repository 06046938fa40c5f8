// scripts/mutationScores.ts: the README's mutation scores are computed from Stryker's report,
// grouped by the layers of mutation/layers.json, and the committed README matches the committed report.
import assert from "node:assert/strict";
import * as fs from "node:fs";
import * as path from "node:path";
import { test } from "node:test";
import { projectDir } from "../../config/stackFiles";
import { currentScoreTable, globToRegExp, inLayer, layerScores, readLayers, readmeEnd, readmeStart, regenerateScores } from "../../scripts/mutationScores";
import { survivorLines, undetectedMutants } from "../../scripts/mutationSurvivors";

test("layer globs: ** spans folders (or none), * stays within one name, dots are literal", () => {
    const cases: [string, string, boolean][] = [
        ["components/render/**/*.ts", "components/render/rules.ts", true],
        ["components/render/**/*.ts", "components/render/sub/x.ts", true],
        ["components/render/**/*.ts", "components/renderer.ts", false],
        ["components/render/**/*.ts", "components/render/rules.tsx", false],
        ["components/*.ts", "components/config.ts", true],
        ["components/*.ts", "components/render/rules.ts", false],
        ["components/config.ts", "components/configXts", false],
        ["config/**/*.ts", "config/parse.ts", true],
    ];
    for (const [glob, file, matches] of cases) assert.equal(globToRegExp(glob).test(file), matches, `${glob} vs ${file}`);
});

test("a layer's score is killed and timed-out mutants over all but ignored and invalid ones", () => {
    const mutants = (...states: string[]) => ({ mutants: states.map((status) => ({ status })) });
    const report = {
        files: {
            "components/render/a.ts": mutants("Killed", "Killed", "Timeout", "Survived"),
            "components/render/b.ts": mutants("NoCoverage", "Ignored", "CompileError", "RuntimeError", "Killed"),
            "components/config.ts": mutants("Survived"),
            "elsewhere.ts": mutants("Killed"),
        },
    };
    const scores = layerScores(report, { render: ["components/render/*.ts"], config: ["components/config.ts"], model: ["model/*.ts"] });
    assert.deepEqual(scores, [
        { layer: "render", killed: 4, survived: 1, noCoverage: 1, ignored: 1, score: (100 * 4) / 6 },
        { layer: "config", killed: 0, survived: 1, noCoverage: 0, ignored: 0, score: 0 },
        { layer: "model", killed: 0, survived: 0, noCoverage: 0, ignored: 0, score: undefined },
    ]);
});

test("a ! glob takes a file out of its layer, as it does out of Stryker's mutate list", () => {
    const report = { files: { "config/parse.ts": { mutants: [{ status: "Killed" }] }, "config/program.ts": { mutants: [{ status: "NoCoverage" }] } } };
    const [config] = layerScores(report, { config: ["config/**/*.ts", "!config/program.ts"] });
    assert.equal(config.killed, 1);
    assert.equal(config.noCoverage, 0, "config/program.ts is not counted");
});

test("a file matched by two layers counts once, in the first", () => {
    const report = { files: { "components/alerts.ts": { mutants: [{ status: "Killed" }] } } };
    const [first, second] = layerScores(report, { config: ["components/*.ts"], model: ["components/alerts.ts"] });
    assert.equal(first.killed, 1);
    assert.equal(second.killed, 0);
});

test("the layers file lists render and config and skips $comment keys", () => {
    const layers = readLayers();
    assert.ok(layers.render.length > 0 && layers.config.length > 0);
    assert.ok(!Object.keys(layers).some((k) => k.startsWith("$")));
});

test("the layers take every file of render/, config/ and model/ but the Pulumi-bound config/program.ts, and nothing test-only", () => {
    const layers = readLayers();
    const inAny = (file: string) => Object.values(layers).some((globs) => inLayer(globs, file));
    for (const folder of ["render", "config", "model"]) {
        for (const name of fs.readdirSync(path.join(projectDir, folder)).filter((n) => n.endsWith(".ts"))) {
            const file = `${folder}/${name}`;
            assert.equal(inAny(file), file !== "config/program.ts", file);
        }
    }
    for (const file of ["rehearsal/skew.ts", "test/monitoringMetrics.ts", "components/host.ts"]) assert.ok(!inAny(file), file);
});

test("the README block is replaced between its markers and nothing else changes", () => {
    const readme = `intro\n${readmeStart}\nold table\n${readmeEnd}\noutro\n`;
    assert.equal(regenerateScores(readme, "new"), `intro\n${readmeStart}\nnew\n${readmeEnd}\noutro\n`);
    assert.throws(() => regenerateScores("no markers", "new"), /markers/);
});

test("README.md shows the scores of the committed report (npm run mutate regenerates them)", () => {
    const readme = fs.readFileSync(path.join(projectDir, "README.md"), "utf8");
    assert.equal(regenerateScores(readme, currentScoreTable()), readme);
});

test("mutate:survivors lists the undetected mutants of a path prefix with the code they change, by file and line", () => {
    const source = "export const a = 1 + 2;\nexport const b = \"text\";\n";
    const mutant = (status: string, line: number, start: number, end: number, replacement: string) =>
        ({ status, mutatorName: "M", replacement, location: { start: { line, column: start }, end: { line, column: end } } });
    const report = {
        files: {
            "render/x.ts": { source, mutants: [mutant("Survived", 2, 18, 24, '""'), mutant("Killed", 1, 18, 23, "1 - 2"), mutant("NoCoverage", 1, 18, 23, "1 - 2")] },
            "config/y.ts": { source, mutants: [mutant("Survived", 1, 18, 23, "1 - 2")] },
        },
    };
    assert.deepEqual(survivorLines(undetectedMutants(report, "render/")), [
        "render/x.ts:1  no coverage  M  1 + 2 → 1 - 2",
        'render/x.ts:2  survived  M  "text" → ""',
    ]);
    assert.equal(undetectedMutants(report).length, 3, "no prefix: every file");
});
