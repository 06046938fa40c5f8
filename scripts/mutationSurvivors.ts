// The mutants no test noticed (survived or without coverage), from the committed report of the last
// `npm run mutate`: one line each, `file:line  mutator  original → replacement`, for review.
// `npm run mutate:survivors [path prefix]`, e.g. `npm run mutate:survivors render/rules.ts`.
import * as fs from "fs";
import { isRecord } from "../model/typeGuards";
import { reportFile } from "./mutationScores";

const undetected = new Set(["Survived", "NoCoverage"]);

export interface Undetected {
    readonly file: string;
    readonly line: number;
    readonly status: string;
    readonly mutator: string;
    readonly original: string;
    readonly replacement: string;
}

/** The undetected mutants of the files starting with `prefix`, by file and line. */
export function undetectedMutants(report: unknown, prefix = ""): Undetected[] {
    if (!isRecord(report) || !isRecord(report.files)) throw new Error("not a mutation-testing report: no `files`");
    const found: Undetected[] = [];
    for (const [file, entry] of Object.entries(report.files)) {
        if (!file.startsWith(prefix) || !isRecord(entry) || !Array.isArray(entry.mutants) || typeof entry.source !== "string") continue;
        const lines = entry.source.split("\n");
        for (const m of entry.mutants) {
            if (!isRecord(m) || typeof m.status !== "string" || !undetected.has(m.status) || !isRecord(m.location) || !isRecord(m.location.start) || !isRecord(m.location.end)) continue;
            const { start, end } = m.location as { start: { line: number; column: number }; end: { line: number; column: number } };
            const original = start.line === end.line
                ? (lines[start.line - 1] ?? "").slice(start.column - 1, end.column - 1)
                : `${(lines[start.line - 1] ?? "").slice(start.column - 1)}…`;
            found.push({ file, line: start.line, status: m.status, mutator: String(m.mutatorName), original, replacement: String(m.replacement ?? "") });
        }
    }
    return found.sort((a, b) => a.file.localeCompare(b.file) || a.line - b.line);
}

export function survivorLines(mutants: readonly Undetected[]): string[] {
    const short = (s: string) => (s.length > 80 ? `${s.slice(0, 77)}…` : s).replace(/\s+/g, " ");
    return mutants.map((m) => `${m.file}:${m.line}  ${m.status === "NoCoverage" ? "no coverage" : "survived"}  ${m.mutator}  ${short(m.original)} → ${short(m.replacement)}`);
}

if (require.main === module) {
    const mutants = undetectedMutants(JSON.parse(fs.readFileSync(reportFile, "utf8")), process.argv[2] ?? "");
    for (const line of survivorLines(mutants)) console.log(line);
    const byFile = new Map<string, number>();
    for (const m of mutants) byFile.set(m.file, (byFile.get(m.file) ?? 0) + 1);
    console.log(`\n${mutants.length} undetected: ${[...byFile].sort((a, b) => b[1] - a[1]).map(([f, n]) => `${f} ${n}`).join(", ")}`);
}
