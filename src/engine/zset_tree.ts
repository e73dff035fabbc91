// The ordered half of a big sorted set: a counted B+tree of (score, member) entries. Leaves hold
// parallel arrays (members, scores) and are linked both ways for range walks; inner nodes keep
// each child's entry count (rank and select in O(log n)) and a lower bound of each child's keys
// (routing). A B+tree rather than a skiplist: V8 keeps a leaf's scores as one unboxed double
// array and its members as one pointer array, where a skiplist needs an object and two arrays
// per entry (~150 bytes against ~20), and walks far fewer pointers per lookup.
//
// Separators are lower bounds, not exact minima: deleting a child's first entry leaves its
// separator below the new first key, which still routes correctly, since every key of child i
// stays in [sep[i], sep[i + 1]).

/** Entries per leaf, and children per inner node, at most. */
const MAX = 64;
/** A node below this many tries to merge with a neighbour. */
const MIN = MAX >> 2;

export class Leaf {
  members: string[] = [];
  scores: number[] = [];
  next: Leaf | null = null;
  prev: Leaf | null = null;
}

class Inner {
  children: Node[] = [];
  counts: number[] = [];
  sepScores: number[] = [];
  sepMembers: string[] = [];
}

type Node = Leaf | Inner;

/** (s1, m1) < (s2, m2) in sorted-set order: by score, then by member bytes. */
function less(s1: number, m1: string, s2: number, m2: string): boolean {
  return s1 < s2 || (s1 === s2 && m1 < m2);
}

/** What `countBelow` counts: entries with score < x, score ≤ x, member < x, member ≤ x. */
export const SCORE_LT = 0;
export const SCORE_LE = 1;
export const LEX_LT = 2;
export const LEX_LE = 3;

function below(mode: number, score: number, member: string, s: number, m: string): boolean {
  switch (mode) {
    case SCORE_LT:
      return score < s;
    case SCORE_LE:
      return score <= s;
    case LEX_LT:
      return member < m;
    default:
      return member <= m;
  }
}

/** Where `select` left off: a leaf and an index in it. */
export interface Cursor {
  leaf: Leaf;
  index: number;
}

export class ZTree {
  #root: Node = new Leaf();
  #size = 0;
  /** The leftmost and rightmost leaves (walk starts for pops and full ranges). */
  #first: Leaf;
  #last: Leaf;

  constructor() {
    this.#first = this.#root as Leaf;
    this.#last = this.#first;
  }

  get size(): number {
    return this.#size;
  }

  get first(): Leaf {
    return this.#first;
  }

  get last(): Leaf {
    return this.#last;
  }

  /** Inserts an entry known to be absent. */
  insert(score: number, member: string): void {
    const split = this.#insert(this.#root, score, member);
    this.#size++;
    if (split !== null) {
      const root = new Inner();
      const old = this.#root;
      root.children.push(old, split);
      root.counts.push(nodeCount(old), nodeCount(split));
      const [s0, m0] = firstKey(old);
      root.sepScores.push(s0, splitScore);
      root.sepMembers.push(m0, splitMember);
      this.#root = root;
    }
  }

