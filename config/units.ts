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

/** An IPv4 address as a 32-bit number (the address must be valid). */
export function ipv4ToNumber(address: string): number {
    return address.split(".").reduce((n, octet) => n * 256 + Number(octet), 0);
}

export function numberToIpv4(n: number): string {
    return [24, 16, 8, 0].map((shift) => Math.floor(n / 2 ** shift) % 256).join(".");
}

/** First and last address of an IPv4 CIDR (the CIDR must be valid). */
export function ipv4CidrBounds(cidr: string): { readonly first: number; readonly last: number } {
    const [base, prefix] = cidr.split("/");
    const size = 2 ** (32 - Number(prefix));
    const first = Math.floor(ipv4ToNumber(base) / size) * size;
    return { first, last: first + size - 1 };
}

/** Whether the IPv4 `address` lies in `cidr` (both valid). */
export function ipv4InCidr(address: string, cidr: string): boolean {
    const { first, last } = ipv4CidrBounds(cidr);
    const n = ipv4ToNumber(address);
    return n >= first && n <= last;
}

/** The "any address" forms a listener binds every interface with. */
export function isUnspecifiedAddress(address: string): boolean {
    if (address === "" || address === "0.0.0.0") return true;
    return isIpv6Address(address) && address.split(":").every((group) => /^0*$/.test(group));
}

/**
 * Ranges no one routes on the internet: RFC 1918, shared address space (100.64.0.0/10, which
 * Tailscale and carrier NAT use), loopback, and IPv6 unique-local (fc00::/7) and loopback. An agent
 * listens only on such an address; a public or all-interfaces one would expose it.
 */
export function isPrivateAddress(address: string): boolean {
    if (isIpv4Address(address)) {
        return ["10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16", "100.64.0.0/10", "127.0.0.0/8"].some((cidr) => ipv4InCidr(address, cidr));
    }
    if (isIpv6Address(address)) return address === "::1" || /^f[cd][0-9a-f]{2}:/i.test(address);
    return false;
}
