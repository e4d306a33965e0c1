// Memory failure on a KSM page, up to the kill list: mm/memory-failure.c collect_procs →
// mm/ksm.c collect_procs_ksm (6.4+), or 6.1's refusal of KSM pages, checked against the ground
// truth (which tasks map the folio). Nothing is unmapped, poisoned or signalled: the model has
// no signals, so a failure reports the tasks memory failure would collect.
//
// What the model fixes (the kernel's inputs it has no state for): one thread per process (no
// PF_MCE_PROCESS: prctl(PR_MCE_KILL) is never used), vm.memory_failure_early_kill given by the
// caller (MemoryFailureOptions.early_kill), the task whose access raised the failure
// (`current`, MF_ACTION_REQUIRED → force_early) given or none (an asynchronous failure), and
// an exited process reaped: it has left the task list for_each_process walks.
import type { Folio } from '../mm/folio.ts';
import { VisitCount } from '../mm/interval-tree.ts';
import { mmHas } from '../mm/kernel.ts';
import type { MmStruct } from '../mm/mm.ts';
import type { Ksm } from './state.ts';
import { folio_stable_node } from './trees.ts';

/** The model's inputs to memory failure that the kernel takes from tasks, sysctls and the MCE. */
export interface MemoryFailureOptions {
  /** sysctl vm.memory_failure_early_kill (the kernel's default is 0). */
  readonly early_kill: boolean;
  /** The task that consumed the poison (MF_ACTION_REQUIRED: force_early), or null (asynchronous). */
  readonly current: MmStruct | null;
}

/** One struct to_kill: the task, and the address add_to_kill_ksm was given (rmap_item->address). */
export interface KillEntry {
  readonly mm: MmStruct;
  readonly vpn: number;
}

export interface MemoryFailureResult {
  /** 6.1: hwpoison_user_mappings refused the KSM page before collect_procs ("can't handle KSM pages"). */
  readonly refused: boolean;
  /** The kill list, in the order add_to_kill_ksm appended (list_add_tail). */
  readonly killed: readonly KillEntry[];
  /** Ground truth: tasks mapping the folio that task_early_kill selects, in task-list order. */
  readonly expected: readonly MmStruct[];
  /** Of those, tasks not on the kill list, each with the lowest page at which it maps the folio. */
  readonly missed: readonly KillEntry[];
  /** Tasks on the kill list that map no page of the folio. */
  readonly spurious: readonly MmStruct[];
}

/** for_each_process: the task list in creation order (init_task.tasks, new tasks at the tail); reaped tasks gone. */
function tasks(ksm: Ksm): MmStruct[] {
  return ksm.machine.mms.filter((mm) => mm.mm_users > 0);
}

/**
 * mm/memory-failure.c: task_early_kill — `!tsk->mm` never (a reaped task is not listed);
 * force_early and the current task's mm: current; else find_early_kill_thread: with no
 * PF_MCE_PROCESS thread, the sysctl decides.
 */
function task_early_kill(tsk: MmStruct, force_early: boolean, o: MemoryFailureOptions): MmStruct | null {
  if (force_early && tsk === o.current) return tsk;
  return find_early_kill_thread(tsk, o);
}

/** mm/memory-failure.c: find_early_kill_thread — one thread, no PF_MCE_PROCESS: sysctl_memory_failure_early_kill. */
function find_early_kill_thread(tsk: MmStruct, o: MemoryFailureOptions): MmStruct | null {
  return o.early_kill ? tsk : null;
}

/** mm/memory-failure.c: task_in_to_kill_list */
function task_in_to_kill_list(to_kill: readonly KillEntry[], tsk: MmStruct): boolean {
  for (const tk of to_kill) if (tk.mm === tsk) return true;
  return false;
}

/** mm/memory-failure.c: add_to_kill_ksm — one entry per task (__add_to_kill: list_add_tail). */
function add_to_kill_ksm(tsk: MmStruct, to_kill: KillEntry[], addr: number): void {
  if (!task_in_to_kill_list(to_kill, tsk)) to_kill.push({ mm: tsk, vpn: addr });
}

