// An out-of-tree rmap variant: a patch version under development, kept outside variants/ and
// loaded with KSMBENCH_EXTRA_VARIANTS=examples/variants. Like every variant it imports only the
// engine API for variants (src/ksm/variant-api.ts; from elsewhere, by its path in the ksmbench
// checkout). It starts from the v1–v3 query (pgoff = rmap_item->address >> PAGE_SHIFT): edit
// query() and compare it with the reference, e.g.
//   KSMBENCH_EXTRA_VARIANTS=examples/variants npx ksmbench run --scenario mremap-remerge \
//     --variant rmap=full-range,my-rmap --no-timing
import { defineVariant } from '../../../src/ksm/variant-api.ts';

export default defineVariant({
  id: 'my-rmap',
  axis: 'rmap',
  title: 'my rmap_walk_ksm query (example)',
  subject: 'ksm: an rmap_walk_ksm query under development',
  version: 'draft',
  date: '2026-12',
  link: 'examples/variants/rmap/my-rmap.ts',
  reference: 'full-range',
  policy: {
    // query [pgoff, pgoff] with pgoff = rmap_item->address >> PAGE_SHIFT
    query(ksm, item) {
      const pgoff = ksm.items.vpn(item);
      return [pgoff, pgoff];
    },
  },
});
