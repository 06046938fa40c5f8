// `npm run mutate` for real: StrykerJS with this project's in-process node:test runner
// (mutation/inProcessRunner.mjs). On a fixture project, each verdict the mutation score is made of
// must come out as it should: a checked change killed by exactly the test that checks it, an
// unchecked one surviving, unreached code without coverage, an endless loop a timeout, each test
// reported where it is declared, and a node:test feature the runner lacks failing the run instead of
// running a test differently. Then this project's own initial run: every test of the mutation test
// set loads and passes in process (a test that fails there would stop `npm run mutate` at its start).
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { after, test } from "node:test";
import { projectDir } from "../../config/stackFiles";

const stryker = path.join(projectDir, "node_modules", ".bin", "stryker");
const runner = path.join(projectDir, "mutation", "inProcessRunner.mjs");
const scratch = fs.mkdtempSync(path.join(os.tmpdir(), "mutation-runner-"));
after(() => fs.rmSync(scratch, { recursive: true, force: true }));

const library = `export function add(a: number, b: number): number {
    return a + b;
}

export function greeting(name: string): string {
    return \`hello \${name}\`;
}

export function countTo(n: number): number {
    let total = 0;
    for (let i = 0; i < n; i++) total += 1;
    return total;
}

export function unreached(): string {
    return "never called";
}
`;

const libraryTests = `import assert from "node:assert/strict";
import { test } from "node:test";
import { add, countTo, greeting } from "../src/lib";

test("add adds", () => {
    assert.equal(add(2, 3), 5);
});

test("greeting runs but nobody checks what it says", () => {
    greeting("x");
});

test("countTo counts", () => {
    assert.equal(countTo(3), 3);
});
`;

interface Fixture { readonly dir: string; readonly status: number | null; readonly output: string }

/** A project with `files`, mutated and tested by Stryker through the in-process runner. */
function runFixture(name: string, files: Record<string, string>, extraArgs: readonly string[] = []): Fixture {
    const dir = path.join(scratch, name);
    for (const [file, content] of Object.entries({
        "package.json": JSON.stringify({ name, private: true, type: "commonjs" }),
        "stryker.config.mjs": `export default ${JSON.stringify({
            testRunner: "node-test-in-process",
            plugins: [runner],
            mutate: ["src/**/*.ts"],
            inProcess: { testFiles: ["test/*.test.ts"] },
            coverageAnalysis: "perTest",
            reporters: ["json"],
            jsonReporter: { fileName: "report.json" },
            // Two workers: only one does the initial run, and the other must test mutants all the same.
            concurrency: 2,
            timeoutMS: 5000,
            tempDirName: path.join(dir, ".stryker-tmp"),
            cleanTempDir: "always",
        })};\n`,
        ...files,
    })) {
        fs.mkdirSync(path.dirname(path.join(dir, file)), { recursive: true });
        fs.writeFileSync(path.join(dir, file), content);
    }
    fs.symlinkSync(path.join(projectDir, "node_modules"), path.join(dir, "node_modules"));
    const result = spawnSync(stryker, ["run", ...extraArgs], { cwd: dir, encoding: "utf8", timeout: 180_000 });
    return { dir, status: result.status, output: `${result.stdout}\n${result.stderr}` };
}

interface ReportMutant {
    readonly mutatorName: string;
    readonly replacement: string;
    readonly status: string;
    readonly location: { readonly start: { readonly line: number } };
    readonly coveredBy?: readonly string[];
    readonly killedBy?: readonly string[];
}
interface Report {
    readonly files: Record<string, { readonly mutants: readonly ReportMutant[] }>;
    readonly testFiles: Record<string, { readonly tests: readonly { readonly id: string; readonly name: string; readonly location?: { readonly start: { readonly line: number } } }[] }>;
}

test("Stryker with the in-process runner: killed, survived, no coverage and timeout, each where it belongs", () => {
    const run = runFixture("verdicts", { "src/lib.ts": library, "test/lib.test.ts": libraryTests });
    assert.equal(run.status, 0, run.output);
    // Each worker loads the test files once: a runner error makes Stryker restart the worker and
    // retry (the verdicts may still come out right, but every restart costs a reload).
    assert.equal(run.output.match(/node-test-in-process: 3 tests in 1 files loaded/g)?.length, 2, run.output);
    const report = JSON.parse(fs.readFileSync(path.join(run.dir, "report.json"), "utf8")) as Report;
    const mutants = report.files["src/lib.ts"]?.mutants ?? [];
    const tests = report.testFiles["test/lib.test.ts"]?.tests ?? [];
    const testId = (name: string) => {
        const found = tests.find((t) => t.name === name);
        assert.ok(found, `test "${name}" in the report: ${tests.map((t) => t.name).join(", ")}`);
        return found.id;
    };
    const mutant = (line: number, mutatorName: string) => {
        const found = mutants.filter((m) => m.location.start.line === line && m.mutatorName === mutatorName);
        assert.equal(found.length, 1, `one ${mutatorName} mutant on line ${line}: ${JSON.stringify(mutants.map((m) => [m.location.start.line, m.mutatorName]))}`);
        return found[0];
    };

    const minus = mutant(2, "ArithmeticOperator");
    assert.equal(minus.status, "Killed");
    assert.deepEqual(minus.killedBy, [testId("add adds")]);
    assert.deepEqual(minus.coveredBy, [testId("add adds")], "covered by the test that calls add, not by every test of the file");

    const emptied = mutant(6, "StringLiteral");
    assert.equal(emptied.status, "Survived", "nobody checks the greeting");
    assert.deepEqual(emptied.coveredBy, [testId("greeting runs but nobody checks what it says")]);

    assert.equal(mutant(11, "UpdateOperator").status, "Timeout", "i-- never reaches n: the hit limit ends it");
    assert.equal(mutant(16, "StringLiteral").status, "NoCoverage");

    // Where each test is declared (1-based in the report), so that an edit elsewhere in the file
    // does not make an incremental run re-test what this test covers.
    const declared = libraryTests.split("\n").flatMap((line, i) => (line.startsWith("test(") ? [i + 1] : []));
    assert.deepEqual(tests.map((t) => t.location?.start.line), declared);
});

test("a node:test feature the in-process runner lacks fails the run, naming it", () => {
    const run = runFixture("unsupported", {
        "src/lib.ts": library,
        "test/lib.test.ts": `import assert from "node:assert/strict";\nimport { beforeEach, test } from "node:test";\nimport { add } from "../src/lib";\nbeforeEach(() => {});\ntest("add adds", () => assert.equal(add(1, 1), 2));\n`,
    }, ["--dryRunOnly"]);
    assert.notEqual(run.status, 0, run.output);
    assert.match(run.output, /node:test feature not supported by the in-process mutation runner: beforeEach/);
});

test("npm run mutate's initial run: every test of the mutation test set loads and passes in process", () => {
    const result = spawnSync(stryker, ["run", "--dryRunOnly", "--incrementalFile", path.join(scratch, "incremental.json"), "--force",
        "--tempDirName", path.join(scratch, "project-sandbox"), "--reporters", "clear-text"], { cwd: projectDir, encoding: "utf8", timeout: 600_000 });
    const output = `${result.stdout}\n${result.stderr}`;
    assert.equal(result.status, 0, output);
    assert.match(output, /Initial test run succeeded\. Ran \d+ tests/);
});