/**
 * mm/ksm.c: collect_procs_ksm — per rmap_item of the folio's stable node, under its anon_vma
 * read lock: every task, and for each early-kill task every avc of the query interval whose
 * vma->vm_mm is the task's mm. No address or PTE test: a task with any VMA in the interval of
 * the item's tree is collected. The interval is [0, ULONG_MAX] up to 7.2 (7.2.13 mm/ksm.c:3251)
 * and [index, index] from 7.3 (7.3.4 :3287-3293): the run's rmap variant says which
 * (RmapPolicy.collect_procs_query).
 */
function collect_procs_ksm(ksm: Ksm, folio: Folio, to_kill: KillEntry[], force_early: boolean, o: MemoryFailureOptions): void {
  const c = ksm.counters;
  const items = ksm.items;
  const rmap = ksm.policy.rmap;
  const stable_node = folio_stable_node(ksm, folio);
  if (!stable_node) return;
  // Counted locally and charged once per call: the same exact sums, without a slot write per step.
  const visits = new VisitCount();
  let avcs = 0;
  const list = tasks(ksm); // the task list does not change while memory failure holds the locks
  for (let item = stable_node.hlist; item; item = items.hlist_next(item)) {
    const av = items.anon_vma(item)!;
    c.anon_vma_locks++; // anon_vma_lock_read(av)
    const [first, last] = rmap.collect_procs_query ? rmap.collect_procs_query(ksm, item) : [0, Number.MAX_SAFE_INTEGER];
    const addr = items.vpn(item); // rmap_item->address & PAGE_MASK
    const tree = av.rb_root;
    for (const tsk of list) {
      c.mf_tasks_visited++;
      const t = task_early_kill(tsk, force_early, o);
      if (!t) continue;
      // anon_vma_interval_tree_foreach: anon_vma_interval_tree_iter_first / _iter_next
      for (let n = tree.iterFirst(first, last, visits); n !== null; n = tree.iterNext(n, first, last, visits)) {
        avcs++;
        if (n.value.vma.mm === t) add_to_kill_ksm(t, to_kill, addr);
      }
    }
  }
  c.mf_avc_visits += avcs;
  c.mf_tree_nodes += visits.count;
}

/**
 * mm/memory-failure.c: memory_failure → hwpoison_user_mappings → collect_procs for a mapped KSM
 * folio, stopping at the kill list (no unmap, no signal). 6.1.192's hwpoison_user_mappings
 * refuses a KSM page first (MM_BEHAVIOURS.memory_failure_collects_ksm).
 */
export function memory_failure_ksm(ksm: Ksm, folio: Folio, o: MemoryFailureOptions): MemoryFailureResult {
  const c = ksm.counters;
  const machine = ksm.machine;
  if (!machine.folios.ksm(folio)) throw new Error('memory_failure_ksm: not a KSM folio');
  if (!mmHas(machine.kernel, 'memory_failure_collects_ksm')) {
    c.mf_refused++; // pr_err("%#lx: can't handle KSM pages.\n"); MF_MSG_UNMAP_FAILED
    return { refused: true, killed: [], expected: [], missed: [], spurious: [] };
  }
  const to_kill: KillEntry[] = [];
  const force_early = o.current !== null; // flags & MF_ACTION_REQUIRED
  c.mf_calls++; // collect_procs: folio_test_ksm → collect_procs_ksm
  collect_procs_ksm(ksm, folio, to_kill, force_early, o);

  const pt = machine.pt;
  const mapping = new Map<MmStruct, number>(); // task → its lowest page mapping the folio
  for (const m of machine.folios.mappings(pt, folio)) {
    const mm = machine.mmById[pt.mmIdOf(m)]!;
    const vpn = pt.vpnOf(m);
    if ((mapping.get(mm) ?? Infinity) > vpn) mapping.set(mm, vpn);
  }
  const expected = tasks(ksm).filter((t) => mapping.has(t) && task_early_kill(t, force_early, o) !== null);
  const missed = expected.filter((t) => !task_in_to_kill_list(to_kill, t)).map((t) => ({ mm: t, vpn: mapping.get(t)! }));
  const spurious = to_kill.filter((tk) => !mapping.has(tk.mm)).map((tk) => tk.mm);
  c.mf_procs_expected += expected.length;
  c.mf_procs_found += to_kill.length;
  c.mf_procs_missed += missed.length;
  c.mf_procs_spurious += spurious.length;
  return { refused: false, killed: to_kill, expected, missed, spurious };
}
