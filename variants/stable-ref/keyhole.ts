// Seed 003 (Hugh Dickins, Dec 2009, 4035c07a8959): the stable node holds no page reference;
// lookups peep through the keyhole (page->mapping == node | KSM) and prune stale nodes. This is
// the engine's ksm_get_folio; the variant adds nothing to it.
import { defineVariant } from '../types.ts';

export default defineVariant({
  id: 'keyhole',
  axis: 'stable-ref',
  title: 'keyhole reference (no page pin)',
  subject: 'ksm: take keyhole reference to page',
  version: '4035c07a8959 (2.6.33)',
  date: '2009-12-14',
  link: 'seeds/ksm-keyhole-reference-2009.txt (seed 003)',
  reference: null,
  policy: {},
});
