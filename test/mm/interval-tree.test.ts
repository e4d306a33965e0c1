import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import {
  IntervalTree,
  type IntervalTreeNode,
  VisitCount,
  validateIntervalTree,
} from '../../src/mm/interval-tree.ts';
import { RB_BLACK, RB_RED, rbLast, rbPrev } from '../../src/mm/rbtree.ts';

const MAX = Number.MAX_SAFE_INTEGER;
const HUGE = 2 ** 45;

interface Live {
  id: number;
  start: number;
  last: number;
  node: IntervalTreeNode<number>;
}

/** Values of a query, in the order the tree yields them. */
function queryIds(tree: IntervalTree<number>, start: number, last: number, visits?: VisitCount): number[] {
  const out: number[] = [];
  for (const n of tree.query(start, last, visits)) out.push(n.value);
  return out;
}

/** Brute force: live intervals stable-sorted by start (ties keep insertion order), filtered. */
function bruteIds(sorted: readonly Live[], start: number, last: number): number[] {
  return sorted.filter((l) => l.start <= last && start <= l.last).map((l) => l.id);
}

function height(node: IntervalTreeNode<number> | null): number {
  return node === null ? 0 : 1 + Math.max(height(node.left), height(node.right));
}

/** Deterministic PRNG (LCG) for the non-property tests. */
function lcg(seed: number): () => number {
  let s = seed;
  return () => {
    s = (s * 1103515245 + 12345) % 2147483648;
    return s / 2147483648;
  };
}

describe('interval tree: hand-built 7-node tree', () => {
  // Inserting starts 40, 20, 60, 10, 30, 50, 70 in this order builds a perfect tree:
  // 40 becomes the black root; 20 and 60 its red children; inserting 10 (parent 20 red,
  // uncle 60 red) is __rb_insert Case 1: 20 and 60 turn black, 40 turns red and, being the
  // root, black again; 30, 50 and 70 get black parents and stay red. No rotation happens.
  //
  //                 A [40,45] st 79
  //               /                \
  //     B [20,55] st 55          C [60,65] st 79
  //       /        \               /        \
  //  D [10,12]   E [30,33]    F [50,52]   G [70,79]
  //    st 12       st 33        st 52       st 79
  const intervals: Array<[string, number, number]> = [
    ['A', 40, 45],
    ['B', 20, 55],
    ['C', 60, 65],
    ['D', 10, 12],
    ['E', 30, 33],
    ['F', 50, 52],
    ['G', 70, 79],
  ];
  function build(): { tree: IntervalTree<string>; by: Map<string, IntervalTreeNode<string>> } {
    const tree = new IntervalTree<string>();
    const by = new Map<string, IntervalTreeNode<string>>();
    for (const [name, start, last] of intervals) by.set(name, tree.insert(name, start, last));
    return { tree, by };
  }
  function run(tree: IntervalTree<string>, start: number, last: number): { names: string; visits: number } {
    const v = new VisitCount();
    const names: string[] = [];
    for (const n of tree.query(start, last, v)) names.push(n.value);
    return { names: names.join(''), visits: v.count };
  }

  it('has the expected shape, colours and subtreeLast', () => {
    const { tree, by } = build();
    validateIntervalTree(tree);
    const n = (name: string) => by.get(name)!;
    assert.equal(tree.root.rbNode, n('A'));
    assert.equal(n('A').left, n('B'));
    assert.equal(n('A').right, n('C'));
    assert.equal(n('B').left, n('D'));
    assert.equal(n('B').right, n('E'));
    assert.equal(n('C').left, n('F'));
    assert.equal(n('C').right, n('G'));
    for (const name of 'ABC') assert.equal(n(name).color, RB_BLACK, name);
    for (const name of 'DEFG') assert.equal(n(name).color, RB_RED, name);
    assert.deepEqual(
      [...'ABCDEFG'].map((x) => n(x).subtreeLast),
      [79, 55, 79, 12, 33, 52, 79],
    );
    assert.equal(tree.leftmost, n('D'));
    assert.equal(tree.size, 7);
  });

  it('full query [0, MAX]: all 7 in order, 2n = 14 visits', () => {
    // iter_first: A (F1), leftmost D (F2), B (S1, 0 <= 55), D (S1, 0 <= 12) -> D.   4
    // next(D): no right; climb to B (N2), came from B's left -> B.                  5
    // next(B): right E (N1) -> subtree_search(E): no left -> E.                      6
    // next(E): no right; climb B (N2, came from right), climb A (N2) -> A.         8
    // next(A): right C (N1) -> subtree_search(C): left F (S1) -> F.                 10
    // next(F): no right; climb C (N2) -> C.                                         11
    // next(C): right G (N1) -> G.                                                   12
    // next(G): no right; climb C (N2), climb A (N2); A has no parent -> NULL.       14
    const { tree } = build();
    assert.deepEqual(run(tree, 0, MAX), { names: 'DBEAFCG', visits: 14 });
  });

  it('stabbing query [51, 51]: B and F, 9 visits', () => {
    // iter_first: A (F1: 79 >= 51), D (F2: 10 <= 51), subtree_search(A):
    //   left B (S1: 51 <= 55) -> node B; left D (S1: 51 > 12); B: 20 <= 51 and 51 <= 55 -> B. 4
    // next(B): right E (N1: 51 > 33); climb A (N2), came from left; A: 40 <= 51 but 51 > 45;
    //   loop: right C (N1: 51 <= 79) -> subtree_search(C): left F (S1: 51 <= 52) -> node F;
    //   F: 50 <= 51 and 51 <= 52 -> F.                                              8
    // next(F): no right; climb C (N2), came from left; 51 < 60 (!Cond1) -> NULL.     9
    const { tree } = build();
    assert.deepEqual(run(tree, 51, 51), { names: 'BF', visits: 9 });
  });

  it('fast paths: [80, 100] costs 1 visit (root), [0, 5] costs 2 (root + leftmost)', () => {
    // [80, 100]: root A subtreeLast 79 < 80 -> NULL after F1.
    // [0, 5]: F1 passes (79 >= 0), leftmost D start 10 > 5 -> NULL after F2.
    const { tree } = build();
    assert.deepEqual(run(tree, 80, 100), { names: '', visits: 1 });
    assert.deepEqual(run(tree, 0, 5), { names: '', visits: 2 });
  });

  it('right turns in subtree_search: [66, 69] misses after 6 visits, [75, 75] finds G after 8', () => {
    // [66, 69]: F1 A (79 >= 66), F2 D (10 <= 69), S1 B (66 > 55: stay at A);
    //   A: 40 <= 69 but 66 > 45; S2 C (66 <= 79) -> node C; S1 F (66 > 52: stay at C);
    //   C: 60 <= 69 but 66 > 65; S2 G (66 <= 79) -> node G; no left; 70 > 69 -> NULL.   6
    // [75, 75]: the same six loads down to G, which now matches (70 <= 75 <= 79).       6
    //   next(G): no right; climb C (N2, came from right), climb A (N2, came from right);
    //   A has no parent -> NULL.                                                        8
    const { tree } = build();
    assert.deepEqual(run(tree, 66, 69), { names: '', visits: 6 });
    assert.deepEqual(run(tree, 75, 75), { names: 'G', visits: 8 });
  });

  it('a miss inside subtree_search: [13, 19] costs 4 visits', () => {
    // F1 A, F2 D (10 <= 19), S1 B (13 <= 55) -> node B, S1 D (13 > 12);
    // B.start 20 > 19 fails Cond1 -> NULL.
    const { tree } = build();
    assert.deepEqual(run(tree, 13, 19), { names: '', visits: 4 });
  });

  it('an empty tree costs nothing', () => {
    const tree = new IntervalTree<string>();
    assert.deepEqual(run(tree, 0, MAX), { names: '', visits: 0 });
    assert.equal(tree.leftmost, null);
    validateIntervalTree(tree);
  });
});