  #insert(node: Node, score: number, member: string): Node | null {
    if (node instanceof Leaf) {
      const i = leafSearch(node, score, member);
      insertAt(node.members, i, member);
      insertAt(node.scores, i, score);
      if (node.members.length <= MAX) return null;
      const right = new Leaf();
      const half = node.members.length >> 1;
      right.members = node.members.splice(half);
      right.scores = node.scores.splice(half);
      right.next = node.next;
      right.prev = node;
      if (node.next !== null) node.next.prev = right;
      else this.#last = right;
      node.next = right;
      splitScore = right.scores[0]!;
      splitMember = right.members[0]!;
      return right;
    }
    const i = route(node, score, member);
    const child = node.children[i]!;
    if (i === 0 && less(score, member, node.sepScores[0]!, node.sepMembers[0]!)) {
      node.sepScores[0] = score;
      node.sepMembers[0] = member;
    }
    const split = this.#insert(child, score, member);
    if (split === null) {
      node.counts[i]!++;
      return null;
    }
    node.counts[i] = nodeCount(child);
    insertAt(node.children, i + 1, split);
    insertAt(node.counts, i + 1, nodeCount(split));
    insertAt(node.sepScores, i + 1, splitScore);
    insertAt(node.sepMembers, i + 1, splitMember);
    if (node.children.length <= MAX) return null;
    const right = new Inner();
    const half = node.children.length >> 1;
    right.children = node.children.splice(half);
    right.counts = node.counts.splice(half);
    right.sepScores = node.sepScores.splice(half);
    right.sepMembers = node.sepMembers.splice(half);
    splitScore = right.sepScores[0]!;
    splitMember = right.sepMembers[0]!;
    return right;
  }

  /** Removes an entry known to be present. */
  remove(score: number, member: string): void {
    this.#remove(this.#root, score, member);
    this.#size--;
    const root = this.#root;
    if (root instanceof Inner && root.children.length === 1) this.#root = root.children[0]!;
  }

  #remove(node: Node, score: number, member: string): void {
    if (node instanceof Leaf) {
      const i = leafSearch(node, score, member);
      removeAt(node.members, i);
      removeAt(node.scores, i);
      return;
    }
    const i = route(node, score, member);
    const child = node.children[i]!;
    this.#remove(child, score, member);
    node.counts[i]!--;
    if (nodeWidth(child) < MIN) this.#rebalance(node, i);
  }

  /** Merges child i of `parent` into a neighbour when both fit in one node. */
  #rebalance(parent: Inner, i: number): void {
    const child = parent.children[i]!;
    const width = nodeWidth(child);
    if (width === 0 && parent.children.length > 1) {
      this.#drop(parent, i);
      return;
    }
    if (i > 0 && nodeWidth(parent.children[i - 1]!) + width <= MAX) this.#merge(parent, i - 1);
    else if (
      i + 1 < parent.children.length && nodeWidth(parent.children[i + 1]!) + width <= MAX
    ) this.#merge(parent, i);
  }

  /** Moves child i+1's entries to the end of child i and drops child i+1. */
  #merge(parent: Inner, i: number): void {
    const left = parent.children[i]!;
    const right = parent.children[i + 1]!;
    if (left instanceof Leaf) {
      const r = right as Leaf;
      for (let k = 0; k < r.members.length; k++) {
        left.members.push(r.members[k]!);
        left.scores.push(r.scores[k]!);
      }
    } else {
      const r = right as Inner;
      for (let k = 0; k < r.children.length; k++) {
        left.children.push(r.children[k]!);
        left.counts.push(r.counts[k]!);
        left.sepScores.push(r.sepScores[k]!);
        left.sepMembers.push(r.sepMembers[k]!);
      }
    }
    parent.counts[i]! += parent.counts[i + 1]!;
    this.#drop(parent, i + 1);
  }

  /** Unlinks child i (empty, or already merged into its left neighbour). */
  #drop(parent: Inner, i: number): void {
    const child = parent.children[i]!;
    if (child instanceof Leaf) {
      if (child.prev !== null) child.prev.next = child.next;
      else this.#first = child.next!;
      if (child.next !== null) child.next.prev = child.prev;
      else this.#last = child.prev!;
    }
    removeAt(parent.children, i);
    removeAt(parent.counts, i);
    removeAt(parent.sepScores, i);
    removeAt(parent.sepMembers, i);
  }

  /** 0-based rank of an entry known to be present. */
  rank(score: number, member: string): number {
    let node = this.#root;
    let rank = 0;
    while (node instanceof Inner) {
      const i = route(node, score, member);
      for (let k = 0; k < i; k++) rank += node.counts[k]!;
      node = node.children[i]!;
    }
    return rank + leafSearch(node, score, member);
  }

  /**
   * How many entries lie below a bound: score < s, score ≤ s, member < m or member ≤ m
   * (`mode`). Lex modes assume every score is equal, as Redis's lex commands do.
   */
  countBelow(mode: number, s: number, m: string): number {
    let node = this.#root;
    let n = 0;
    while (node instanceof Inner) {
      // The last child whose lower bound is below: every child before it is wholly below.
      let i = 0;
      const last = node.children.length - 1;
      while (i < last && below(mode, node.sepScores[i + 1]!, node.sepMembers[i + 1]!, s, m)) {
        n += node.counts[i]!;
        i++;
      }
      node = node.children[i]!;
    }
    let lo = 0;
    let hi = node.members.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (below(mode, node.scores[mid]!, node.members[mid]!, s, m)) lo = mid + 1;
      else hi = mid;
    }
    return n + lo;
  }

  /** Points `out` at the entry of 0-based rank `rank` (< size). */
  select(rank: number, out: Cursor): void {
    let node = this.#root;
    while (node instanceof Inner) {
      let i = 0;
      while (rank >= node.counts[i]!) rank -= node.counts[i++]!;
      node = node.children[i]!;
    }
    out.leaf = node;
    out.index = rank;
  }

  /** Entries in order (for copies and conversions). */
  *entries(): IterableIterator<[string, number]> {
    for (let leaf: Leaf | null = this.#first; leaf !== null; leaf = leaf.next) {
      for (let i = 0; i < leaf.members.length; i++) yield [leaf.members[i]!, leaf.scores[i]!];
    }
  }

  /** Checks the structure's invariants (tests). */
  check(): void {
    const walk = (node: Node, lo: [number, string] | null, hi: [number, string] | null) => {
      if (node instanceof Leaf) {
        for (let k = 0; k < node.members.length; k++) {
          const s = node.scores[k]!;
          const m = node.members[k]!;
          if (lo !== null && less(s, m, lo[0], lo[1])) throw new Error("leaf below its bound");
          if (hi !== null && !less(s, m, hi[0], hi[1])) throw new Error("leaf above its bound");
          if (k > 0 && !less(node.scores[k - 1]!, node.members[k - 1]!, s, m)) {
            throw new Error("leaf out of order");
          }
        }
        return node.members.length;
      }
      let total = 0;
      for (let k = 0; k < node.children.length; k++) {
        const sub = walk(
          node.children[k]!,
          k === 0 ? lo : [node.sepScores[k]!, node.sepMembers[k]!],
          k + 1 < node.children.length ? [node.sepScores[k + 1]!, node.sepMembers[k + 1]!] : hi,
        );
        if (sub !== node.counts[k]) throw new Error("count mismatch");
        total += sub;
      }
      return total;
    };
    if (walk(this.#root, null, null) !== this.#size) throw new Error("size mismatch");
    let n = 0;
    let prev: Leaf | null = null;
    for (let leaf: Leaf | null = this.#first; leaf !== null; leaf = leaf.next) {
      if (leaf.prev !== prev) throw new Error("broken prev link");
      n += leaf.members.length;
      prev = leaf;
    }
    if (prev !== this.#last || n !== this.#size) throw new Error("broken leaf chain");
  }
}

// Array.prototype.splice allocates an array for what it removes; these shift in place.
function insertAt<T>(a: T[], i: number, v: T): void {
  let k = a.length;
  a.push(v);
  for (; k > i; k--) a[k] = a[k - 1]!;
  a[i] = v;
}

function removeAt<T>(a: T[], i: number): void {
  const n = a.length - 1;
  for (let k = i; k < n; k++) a[k] = a[k + 1]!;
  a.pop();
}

/** The separator of the node a split just made; module variables so a split allocates less. */
let splitScore = 0;
let splitMember = "";

function nodeCount(node: Node): number {
  if (node instanceof Leaf) return node.members.length;
  let n = 0;
  for (let k = 0; k < node.counts.length; k++) n += node.counts[k]!;
  return n;
}

function nodeWidth(node: Node): number {
  return node instanceof Leaf ? node.members.length : node.children.length;
}

function firstKey(node: Node): [number, string] {
  if (node instanceof Leaf) return [node.scores[0]!, node.members[0]!];
  return [node.sepScores[0]!, node.sepMembers[0]!];
}

/** The child of `node` whose key range holds (score, member): the last separator ≤ it. */
function route(node: Inner, score: number, member: string): number {
  let lo = 1;
  let hi = node.children.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (less(score, member, node.sepScores[mid]!, node.sepMembers[mid]!)) hi = mid;
    else lo = mid + 1;
  }
  return lo - 1;
}

/** The index of the first entry of `leaf` not below (score, member). */
function leafSearch(leaf: Leaf, score: number, member: string): number {
  let lo = 0;
  let hi = leaf.members.length;
  const scores = leaf.scores;
  const members = leaf.members;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (less(scores[mid]!, members[mid]!, score, member)) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}
