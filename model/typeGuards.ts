// Narrowing of parsed YAML/JSON (config values, rendered files) without `any`.

export function isRecord(v: unknown): v is Record<string, unknown> {
    return typeof v === "object" && v !== null && !Array.isArray(v);
}

/** The mappings in a list; anything else is dropped. */
export function records(v: unknown): Record<string, unknown>[] {
    return Array.isArray(v) ? v.filter(isRecord) : [];
}