describe('interval tree: random operations against brute force (fast-check)', () => {
  const startArb = fc.oneof(
    { arbitrary: fc.integer({ min: 0, max: 200 }), weight: 8 },
    { arbitrary: fc.integer({ min: HUGE - 64, max: HUGE + 64 }), weight: 2 },
  );
  const opArb = fc.oneof(
    {
      // len 0 encodes "up to ULONG_MAX" (last = MAX_SAFE_INTEGER)
      arbitrary: fc.record({
        kind: fc.constant('insert' as const),
        start: startArb,
        len: fc.oneof({ arbitrary: fc.integer({ min: 1, max: 50 }), weight: 19 }, { arbitrary: fc.constant(0), weight: 1 }),
      }),
      weight: 3,
    },
    { arbitrary: fc.record({ kind: fc.constant('remove' as const), pick: fc.nat() }), weight: 2 },
  );
  const pointArb = fc.oneof(
    { arbitrary: fc.integer({ min: 0, max: 260 }), weight: 8 },
    { arbitrary: fc.integer({ min: HUGE - 100, max: HUGE + 200 }), weight: 2 },
  );
  const rangeArb = fc.tuple(pointArb, pointArb).map(([a, b]) => (a <= b ? [a, b] : [b, a]) as [number, number]);

  it('keeps the invariants and answers every query like a brute-force filter', () => {
    fc.assert(
      fc.property(fc.array(opArb, { maxLength: 80, size: 'max' }), fc.array(rangeArb, { maxLength: 20, size: 'max' }), (ops, ranges) => {
        const tree = new IntervalTree<number>();
        let live: Live[] = [];
        let nextId = 0;
        for (const op of ops) {
          if (op.kind === 'insert') {
            const last = op.len === 0 ? MAX : op.start + op.len - 1;
            const id = nextId++;
            live.push({ id, start: op.start, last, node: tree.insert(id, op.start, last) });
          } else if (live.length > 0) {
            const victim = live[op.pick % live.length]!;
            tree.remove(victim.node);
            live = live.filter((l) => l !== victim);
          }
          validateIntervalTree(tree);
          assert.equal(tree.size, live.length);
        }

        const sorted = [...live].sort((a, b) => a.start - b.start); // stable: ties by insertion
        const all = sorted.map((l) => l.id);
        assert.deepEqual([...tree.inorder()].map((n) => n.value), all);
        // rb_last / rb_prev walk the same order backwards
        const back: number[] = [];
        for (let n = rbLast(tree.root); n !== null; n = rbPrev(n)) back.push(n.value);
        assert.deepEqual(back, [...all].reverse());

        // full query: everything, in order, exactly 2n visits (so within [n, 3n])
        const v = new VisitCount();
        assert.deepEqual(queryIds(tree, 0, MAX, v), all);
        const n = live.length;
        assert.ok(v.count >= n && v.count <= 3 * n, `full query visits ${v.count} for n=${n}`);
        assert.equal(v.count, 2 * n);

        for (let i = 0; i <= 260; i++) assert.deepEqual(queryIds(tree, i, i), bruteIds(sorted, i, i), `stab ${i}`);
        for (let i = HUGE - 100; i <= HUGE + 200; i += 7) {
          assert.deepEqual(queryIds(tree, i, i), bruteIds(sorted, i, i), `stab ${i}`);
        }
        for (const [a, b] of ranges) assert.deepEqual(queryIds(tree, a, b), bruteIds(sorted, a, b), `range [${a}, ${b}]`);
        assert.deepEqual(queryIds(tree, MAX, MAX), bruteIds(sorted, MAX, MAX));
      }),
      { numRuns: 150 },
    );
  });

  it('survives a long deterministic insert/remove sequence (all erase cases on deep trees)', () => {
    const rnd = lcg(12345);
    const tree = new IntervalTree<number>();
    let live: Live[] = [];
    for (let step = 0; step < 3000; step++) {
      if (live.length < 400 && (live.length === 0 || rnd() < 0.55)) {
        const start = Math.floor(rnd() * 1000);
        const last = start + Math.floor(rnd() * 30);
        live.push({ id: step, start, last, node: tree.insert(step, start, last) });
      } else {
        const i = Math.floor(rnd() * live.length);
        tree.remove(live[i]!.node);
        live.splice(i, 1);
      }
      validateIntervalTree(tree);
    }
    const sorted = [...live].sort((a, b) => a.start - b.start);
    for (let i = 0; i < 1040; i += 3) assert.deepEqual(queryIds(tree, i, i), bruteIds(sorted, i, i));
    while (live.length > 0) {
      tree.remove(live.pop()!.node);
      validateIntervalTree(tree);
    }
    assert.equal(tree.size, 0);
    assert.equal(tree.root.rbNode, null);
    assert.equal(tree.leftmost, null);
  });
});

