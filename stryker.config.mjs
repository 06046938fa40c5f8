// Mutation testing of the pure layers (npm run mutate; README "Mutation testing").
// What is mutated lives in mutation/layers.json; which tests may kill a mutant is below.
import { readFileSync } from "node:fs";

const layers = JSON.parse(readFileSync(new URL("./mutation/layers.json", import.meta.url), "utf8"));
const mutate = Object.entries(layers)
    .filter(([name]) => !name.startsWith("$"))
    .flatMap(([, globs]) => globs);

/** @type {import('@stryker-mutator/api/core').PartialStrykerOptions} */
export default {
    testRunner: "tap",
    plugins: ["@stryker-mutator/tap-runner"],
    mutate,
    tap: {
        // The fast unit tests only: not the live rehearsals, not the Pulumi-mock program tests
        // (seconds per file; they would run for nearly every mutant), not the bench.
        // Not test/components/ (Pulumi mocks), metadata-block (network namespaces), swap (live
        // processes), thresholds (a promtool run per threshold).
        testFiles: [
            // Not mutation-scores (it compares the README with the committed report, which the
            // running Stryker is about to replace) nor renovate (it reads model/*.ts as text, which
            // Stryker's instrumentation rewrites): both fail the sandbox's initial run and neither
            // tests the mutated code's behaviour.
            "test/config/!(mutation-scores|renovate).test.ts",
            "test/render/*.test.ts",
            "test/integration/rules.test.ts",
            "test/integration/tools.test.ts",
        ],
        nodeArgs: ["--test-reporter=tap", "--import", "tsx", "-r", "{{hookFile}}", "{{testFile}}"],
    },
    // Each mutant runs only the test files that executed it.
    coverageAnalysis: "perTest",
    // A mutant in module-level code (a constant table) is executed on import, by every file, so
    // it would re-run every test file (about 20 s each); those tables are pinned by the golden
    // files and the generated README tables instead. Reported as "ignored", outside the score.
    ignoreStatic: true,
    // Results are kept per mutant and reused while neither the mutated code nor its tests change;
    // committed so that every checkout (and CI) re-runs only what changed since.
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
