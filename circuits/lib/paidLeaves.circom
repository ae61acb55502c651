pragma circom 2.1.9;

include "circomlib/circuits/poseidon.circom";

// PaidLeavesHash(K): hash = Poseidon(p_0, ..., p_{K-1}) with p_i = active[i] (leafIndex[i] + 1): the
// set of records a settlement pays, as one public input a challenger can open
// (circuits/challenge.circom proves its record is none of them). The + 1 keeps leaf 0 distinct from
// an empty slot's 0, so padding never marks record 0 as paid.
// Inputs: active[i] in {0, 1} and leafIndex[i] < 2^depth (the caller's checks: AttributionCandidate
// and MerkleRoot). 1 <= K <= 16 (circomlib's Poseidon takes at most 16 inputs).
// constraints: K + Poseidon(K); 264 at (3), 242 at (2)
template PaidLeavesHash(K) {
    assert(K >= 1 && K <= 16);
    signal input active[K];
    signal input leafIndex[K];
    signal output hash;

    signal paid[K];

    component hasher = Poseidon(K);
    for (var i = 0; i < K; i++) {
        paid[i] <== active[i] * (leafIndex[i] + 1);
        hasher.inputs[i] <== paid[i];
    }
    hash <== hasher.out;
}
