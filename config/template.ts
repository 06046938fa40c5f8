// The annotated example a new stack starts from (templates/Pulumi.stack.example.yaml): every line a
// user must change is marked `# CHANGE:` and holds the placeholder CHANGE-ME, which the parser
// refuses, so a forgotten line stops `pulumi up` and `npm run render` and names its key.
// Pure: text in, text out (scripts/init.ts reads and writes the files).
import { isRecord } from "../model/typeGuards";

/** The value every line to change holds until it is changed. */
export const templatePlaceholder = "CHANGE-ME";
/** The comment that marks a line to change. */
export const changeMarker = "# CHANGE:";
/** The template, relative to the project directory. */
export const stackTemplateFile = "templates/Pulumi.stack.example.yaml";

/** Pulumi's stack names (without an org/project prefix), which also name Pulumi.<stack>.yaml. */
export const stackNamePattern = /^[A-Za-z0-9][A-Za-z0-9_.-]{0,99}$/;

/** The stack file for `stack`: the template with its name filled in. */
export function stackFileFromTemplate(template: string, stack: string): string {
    if (!stackNamePattern.test(stack)) {
        throw new Error(`"${stack}" is not a stack name; use letters, digits, _, . and -, starting with a letter or digit (e.g. prod)`);
    }
    return template.replaceAll("<stack>", stack);
}

/** The lines a user must change: line number (1-based) and what the marker says to put there. */
export function linesToChange(stackFile: string): { line: number; text: string; what: string }[] {
    return stackFile.split("\n").flatMap((text, i) => {
        const at = text.indexOf(changeMarker);
        // A marker after a value; comment lines only talk about markers.
        return at < 0 || text.trimStart().startsWith("#") ? [] : [{ line: i + 1, text: text.slice(0, at).trimEnd(), what: text.slice(at + changeMarker.length).trim() }];
    });
}

/** `key: "…CHANGE-ME…"` problems for every value (nested ones by path) still holding the placeholder. */
export function placeholderProblems(raw: Readonly<Record<string, unknown>>, stack: string): string[] {
    const found: string[] = [];
    const visit = (value: unknown, key: string): void => {
        // Structured values arrive from `pulumi config` as JSON text.
        if (typeof value === "string" && /^[[{]/.test(value)) {
            try {
                return visit(JSON.parse(value) as unknown, key);
            } catch {
                // Not JSON after all: looked at as text below.
            }
        }
        if (typeof value === "string" && value.includes(templatePlaceholder)) found.push(key);
        else if (Array.isArray(value)) value.forEach((v, i) => visit(v, `${key}[${i}]`));
        else if (isRecord(value) && !("secure" in value)) for (const [k, v] of Object.entries(value)) visit(v, `${key}.${k}`);
    };
    for (const [key, value] of Object.entries(raw)) visit(value, key);
    return found.map((key) => `${key}: still the template's ${templatePlaceholder}; set it as the "${changeMarker}" comment on its line in Pulumi.${stack}.yaml says`);
}
