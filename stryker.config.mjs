// Mutation testing of the pure layers (npm run mutate; README "Mutation testing", docs/mutation.md).
// What is mutated lives in mutation/layers.json; which tests may kill a mutant is below.
import { readFileSync } from "node:fs";

const layers = JSON.parse(readFileSync(new URL("./mutation/layers.json", import.meta.url), "utf8"));
const mutate = Object.entries(layers)
    .filter(([name]) => !name.startsWith("$"))
    .flatMap(([, globs]) => globs);

/** @type {import('@stryker-mutator/api/core').PartialStrykerOptions} */
export default {
    // mutation/inProcessRunner.mjs: the node:test files loaded once per worker, each mutant
    // running only the tests that reach it (docs/mutation.md "The runner").
    testRunner: "node-test-in-process",
    plugins: ["./mutation/inProcessRunner.mjs"],
    mutate,
    inProcess: {
        // The tests of the pure layers' behaviour, and the integration tests that check their output
        // with the real tools (promtool, amtool, the blackbox exporter) or run their scripts with bash.
        // Left out, each for its reason in docs/mutation.md "The test set": the Pulumi-mock program
        // tests (test/components), the live rehearsals and bench, the network-namespace tests.
        testFiles: [
            "test/config/*.test.ts",
            "test/render/*.test.ts",
            "test/integration/rules.test.ts",
            "test/integration/tools.test.ts",
            "test/integration/probes-tools.test.ts",
            "test/integration/remote-write-promtool.test.ts",
            "test/integration/push-host-rules.test.ts",
            "test/integration/swap.test.ts",
            "test/integration/upgrade.test.ts",
            "test/integration/backup-script.test.ts",
            "test/integration/data-mount.test.ts",
        ],
        exclude: [
            // It compares the README with the committed report, which this run is about to replace.
            "test/config/mutation-scores.test.ts",
            // It reads model/*.ts as text, which Stryker's instrumentation rewrites.
            "test/config/renovate.test.ts",
            // Golden files: they prove the committed output is fresh, not that it is right; a mutant
            // only they would notice is a behaviour no test pins, so it must count as surviving.
            "test/render/rendered-snapshot.test.ts",
        ],
        excludeTests: [
            "test/integration/rules.test.ts > committed rules/*.yml equal a fresh render",
            "test/render/dashboards.test.ts > the committed dashboards are what dashboards/src builds",
            "test/render/paging.test.ts > docs/runbooks.md carries the bound table of the current code",
        ],
    },
    coverageAnalysis: "perTest",
    // A mutant only in module-level code (a constant table) runs on import, before any test; those
    // tables are pinned by the golden files and the generated README tables. Reported as ignored,
    // outside the score.
    ignoreStatic: true,
    // Results are kept per mutant and reused while neither the mutated code nor its tests change;
    // committed so that every checkout re-runs only what changed since.
    incremental: true,
    incrementalFile: "mutation/stryker-incremental.json",
    concurrency: 2,
    // The machine is shared; a loaded run must not turn slow tests into "timeout" kills.
    timeoutMS: 10000,
    reporters: ["clear-text", "html", "progress"],
    htmlReporter: { fileName: "reports/mutation/mutation.html" },
    thresholds: { high: 90, low: 80, break: null },
    tempDirName: ".stryker-tmp",
    cleanTempDir: "always",
};
