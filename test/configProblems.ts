// The problems a refused configuration reports: one helper for every test of config/ refusals.
import assert from "node:assert/strict";
import { ConfigError } from "../config/parse";

/** The ConfigError problems `parse` throws; fails the test when `parse` accepts (`what` names the input). */
export function refusalProblems(parse: () => unknown, what: unknown): readonly string[] {
    const problems = problemsIfRefused(parse);
    return problems ?? assert.fail(`${typeof what === "string" ? what : JSON.stringify(what)} was accepted`);
}

/** The ConfigError problems `parse` throws, or undefined when it accepts; any other error propagates. */
export function problemsIfRefused(parse: () => unknown): readonly string[] | undefined {
    try {
        parse();
    } catch (e) {
        assert.ok(e instanceof ConfigError, `expected a ConfigError, got ${String(e)}`);
        return e.problems;
    }
    return undefined;
}