describe('interval tree: ties and edge cases', () => {
  it('equal starts are all kept and come back in insertion order (ties go right)', () => {
    const tree = new IntervalTree<string>();
    const nodes = new Map<string, IntervalTreeNode<string>>();
    // five intervals starting at 5 (different lasts), interleaved with other starts
    const input: Array<[string, number, number]> = [
      ['a', 5, 9],
      ['x', 3, 4],
      ['b', 5, 5],
      ['c', 5, 100],
      ['y', 7, 8],
      ['d', 5, 6],
      ['z', 1, 50],
      ['e', 5, 5],
    ];
    for (const [name, start, last] of input) nodes.set(name, tree.insert(name, start, last));
    validateIntervalTree(tree);
    const names = (it: Iterable<IntervalTreeNode<string>>) => [...it].map((n) => n.value).join('');
    assert.equal(names(tree.inorder()), 'zxabcdey');
    assert.equal(names(tree.query(5, 5)), 'zabcde');
    assert.equal(names(tree.query(6, 6)), 'zacd');
    assert.equal(tree.leftmost, nodes.get('z'));

    // remove one in the middle of the run, then a new start-5 interval goes after the rest
    tree.remove(nodes.get('c')!);
    nodes.set('f', tree.insert('f', 5, 5));
    validateIntervalTree(tree);
    assert.equal(names(tree.inorder()), 'zxabdefy');
    assert.equal(names(tree.query(5, 5)), 'zabdef');
  });

  it('a run of 200 identical intervals keeps insertion order through removals', () => {
    const tree = new IntervalTree<number>();
    const nodes: IntervalTreeNode<number>[] = [];
    for (let i = 0; i < 200; i++) nodes.push(tree.insert(i, 10, 20));
    for (let i = 0; i < 200; i += 3) tree.remove(nodes[i]!);
    validateIntervalTree(tree);
    const expected = [...Array(200).keys()].filter((i) => i % 3 !== 0);
    assert.deepEqual(queryIds(tree, 15, 15), expected);
    assert.deepEqual(queryIds(tree, 21, 30), []);
  });

  it('rejects bad intervals, double removal and iteration from a removed node', () => {
    const tree = new IntervalTree<number>();
    assert.throws(() => tree.insert(0, 5, 4), RangeError);
    assert.throws(() => tree.insert(0, -1, 4), RangeError);
    assert.throws(() => tree.insert(0, 1.5, 4), RangeError);
    assert.throws(() => tree.insert(0, Number.NaN, 4), RangeError);
    const a = tree.insert(1, 0, 10);
    tree.insert(2, 5, 10);
    tree.remove(a);
    assert.throws(() => tree.remove(a), /not in a tree/);
    assert.throws(() => tree.iterNext(a, 0, 10), /removed/);
    validateIntervalTree(tree);
    assert.deepEqual(queryIds(tree, 0, MAX), [2]);
  });

  it('validateIntervalTree reports corruption', () => {
    const make = () => {
      const tree = new IntervalTree<number>();
      const ns = [30, 10, 50, 20].map((s) => tree.insert(s, s, s + 5));
      return { tree, ns };
    };
    let t = make();
    validateIntervalTree(t.tree);
    t.ns[0]!.subtreeLast = 1;
    assert.throws(() => validateIntervalTree(t.tree), /subtreeLast/);

    t = make();
    t.tree.root.rbNode!.color = RB_RED;
    assert.throws(() => validateIntervalTree(t.tree), /root .* is red/);

    t = make(); // 20 is a red child of black 10: turning 10 red gives red-red
    t.ns[1]!.color = RB_RED;
    assert.throws(() => validateIntervalTree(t.tree), /red child|black heights/);

    t = make();
    t.tree.root.rbLeftmost = t.ns[3]!;
    assert.throws(() => validateIntervalTree(t.tree), /leftmost/);

    t = make();
    t.ns[3]!.parent = t.ns[0]!;
    assert.throws(() => validateIntervalTree(t.tree), /parent pointer/);
  });
});

