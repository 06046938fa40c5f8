// zod schemas of config values, for the top-level keys (config.ts's Reader) and the fields of the
// structured keys (apps, redis, receivers) alike: numbers as text, "true" as true, a secure value
// that cannot be decrypted here as a placeholder. `problems` turns zod's issues into messages that
// name the key and the fix: `<key>: <what is wrong>; <the fix>`.
import { z } from "zod";
import { didYouMean } from "./suggest";
import { isRecord } from "../model/typeGuards";
import { hostPortPattern } from "../render/promql";

/** A secure value from a stack file that could not be decrypted here (render without Pulumi). */
export const undecryptedSecret = "<secret: set with pulumi config set --secret>";

/** The config key an issue is about, as the user writes it: `apps[0].targets[1]`. */
export function keyOf(path: readonly PropertyKey[]): string {
    return path.map((p, i) => (typeof p === "number" ? `[${p}]` : i === 0 ? String(p) : `.${String(p)}`)).join("");
}

/** A value as the parser sees it: null is unset, a secure value it cannot decrypt is a placeholder. */
export function plain(v: unknown): unknown {
    if (isRecord(v) && "secure" in v) return undecryptedSecret;
    return v === null ? undefined : v;
}

/** Text: a string, or a number written without quotes. */
export const text = z.union([z.string(), z.number()], {
    error: (iss) => (iss.input === undefined
        ? "required; set it with `pulumi config set {key} <value>`"
        : `expected a string, got ${JSON.stringify(iss.input)}`),
}).transform(String);

/** An item of a plain list key (appNetworks, sshAllowedCidrs): only a string, as before the zod rewrite. */
export const listText = z.string({ error: "expected a string" });

/** `schema`, or undefined when unset (empty counts as unset). */
export function optional<T>(schema: z.ZodType<T, unknown>) {
    return z.preprocess((v) => (v === "" ? undefined : v), schema.optional());
}

export const optionalText = optional(text);

/** Text that must pass `test`; `problem` completes `<key>: "<value>" …`. */
export function checkedText(test: (v: string) => boolean, problem: string, fallback?: string) {
    const checked = text.refine(test, { error: (iss) => `"${String(iss.input)}" ${problem}` });
    return fallback === undefined ? checked : checked.default(fallback);
}

/** Text that must be given (empty counts as unset, so it is reported as required) and pass `test`. */
export function requiredText(test: (v: string) => boolean, problem: string) {
    return z.preprocess((v) => (v === "" ? undefined : v), checkedText(test, problem));
}

/** One of `choices`, `fallback` when unset. */
export function oneOf<const T extends string>(choices: readonly T[], fallback: T, problem: string) {
    return checkedText((v) => (choices as readonly string[]).includes(v), problem, fallback).transform((v) => v as T);
}

export function wholeNumber(fallback: number, min: number, max: number) {
    return z.unknown().optional().transform((v, ctx) => {
        if (v === undefined || v === "") return fallback;
        const n = typeof v === "number" ? v : Number(v);
        if (Number.isInteger(n) && n >= min && n <= max) return n;
        ctx.issues.push({ code: "custom", input: v, message: `${JSON.stringify(v)} is not a whole number from ${min} to ${max}` });
        return fallback;
    });
}

export function flag(fallback: boolean) {
    return z.preprocess((v) => (v === "" ? undefined : v === "true" ? true : v === "false" ? false : v),
        z.boolean({ error: (iss) => `${JSON.stringify(iss.input)} is not true or false` }).default(fallback));
}

/** A list (a JSON string holding one too) of items read by `schema`; `fallback` when unset (empty counts as unset). */
export function list<T>(schema: z.ZodType<T, unknown>, fallback: readonly T[] = []) {
    return z.preprocess((v, ctx) => {
        if (v === "") return undefined;
        if (typeof v !== "string") return v;
        try {
            return JSON.parse(v);
        } catch {
            ctx.issues.push({ code: "custom", input: v, message: "not valid JSON/YAML structured config; set it with `pulumi config set --path`" });
            return v;
        }
    }, z.array(schema, { error: "expected a list" }).default([...fallback]));
}

/**
 * An item of a structured key: an object of `fields` (`expected` completes "expected …" for anything
 * else). A field it does not know is refused by name, with the field it most likely meant.
 */
export function item<S extends z.ZodRawShape>(fields: S, what: string, expected = "an object") {
    const known = Object.keys(fields);
    const unknownField = z.custom(() => false, {
        params: { unknownField: true },
        error: (iss) => {
            const field = String(iss.path?.at(-1));
            return `${what} has no field ${field}; ${didYouMean(field, known, (f) => `{item}.${f}`) ?? `remove it; its fields are ${known.join(", ")}`}`;
        },
    });
    const values = (v: unknown) => (isRecord(v) ? Object.fromEntries(Object.entries(v).map(([f, x]) => [f, plain(x)])) : v);
    // Fields it does not know fail the catch-all; the output holds only the known ones.
    return z.preprocess(values, z.object(fields, { error: `expected ${expected}` }).catchall(unknownField))
        .transform((x) => Object.fromEntries(Object.entries(x).filter(([f]) => known.includes(f))) as z.output<z.ZodObject<S>>);
}

/** The key of the item an issue at `path` is about: `apps[0]` for apps[0].labels.job. */
const itemKey = (path: readonly PropertyKey[]) => keyOf(path.slice(0, typeof path[1] === "number" ? 2 : 1));

/** The issues of the structured key `key` as problems, `<key>: <message>`; `{key}` and `{item}` in a message stand for the keys. */
export function problems(issues: readonly z.core.$ZodIssue[], key: string): string[] {
    return issues.map((iss) => {
        const path = [key, ...iss.path];
        return `${keyOf(path)}: ${iss.message.replaceAll("{key}", keyOf(path)).replaceAll("{item}", itemKey(path))}`;
    });
}

/** Whether the issue is a field the item does not know (see `item`). */
export function isUnknownField(iss: z.core.$ZodIssue): boolean {
    return iss.code === "custom" && iss.params?.unknownField === true;
}

/** RE2, which Prometheus and the blackbox exporter use, has no lookaround and no backreferences; JavaScript would accept them. */
export const notRe2 = /\(\?<?[=!]|\\[1-9]/;
export const isRegExp = (v: string) => { try { return !!new RegExp(v); } catch { return false; } };
/** host:port with a port from 1 to 65535. */
export const isTarget = (v: string) => { const m = hostPortPattern.exec(v); return !!m && Number(m[3]) >= 1 && Number(m[3]) <= 65535; };
/** RFC 1123 host names (with an optional trailing dot). */
export const hostNamePattern = /^(?=.{1,253}\.?$)[A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?(\.[A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?)*\.?$/;
