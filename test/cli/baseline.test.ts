// The committed baseline (results/baseline.csv) is what the engine computes today: the CI gate
// passes on the unchanged tree. Changing any count without `ksmbench gate --update` fails here.
import assert from 'node:assert/strict';
import { it } from 'node:test';
import { SCENARIOS } from '../../bench/scenarios/index.ts';
import { STACKS } from '../../variants/stacks.ts';
import { ksmbench } from '../support/cli.ts';

it('ksmbench gate passes against the committed baseline, which holds the whole default suite', () => {
  const r = ksmbench(['gate']);
  assert.equal(r.status, 0, r.stdout + r.stderr);
  const runs = STACKS.length * SCENARIOS.length; // every stack × every built-in scenario (180 today)
  assert.match(r.stdout, new RegExp(`^## ksmbench gate: PASS\n\nCompared ${runs} runs with \`results/baseline.csv\`; 5 known correctness failure\\(s\\) unchanged\\.`));
});