describe('interval tree: stabbing cost on 1024 disjoint unit intervals', () => {
  // Intervals [4i, 4i], i < 1024. For a stabbing query [x, x] on disjoint intervals:
  // iter_first costs <= 2 + 2 per edge down to the match at depth d (+1 for a rejected left
  // child), and iter_next either searches the match's right subtree (one load per level
  // below) or climbs <= d - 1 parents to a node with start > x. So every query costs
  // <= 3h - 1 for tree height h, and h <= 2 log2(n + 1) = 20 for any red-black tree.
  function buildTree(order: readonly number[]): IntervalTree<number> {
    const tree = new IntervalTree<number>();
    for (const i of order) tree.insert(i, 4 * i, 4 * i);
    validateIntervalTree(tree);
    return tree;
  }
  function stabAll(tree: IntervalTree<number>): { max: number; mean: number } {
    let max = 0;
    let sum = 0;
    for (let x = 0; x < 4096; x++) {
      const v = new VisitCount();
      const got = queryIds(tree, x, x, v);
      assert.deepEqual(got, x % 4 === 0 ? [x / 4] : [], `stab ${x}`);
      max = Math.max(max, v.count);
      sum += v.count;
    }
    return { max, mean: sum / 4096 };
  }
  const ascending = [...Array(1024).keys()];

  it('random insertion order: every stabbing query visits fewer than 40 nodes', () => {
    const rnd = lcg(7);
    const order = [...ascending];
    for (let i = order.length - 1; i > 0; i--) {
      const j = Math.floor(rnd() * (i + 1));
      [order[i], order[j]] = [order[j]!, order[i]!];
    }
    const tree = buildTree(order);
    const h = height(tree.root.rbNode);
    assert.ok(h <= 2 * Math.log2(1025), `height ${h}`);
    const { max } = stabAll(tree);
    assert.ok(max < 40, `max visits ${max}`);
    assert.ok(max <= 3 * h - 1, `max visits ${max}, height ${h}`);
  });

  it('ascending insertion order (a long right spine): bounded by 3h - 1, mean below 40', () => {
    const tree = buildTree(ascending);
    const h = height(tree.root.rbNode);
    assert.ok(h <= 2 * Math.log2(1025), `height ${h}`);
    const { max, mean } = stabAll(tree);
    assert.ok(max <= 3 * h - 1, `max visits ${max}, height ${h}`);
    assert.ok(mean < 40, `mean visits ${mean}`);
  });
});
