import { describe, expect, it } from "vitest";
import { fuzzyScore, fuzzyWord } from "./commands-fuzzy.ts";

describe("fuzzy scorer", () => {
  it("matches subsequences, case-insensitively, and refuses what is not one", () => {
    expect(fuzzyWord("swc", "Switch context")?.indices).toEqual([0, 1, 7]);
    expect(fuzzyWord("SWITCH", "switch")).not.toBeNull();
    expect(fuzzyWord("xyz", "Switch context")).toBeNull();
    expect(fuzzyWord("tcx", "context")).toBeNull(); // order matters
  });

  it("ranks a substring at a word start above scattered letters", () => {
    const start = fuzzyWord("web", "Open web (demo)")!;
    const scattered = fuzzyWord("web", "Show everything below")!;
    expect(start.score).toBeGreaterThan(scattered.score);
    expect(start.indices).toEqual([5, 6, 7]);
  });

  it("prefers word starts for abbreviations", () => {
    const initials = fuzzyWord("sc", "Switch context")!;
    expect(initials.indices).toEqual([0, 7]);
    expect(fuzzyWord("sc", "Switch context")!.score).toBeGreaterThan(fuzzyWord("sc", "Discard")!.score);
  });

  it("needs every word of the query, in any order, in the title or a keyword", () => {
    expect(fuzzyScore("kind ctx", "Switch to context kind-dev")).not.toBeNull();
    expect(fuzzyScore("kind prod", "Switch to context kind-dev")).toBeNull();
    // A keyword finds it, but highlights only come from the title.
    const byKeyword = fuzzyScore("acme", "Switch to context shop", ["gke_acme_europe-west1_shop"]);
    expect(byKeyword).toEqual({ score: expect.any(Number), indices: [] });
    expect(fuzzyScore("", "anything")).toEqual({ score: 0, indices: [] });
  });
});
