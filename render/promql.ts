// PromQL built from parts, so a value from the stack configuration can only ever end up as a
// quoted string literal or as a name that passed Prometheus' grammar: one place quotes, one place
// checks names, and no rule pastes a user's string into an expression.

/** Metric names as PromQL accepts them unquoted (Prometheus' classic grammar). */
export const metricNamePattern = /^[a-zA-Z_:][a-zA-Z0-9_:]*$/;
/** Label names as PromQL accepts them unquoted; `__`-prefixed ones are reserved for Prometheus. */
export const labelNamePattern = /^[a-zA-Z_][a-zA-Z0-9_]*$/;
/** A scrape target or SMTP smarthost: host name, IPv4 or [IPv6], then :port. */
export const hostPortPattern = /^(\[[0-9a-fA-F:.]+\]|[A-Za-z0-9]([A-Za-z0-9.-]*[A-Za-z0-9])?):(\d{1,5})$/;

export type MatchOp = "=" | "!=" | "=~" | "!~";

export interface Matcher {
    readonly label: string;
    readonly op: MatchOp;
    readonly value: string;
}

export const eq = (label: string, value: string): Matcher => ({ label, op: "=", value });
export const ne = (label: string, value: string): Matcher => ({ label, op: "!=", value });
/** `value` is an RE2 regular expression, anchored by Prometheus. */
export const re = (label: string, value: string): Matcher => ({ label, op: "=~", value });
export const nre = (label: string, value: string): Matcher => ({ label, op: "!~", value });

const escapes: Readonly<Record<string, string>> = { "\\": "\\\\", "\"": "\\\"", "\n": "\\n", "\r": "\\r", "\t": "\\t" };

/**
 * A PromQL double-quoted string literal holding exactly `value`. PromQL unquotes strings like Go:
 * backslash and double quote are escaped, control characters written as escapes. A regex keeps its
 * own backslashes (`5\d\d` becomes "5\\d\\d", which Prometheus reads back as 5\d\d).
 */
export function quote(value: string): string {
    const body = value.replace(/[\\"\u0000-\u001f\u007f]/g, (c) => escapes[c] ?? `\\x${c.charCodeAt(0).toString(16).padStart(2, "0")}`);
    return `"${body}"`;
}

function checkName(kind: "metric" | "label", name: string): string {
    const pattern = kind === "metric" ? metricNamePattern : labelNamePattern;
    // The config parser refuses such names with a message for the user; reaching here is a bug.
    if (!pattern.test(name)) throw new Error(`${JSON.stringify(name)} is not a valid Prometheus ${kind} name`);
    return name;
}

export function metricName(name: string): string {
    return checkName("metric", name);
}

export function labelName(name: string): string {
    return checkName("label", name);
}

/** The matchers of a selector, without braces: `job="api",status=~"5.."`. */
export function matchers(ms: readonly Matcher[]): string {
    return ms.map((m) => `${labelName(m.label)}${m.op}${quote(m.value)}`).join(",");
}

/** `metric{matchers}`; `metric` alone without matchers; `{matchers}` when metric is "". */
export function selector(metric: string, ...ms: readonly Matcher[]): string {
    if (metric === "" && ms.length === 0) throw new Error("a selector needs a metric name or a matcher");
    const name = metric === "" ? "" : metricName(metric);
    return ms.length === 0 ? name : `${name}{${matchers(ms)}}`;
}

/** `selector[window]`, e.g. rate's argument. `window` is a Prometheus duration such as 5m. */
export function rangeSelector(window: string, metric: string, ...ms: readonly Matcher[]): string {
    if (!/^(\d+(ms|s|m|h|d|w|y))+$/.test(window)) throw new Error(`${JSON.stringify(window)} is not a Prometheus duration`);
    return `${selector(metric, ...ms)}[${window}]`;
}

/** label_replace(expr, "dst", "replacement", "src", "regex") with every string quoted. */
export function labelReplace(expr: string, dst: string, replacement: string, src: string, regex: string): string {
    return `label_replace(${expr}, ${quote(labelName(dst))}, ${quote(replacement)}, ${quote(labelName(src))}, ${quote(regex)})`;
}
