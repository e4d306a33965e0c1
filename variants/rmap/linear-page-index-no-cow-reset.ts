// Seed 000 without its break_cow() reset: what the reset prevents. When a merge is undone
// (second merge or stable_tree_insert failing), the stored index stays in the bytes that
// smart scan later reads as oldchecksum, age and remaining_skips (kernel/rmap.md §5.4).
import type { IndexResetSite, Ksm, KsmRmapItem } from '../../src/ksm/variant-api.ts';
import { defineVariant } from '../types.ts';
import linearPageIndex from './linear-page-index.ts';

export default defineVariant({
  id: 'linear-page-index-no-cow-reset',
  axis: 'rmap',
  title: 'stored linear_page_index, no reset in break_cow',
  subject: 'ksm: add linear_page_index into ksm_rmap_item, minus the break_cow() hunk',
  version: 'v8 1/3 without the break_cow reset',
  date: '2026-06-09',
  link: 'seeds/ksm-rmap-item-linear-page-index-v8.txt (seed 000), break_cow hunk removed',
  reference: 'full-range',
  knownWrong: 'after an aborted merge the index is left over the smart-scan state: on 64-bit its bytes read as age and remaining_skips and the page is wrongly skipped',
  policy: {
    ...linearPageIndex.policy,
    reset_index(ksm: Ksm, item: KsmRmapItem, site: IndexResetSite) {
      if (site !== 'break_cow') linearPageIndex.policy.reset_index?.(ksm, item, site);
    },
  },
});
