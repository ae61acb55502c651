pragma circom 2.1.9;

include "circomlib/circuits/poseidon.circom";

// IndexLeaf(): a leaf of a model's attribution index, Poseidon(recordLeaf, featureHash), binding a
// datanet record to its feature vector (prover/index/featureHash.ts `indexLeaf`). The query
// commitment Poseidon(inputHash, featureHash(phi_q)) has the same shape and uses this template too.
// Inputs: two field elements (both are Poseidon outputs or keccak >> 8 values upstream).
// constraints: 240 at ()
template IndexLeaf() {
    signal input recordLeaf;
    signal input featureHash;
    signal output leaf;

    component hasher = Poseidon(2);
    hasher.inputs[0] <== recordLeaf;
    hasher.inputs[1] <== featureHash;
    leaf <== hasher.out;
}
