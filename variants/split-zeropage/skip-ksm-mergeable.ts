// Nico Pache, "MM: Tighten control over zero-page remapping" v1 2/3 (9 Jun 2026):
// "mm/migrate.c: Prevent folio splitting from interacting with KSM" — try_to_map_unused_to_zeropage
// returns false (after the PageCompound/HWPoison test) when KSM is running (1/3's ksm_is_running())
// and the mapping's VMA has VM_MERGEABLE, so KSM deduplicates those zero-filled pages itself under
// pages_to_scan and use_zero_pages. Read from the patch mail (diff context + changelog); the
// exact condition text was cut off in the stored copy: "restricting TTU_USE_SHARED_ZEROPAGE being
// set in the case that KSM is running and the VMA has VM_MERGEABLE".
import { VM_MERGEABLE } from '../../src/ksm/variant-api.ts';
import { defineVariant } from '../types.ts';

export default defineVariant({
  id: 'skip-ksm-mergeable',
  axis: 'split-zeropage',
  title: 'no zero-page remap in KSM-mergeable VMAs while KSM runs',
  subject: 'mm/migrate.c: Prevent folio splitting from interacting with KSM',
  version: 'v1 2/3 (with 1/3: mm/ksm: export ksm_is_running())',
  date: '2026-06-09',
  link: 'https://lkml.iu.edu/2606.1/03807.html (cover: https://lkml.iu.edu/2606.1/03803.html)',
  reference: 'remap',
  policy: {
    use_shared_zeropage: () => true,
    // if (ksm_is_running() && (pvmw->vma->vm_flags & VM_MERGEABLE)) return false;
    refuse_for_vma: (machine, vma) => (machine.hooks.ksm_is_running?.() ?? false) && (vma.vm_flags & VM_MERGEABLE) !== 0,
  },
});
