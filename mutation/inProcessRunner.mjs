// Stryker test-runner plugin "node-test-in-process": runs this project's node:test files inside the
// Stryker worker instead of one `node --test` process per file and mutant (Stryker's tap runner,
// about 5 mutants a minute here, because every file re-loads tsx and the code under test).
//
// The test files are loaded once per worker through tsx, with `node:test` answered by a stand-in
// that records each test instead of running it. Then:
// - the initial run runs every test once, recording which mutants each one reaches (perTest coverage);
// - a mutant run switches the mutant on at run time (`__stryker__.activeMutant`), runs only the tests
//   that reach it, cheapest per kill first, and stops at the first failure;
// - a failure counts as a kill only if the same test passes again with the mutant off; otherwise the
//   test depends on the others or on left-over state, and the mutant is reported as an error (outside
//   the score) naming the test, instead of a kill it did not earn;
// - an endless loop ends at Stryker's hit limit and is reported as a timeout.
//
// Mutants that run both on import and in a test ("hybrid") are tested at run time only, without a
// fresh environment: with `ignoreStatic` Stryker asks for exactly that activation, and a reload
// (re-importing every file through tsx, seconds) per such mutant would cost more than the whole rest.
// Any node:test feature the stand-in does not have fails the run, naming it: a test is never silently
// run differently from `npm test`. See docs/mutation.md.
import { commonTokens, declareClassPlugin, PluginKind } from "@stryker-mutator/api/plugin";
import { DryRunStatus, MutantRunStatus, TestStatus, determineHitLimitReached } from "@stryker-mutator/api/test-runner";
import * as fs from "node:fs";
import Module, { createRequire } from "node:module";
import * as path from "node:path";

export const pluginName = "node-test-in-process";

/** Options under `inProcess` in stryker.config.mjs. */
export const strykerValidationSchema = {
    $schema: "http://json-schema.org/draft-07/schema#",
    type: "object",
    properties: {
        inProcess: {
            type: "object",
            description: "The node:test files the in-process runner loads (globs relative to the project, `*` and `**`), and globs left out.",
            properties: {
                testFiles: { type: "array", items: { type: "string" } },
                exclude: { type: "array", items: { type: "string" } },
                excludeTests: { type: "array", items: { type: "string" }, description: "Tests left out, by the start of their id (`<file> > <name>`)." },
            },
            required: ["testFiles"],
            additionalProperties: false,
        },
    },
};

const namespace = "__stryker__";
const strykerGlobal = () => (globalThis[namespace] ??= {});

/** Raised for a node:test feature the stand-in does not provide. */
export class UnsupportedFeature extends Error {
    constructor(feature, where) {
        super(`node:test feature not supported by the in-process mutation runner: ${feature}${where ? ` (${where})` : ""}. `
            + "Add it to mutation/inProcessRunner.mjs or leave the file out of inProcess.testFiles.");
    }
}

class Timeout extends Error {}

/** `*` and `**` globs as regular expressions over project-relative paths. */
function globToRegExp(glob) {
    const escaped = glob.split("**/").map((part) => part.split("*").map((s) => s.replace(/[.+?^${}()|[\]\\]/g, "\\$&")).join("[^/]*"));
    return new RegExp(`^${escaped.join("(?:.*/)?")}$`);
}

function listFiles(root, dir = "") {
    return fs.readdirSync(path.join(root, dir), { withFileTypes: true }).flatMap((e) => {
        const rel = dir ? `${dir}/${e.name}` : e.name;
        if (e.isDirectory()) return e.name === "node_modules" || e.name.startsWith(".") ? [] : listFiles(root, rel);
        return [rel];
    });
}

/** The test files the options select, sorted, relative to `root`. */
export function selectTestFiles(root, { testFiles, exclude = [] }) {
    const included = testFiles.map(globToRegExp);
    const excluded = exclude.map(globToRegExp);
    const top = [...new Set(testFiles.map((g) => g.split("/")[0]))].filter((d) => fs.existsSync(path.join(root, d)));
    return top.flatMap((d) => (fs.statSync(path.join(root, d)).isDirectory() ? listFiles(root, d) : [d]))
        .filter((f) => included.some((p) => p.test(f)) && !excluded.some((p) => p.test(f)))
        .sort();
}

