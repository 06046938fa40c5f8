// "Did you mean …": the names a mistyped key most likely meant, for config error messages.
// Pure and shared by every parser that refuses an unknown name (keys, item fields, thresholds).

/** Optimal string alignment distance: Levenshtein plus swapping two adjacent letters, case-insensitive. */
export function editDistance(a: string, b: string): number {
    const s = a.toLowerCase();
    const t = b.toLowerCase();
    const d: number[][] = Array.from({ length: s.length + 1 }, (_, i) => [i, ...Array<number>(t.length).fill(0)]);
    for (let j = 1; j <= t.length; j++) d[0][j] = j;
    for (let i = 1; i <= s.length; i++) {
        for (let j = 1; j <= t.length; j++) {
            const cost = s[i - 1] === t[j - 1] ? 0 : 1;
            d[i][j] = Math.min(d[i - 1][j] + 1, d[i][j - 1] + 1, d[i - 1][j - 1] + cost);
            if (i > 1 && j > 1 && s[i - 1] === t[j - 2] && s[i - 2] === t[j - 1]) d[i][j] = Math.min(d[i][j], d[i - 2][j - 2] + 1);
        }
    }
    return d[s.length][t.length];
}

/**
 * The candidates `word` most likely meant: the nearest ones within a third of its length (at
 * least one edit), else, for a word of 4+ letters, those whose beginning it misspells by at most one
 * edit (`retentoin` → retentionTime, retentionSize). At most three, in the candidates' order.
 */
export function closest(word: string, candidates: Iterable<string>): string[] {
    const unique = [...new Set(candidates)];
    const limit = Math.max(1, Math.floor(word.length / 3));
    const scored = unique.map((c) => ({ c, d: editDistance(word, c) })).filter((x) => x.d <= limit);
    if (scored.length > 0) {
        const best = Math.min(...scored.map((x) => x.d));
        return scored.filter((x) => x.d === best).map((x) => x.c).slice(0, 3);
    }
    if (word.length < 4) return [];
    return unique.filter((c) => c.length > word.length && editDistance(word, c.slice(0, word.length)) <= 1).slice(0, 3);
}

/** "did you mean a?" / "did you mean a or b?", or undefined when nothing is close. */
export function didYouMean(word: string, candidates: Iterable<string>, show: (name: string) => string = (n) => n): string | undefined {
    const names = closest(word, candidates).map(show);
    if (names.length === 0) return undefined;
    return `did you mean ${names.length === 1 ? names[0] : `${names.slice(0, -1).join(", ")} or ${names[names.length - 1]}`}?`;
}
