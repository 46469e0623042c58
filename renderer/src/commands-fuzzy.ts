// A small fuzzy scorer for the command palette: every character of a query word must appear in order
// in the text (a subsequence, case-insensitive); matches at word starts and runs of consecutive
// characters score higher, so "sw ctx" finds "Switch context …" before "Show … text". Pure.

export interface FuzzyMatch {
  score: number;
  /** Indices of `text` that matched, for highlighting. */
  indices: number[];
}

const WORD_BREAK = /[\s/._:\-()[\]"'«»]/;

function isWordStart(text: string, i: number): boolean {
  if (i === 0) return true;
  const before = text[i - 1]!;
  if (WORD_BREAK.test(before)) return true;
  // camelCase boundary
  const c = text[i]!;
  return before === before.toLowerCase() && c !== c.toLowerCase();
}

/** The score of a set of matched positions: word starts and consecutive runs count, gaps and a late start cost. */
function scoreOf(text: string, indices: readonly number[]): number {
  let score = 0;
  indices.forEach((i, k) => {
    score += 1;
    if (isWordStart(text, i)) score += 8;
    const prev = indices[k - 1];
    if (prev !== undefined) score += i === prev + 1 ? 5 : -Math.min(i - prev - 1, 5);
  });
  return score - Math.min(indices[0] ?? 0, 20) / 4;
}

/** Scores one query word against `text`; null when it is not a subsequence. */
export function fuzzyWord(word: string, text: string): FuzzyMatch | null {
  if (word === "") return { score: 0, indices: [] };
  const lower = text.toLowerCase();
  const q = word.toLowerCase();
  const candidates: number[][] = [];
  // A plain substring: the first one at a word start, else the first one.
  let at = -1;
  for (let i = lower.indexOf(q); i >= 0; i = lower.indexOf(q, i + 1)) {
    if (at < 0) at = i;
    if (isWordStart(text, i)) {
      at = i;
      break;
    }
  }
  if (at >= 0) candidates.push(Array.from({ length: q.length }, (_, k) => at + k));
  // A subsequence preferring word starts: each character at the next word start that has it (when
  // not continuing a run), else at its next occurrence.
  const indices: number[] = [];
  let from = 0;
  for (const ch of q) {
    const plain = lower.indexOf(ch, from);
    if (plain < 0) return candidates.length ? best(text, candidates) : null;
    const prev = indices[indices.length - 1];
    let found = plain;
    if (prev === undefined || plain !== prev + 1) {
      for (let i = plain; i < lower.length; i++) {
        if (lower[i] === ch && isWordStart(text, i)) {
          found = i;
          break;
        }
      }
    }
    indices.push(found);
    from = found + 1;
  }
  candidates.push(indices);
  return best(text, candidates);
}

function best(text: string, candidates: number[][]): FuzzyMatch {
  let top: FuzzyMatch | null = null;
  for (const indices of candidates) {
    const score = scoreOf(text, indices);
    if (!top || score > top.score) top = { score, indices };
  }
  return top!;
}

/**
 * Scores a whole query (words separated by spaces, any order) against a title and extra keywords.
 * Every word must match the title or a keyword; title matches count more and give the highlights.
 */
export function fuzzyScore(query: string, title: string, keywords: readonly string[] = []): FuzzyMatch | null {
  const words = query.trim().split(/\s+/).filter(Boolean);
  if (words.length === 0) return { score: 0, indices: [] };
  let score = 0;
  const indices = new Set<number>();
  for (const word of words) {
    const inTitle = fuzzyWord(word, title);
    let best: FuzzyMatch | null = inTitle;
    let fromTitle = inTitle !== null;
    for (const keyword of keywords) {
      const m = fuzzyWord(word, keyword);
      // A keyword counts a little less than the title.
      if (m && (!best || m.score - 10 > best.score)) {
        best = { score: m.score - 10, indices: [] };
        fromTitle = false;
      }
    }
    if (!best) return null;
    score += best.score;
    if (fromTitle) for (const i of best.indices) indices.add(i);
  }
  return { score, indices: [...indices].sort((a, b) => a - b) };
}
