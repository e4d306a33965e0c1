// The committed baseline (results/baseline.csv) is what the engine computes today: the CI gate
// passes on the unchanged tree. Changing any count without `ksmbench gate --update` fails here.
import assert from 'node:assert/strict';
import { it } from 'node:test';
import { ksmbench } from '../support/cli.ts';

it('ksmbench gate passes against the committed baseline', () => {
  const r = ksmbench(['gate']);
  assert.equal(r.status, 0, r.stdout + r.stderr);
  assert.match(r.stdout, /^## ksmbench gate: PASS\n\nCompared 160 runs with `results\/baseline.csv`; 5 known correctness failure\(s\) unchanged\./);
});
