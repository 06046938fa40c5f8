// Units and address forms of the stack configuration: Prometheus durations and sizes, IP
// addresses and CIDRs. Pure; used by the parser and wherever a value is computed from one.
/** Milliseconds in a Prometheus duration such as "1h30m". */
export function durationMs(text: string): number {
    const units: Record<string, number> = { ms: 1, s: 1e3, m: 60e3, h: 3600e3, d: 86400e3, w: 604800e3, y: 31536000e3 };
    let total = 0;
    for (const m of text.matchAll(/(\d+)(ms|y|w|d|h|m|s)/g)) total += Number(m[1]) * units[m[2]];
    return total;
}

export function isIpv4Address(text: string): boolean {
    return isIpv4Cidr(`${text}/32`);
}

export function isIpv6Address(text: string): boolean {
    return isIpv6Cidr(`${text}/128`);
}

export function isIpv4Cidr(text: string): boolean {
    const m = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})\/(\d{1,2})$/.exec(text);
    return !!m && m.slice(1, 5).every((o) => Number(o) <= 255) && Number(m[5]) <= 32;
}

export function isIpv6Cidr(text: string): boolean {
    const m = /^([0-9a-fA-F:]+)\/(\d{1,3})$/.exec(text);
    if (!m || Number(m[2]) > 128) return false;
    const halves = m[1].split("::");
    if (halves.length > 2) return false;
    const groups = halves.flatMap((h) => (h === "" ? [] : h.split(":")));
    if (!groups.every((g) => /^[0-9a-fA-F]{1,4}$/.test(g))) return false;
    return halves.length === 2 ? groups.length < 8 : groups.length === 8;
}

/** A Prometheus size: a number and a unit, e.g. 512MB, 5GB, 1.5TB. */
export const sizePattern = /^\d+(\.\d+)?(B|KB|MB|GB|TB|PB|EB)$/;

/** Bytes in a Prometheus size such as 5GB (Prometheus counts in powers of 1024). */
export function sizeBytes(text: string): number {
    const m = sizePattern.exec(text);
    if (!m) return NaN;
    const units = ["B", "KB", "MB", "GB", "TB", "PB", "EB"];
    return Number(text.slice(0, -m[2].length)) * 1024 ** units.indexOf(m[2]);
}