/** Where in `file` the caller declared a test: zero-based line and column, from the stack (tsx maps it to the source). */
function declaredAt(file) {
    const stack = new Error().stack ?? "";
    for (const line of stack.split("\n")) {
        const m = /\(?((?:file:\/\/)?[^()\s]+):(\d+):(\d+)\)?$/.exec(line.trim());
        if (!m) continue;
        const frameFile = m[1].startsWith("file://") ? new URL(m[1]).pathname : m[1];
        if (frameFile === file) return { line: Number(m[2]) - 1, column: Number(m[3]) - 1 };
    }
    return undefined;
}

function withTimeout(promise, ms, what) {
    let timer;
    const timeout = new Promise((_, reject) => { timer = setTimeout(() => reject(new Timeout(`${what} ran over ${ms} ms`)), ms); });
    return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

const knownTestOptions = new Set(["skip", "todo", "timeout", "concurrency"]);

/**
 * The recorded tests of the loaded files and the `node:test` stand-in that records them.
 * Exported for the runner's own tests.
 */
export class TestRegistry {
    tests = [];
    /** Scopes (a file or a describe) with their once-only before hooks and their after hooks. */
    scopes = [];
    #file;
    #scope;
    #ids = new Set();

    /** The module that `require("node:test")` answers while test files load. */
    nodeTest() {
        const registry = this;
        const test = (name, options, fn) => registry.#register(name, options, fn, {});
        test.skip = (name, options, fn) => registry.#register(name, options, fn, { skip: true });
        test.todo = (name, options, fn) => registry.#register(name, options, fn, { todo: true });
        test.only = () => { throw new UnsupportedFeature("test.only", registry.#file); };
        const describe = (name, fn) => registry.#describe(name, fn);
        describe.skip = (name) => { throw new UnsupportedFeature(`describe.skip (${name})`, registry.#file); };
        const hook = (kind) => (fn) => {
            if (kind === "before") registry.#scope.before.push(fn);
            else if (kind === "after") registry.#scope.after.push(fn);
            else throw new UnsupportedFeature(kind, registry.#file);
        };
        return {
            test, it: test, describe, suite: describe,
            before: hook("before"), after: hook("after"),
            beforeEach: hook("beforeEach"), afterEach: hook("afterEach"),
            mock: new Proxy({}, { get: () => { throw new UnsupportedFeature("mock", registry.#file); } }),
            default: test,
        };
    }

    /** Loads one test file with `load`, recording its tests under `file` (absolute) shown as `relative`. */
    loadFile(file, relative, load) {
        this.#file = file;
        this.#scope = { names: [], before: [], after: [], beforeDone: undefined, relative };
        this.scopes.push(this.#scope);
        try { load(file); } finally { this.#file = undefined; this.#scope = undefined; }
    }

    #describe(name, fn) {
        if (!this.#scope) throw new UnsupportedFeature(`describe "${name}" outside a file's top level`);
        const outer = this.#scope;
        const scope = { names: [...outer.names, name], before: [], after: [], beforeDone: undefined, parent: outer, relative: outer.relative };
        this.scopes.push(scope);
        this.#scope = scope;
        try {
            const result = fn();
            if (result && typeof result.then === "function") throw new UnsupportedFeature(`async describe "${name}"`, this.#file);
        } finally { this.#scope = outer; }
    }

    #register(name, options, fn, flags) {
        if (!this.#scope) throw new UnsupportedFeature(`test "${name}" declared while tests run (use t.test)`);
        if (typeof options === "function") { fn = options; options = {}; }
        options ??= {};
        for (const key of Object.keys(options)) if (!knownTestOptions.has(key)) throw new UnsupportedFeature(`test option ${key}`, this.#file);
        if (typeof fn !== "function" && !flags.todo) throw new UnsupportedFeature(`test "${name}" without a function`, this.#file);
        const scope = this.#scope;
        const fullName = [...scope.names, name].join(" > ");
        let id = `${scope.relative} > ${fullName}`;
        for (let n = 2; this.#ids.has(id); n++) id = `${scope.relative} > ${fullName} #${n}`;
        this.#ids.add(id);
        this.tests.push({
            id, name: fullName, fileName: this.#file, fn, scope,
            skip: Boolean(flags.skip || options.skip || flags.todo || options.todo),
            timeout: typeof options.timeout === "number" ? options.timeout : undefined,
            startPosition: declaredAt(this.#file),
        });
    }
}

/** Runs the `before` hooks of a test's scopes once, outermost first; a failed hook fails every test under it. */
async function beforeHooks(scope) {
    if (scope.parent) await beforeHooks(scope.parent);
    scope.beforeDone ??= (async () => { for (const fn of scope.before) await fn(); })();
    await scope.beforeDone;
}

/** The `t` a test receives: what the project's tests use, and an error for anything else. */
function testContext(name, state) {
    const ctx = {
        name,
        skip: (message) => { state.skipped = message ?? true; },
        todo: (message) => { state.skipped = message ?? true; },
        diagnostic: () => {},
        after: (fn) => { state.after.push(fn); },
        test: async (subName, options, fn) => {
            if (typeof options === "function") fn = options;
            const sub = { skipped: false, after: [] };
            try { await fn(testContext(`${name} > ${subName}`, sub)); } finally { for (const a of sub.after.reverse()) await a(); }
        },
        signal: new AbortController().signal,
    };
    return new Proxy(ctx, {
        get(target, prop) {
            if (prop in target || typeof prop === "symbol" || prop === "then") return target[prop];
            throw new UnsupportedFeature(`t.${String(prop)}`, name);
        },
    });
}

function message(error) {
    if (error instanceof Error) return error.stack ?? error.message;
    return String(error);
}

/** Runs one test; resolves to "passed", "skipped" or { failure }, or rejects with Timeout. */
export async function runOne(test, timeoutMs) {
    if (test.skip) return "skipped";
    const state = { skipped: false, after: [] };
    try {
        await beforeHooks(test.scope);
        const limit = Math.min(timeoutMs, test.timeout ?? Infinity);
        await withTimeout(Promise.resolve().then(() => test.fn(testContext(test.name, state))), limit, `test "${test.name}"`);
        return state.skipped ? "skipped" : "passed";
    } catch (error) {
        if (error instanceof Timeout) throw error;
        return { failure: message(error) };
    } finally {
        for (const fn of state.after.reverse()) {
            try { await fn(); } catch { /* a clean-up failure does not change the verdict */ }
        }
    }
}

export class InProcessTestRunner {
    static inject = [commonTokens.options, commonTokens.logger];
    #options;
    #log;
    #registry;
    #byId = new Map();
    /** Per test id: time of its last run and how many mutants it killed, to order a mutant's tests. */
    #cost = new Map();

    constructor(options, logger) {
        this.#options = options.inProcess;
        this.#log = logger;
        if (!this.#options?.testFiles?.length) throw new Error(`${pluginName}: set inProcess.testFiles in the Stryker config`);
    }

    /** The cost record of a test, created on first use. */
    #costOf(id) {
        let cost = this.#cost.get(id);
        if (!cost) this.#cost.set(id, (cost = { ms: 0, kills: 0 }));
        return cost;
    }

    capabilities() {
        // Claimed so that Stryker does not restart the worker around every hybrid mutant; they are run
        // at run time only (the header of this file says why).
        return { reloadEnvironment: true };
    }

    async init() {
        const root = process.cwd();
        const requireFromProject = createRequire(path.join(root, "package.json"));
        requireFromProject("tsx/cjs/api").register();
        requireFromProject("tsx/esm/api").register();
        this.#registry = new TestRegistry();
        const standIn = this.#registry.nodeTest();
        const originalLoad = Module._load;
        Module._load = function (request, parent, isMain) {
            if (request === "node:test" || request === "test") return standIn;
            return originalLoad.call(this, request, parent, isMain);
        };
        const files = selectTestFiles(root, this.#options);
        if (files.length === 0) throw new Error(`${pluginName}: inProcess.testFiles selects no file under ${root}`);
        for (const relative of files) this.#registry.loadFile(path.join(root, relative), relative, requireFromProject);
        const left = this.#options.excludeTests ?? [];
        const unmatched = left.filter((prefix) => !this.#registry.tests.some((t) => t.id.startsWith(prefix)));
        if (unmatched.length) throw new Error(`${pluginName}: inProcess.excludeTests names no loaded test: ${unmatched.join("; ")}`);
        this.#registry.tests = this.#registry.tests.filter((t) => !left.some((prefix) => t.id.startsWith(prefix)));
        for (const test of this.#registry.tests) this.#byId.set(test.id, test);
        this.#log.info(`${pluginName}: ${this.#registry.tests.length} tests in ${files.length} files loaded`);
    }

    async dispose() {
        // Only where a test ran: a worker that never ran a file's tests never ran its `before` either.
        for (const scope of (this.#registry?.scopes ?? []).filter((s) => s.beforeDone !== undefined).reverse()) {
            for (const fn of scope.after) {
                try { await fn(); } catch (error) { this.#log.warn(`after hook of ${scope.relative} failed: ${message(error)}`); }
            }
        }
    }

    async dryRun(options) {
        const ns = strykerGlobal();
        ns.activeMutant = undefined;
        ns.hitLimit = undefined;
        ns.hitCount = undefined;
        // The instrumented files keep a reference to this object (from their first cover() call): never replace it.
        const coverage = (ns.mutantCoverage ??= { static: {}, perTest: {} });
        const perTest = options.coverageAnalysis === "perTest";
        const results = [];
        const deadline = Date.now() + options.timeout;
        try {
            for (const test of this.#registry.tests) {
                ns.currentTestId = perTest ? test.id : undefined;
                const started = performance.now();
                let outcome;
                try {
                    outcome = await runOne(test, Math.max(1, deadline - Date.now()));
                } catch (error) {
                    if (error instanceof Timeout) return { status: DryRunStatus.Timeout, reason: error.message };
                    throw error;
                }
                const timeSpentMs = performance.now() - started;
                this.#costOf(test.id).ms = timeSpentMs;
                const base = { id: test.id, name: test.name, fileName: test.fileName, startPosition: test.startPosition, timeSpentMs };
                if (outcome === "passed") results.push({ ...base, status: TestStatus.Success });
                else if (outcome === "skipped") results.push({ ...base, status: TestStatus.Skipped });
                else results.push({ ...base, status: TestStatus.Failed, failureMessage: outcome.failure });
            }
        } finally {
            ns.currentTestId = undefined;
        }
        return {
            status: DryRunStatus.Complete,
            tests: results,
            mutantCoverage: options.coverageAnalysis === "off" ? undefined : structuredClone(coverage),
        };
    }

    async mutantRun(options) {
        const ns = strykerGlobal();
        ns.currentTestId = undefined;
        const ids = options.testFilter ?? this.#registry.tests.map((t) => t.id);
        const tests = ids.map((id) => {
            const test = this.#byId.get(id);
            if (!test) throw new Error(`${pluginName}: Stryker asked for unknown test ${id}`);
            return test;
        });
        // Cheapest per kill first. Only the worker that did the initial run knows every test's time;
        // the others learn it from their own runs (an unknown test counts as free, so it runs early once).
        const costPerKill = (t) => { const c = this.#costOf(t.id); return c.ms / (c.kills + 1); };
        tests.sort((a, b) => costPerKill(a) - costPerKill(b));
        const deadline = Date.now() + options.timeout;
        const killedBy = [];
        let failureMessage = "";
        let ran = 0;
        ns.activeMutant = options.activeMutant.id;
        ns.hitLimit = options.hitLimit;
        ns.hitCount = options.hitLimit === undefined ? undefined : 0;
        try {
            for (const test of tests) {
                const started = performance.now();
                const outcome = await runOne(test, Math.max(1, deadline - Date.now()));
                this.#costOf(test.id).ms = performance.now() - started;
                ran++;
                const hitLimit = determineHitLimitReached(ns.hitCount, ns.hitLimit);
                if (hitLimit) return hitLimit;
                if (typeof outcome === "object") {
                    killedBy.push(test.id);
                    failureMessage ||= outcome.failure;
                    if (!options.disableBail) break;
                }
            }
        } catch (error) {
            if (error instanceof Timeout) return { status: MutantRunStatus.Timeout, reason: error.message };
            throw error;
        } finally {
            ns.activeMutant = undefined;
            ns.hitLimit = undefined;
            ns.hitCount = undefined;
        }
        if (killedBy.length === 0) return { status: MutantRunStatus.Survived, nrOfTests: ran };
        // A kill must be the mutant's doing: the test passes again with the mutant off.
        for (const id of killedBy) {
            const again = await runOne(this.#byId.get(id), options.timeout).catch((error) => ({ failure: message(error) }));
            if (typeof again === "object") {
                return {
                    status: MutantRunStatus.Error,
                    errorMessage: `${id} also fails with the mutant off: it depends on other tests or on state an earlier run left behind. ${again.failure}`,
                };
            }
        }
        for (const id of killedBy) this.#costOf(id).kills++;
        return { status: MutantRunStatus.Killed, killedBy, failureMessage, nrOfTests: ran };
    }
}

export const strykerPlugins = [declareClassPlugin(PluginKind.TestRunner, pluginName, InProcessTestRunner)];
